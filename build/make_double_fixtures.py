#!/usr/bin/python3
"""Makes the double and float16 fixtures in tests/data/doubles/ (run with /usr/bin/python3 from the repository root).

Scikit-learn forests written the way sklearn-onnx converts a model for double inputs (its converter is not installed, so
onnx.helper writes the same graph): a tensor(double) input, thresholds and leaf weights as double tensors (the opset-3
*_as_tensor attributes), and for the regressor a Cast of the scores to a double output. Each model comes with
`<name>.input.pb`, double rows to run it on (training rows and rows between them). The C# tests (DoubleAndFloat16Tests)
compute the expected outputs with ONNX Runtime; this script checks its own conversion against scikit-learn.
`half_scale` takes and returns float16 (a float16 initializer, Casts to float and back) for the float16 edges.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "doubles")


def forest_attributes(estimators, prefix, leaf_values):
    """Opset-3 attributes of fitted sklearn trees; leaf_values(tree, node) gives [(target or class, weight)]."""
    a = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_truenodeids",
                         "nodes_falsenodeids", prefix + "_treeids", prefix + "_nodeids", prefix + "_ids")}
    values, weights = [], []
    for t, estimator in enumerate(estimators):
        tree = estimator.tree_
        for n in range(tree.node_count):
            leaf = tree.children_left[n] < 0
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(n)
            a["nodes_featureids"].append(0 if leaf else int(tree.feature[n]))
            a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            values.append(0.0 if leaf else float(tree.threshold[n]))
            a["nodes_truenodeids"].append(0 if leaf else int(tree.children_left[n]))
            a["nodes_falsenodeids"].append(0 if leaf else int(tree.children_right[n]))
            if leaf:
                for target, weight in leaf_values(tree, n):
                    a[prefix + "_treeids"].append(t)
                    a[prefix + "_nodeids"].append(n)
                    a[prefix + "_ids"].append(target)
                    weights.append(weight)
    a["nodes_values_as_tensor"] = numpy_helper.from_array(np.array(values, np.float64), "values")
    a[prefix + "_weights_as_tensor"] = numpy_helper.from_array(np.array(weights, np.float64), "weights")
    return a


def save(name, nodes, outputs, rows):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, rows.shape[1]])], outputs)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, os.path.join(OUT, name + ".onnx"))
    with open(os.path.join(OUT, name + ".input.pb"), "wb") as f:
        f.write(numpy_helper.from_array(rows, "X").SerializeToString())


def walk(estimators, x, leaf):
    """Each row's leaf values per tree, by the trees' own thresholds (a check of the conversion)."""
    out = []
    for row in x:
        per_tree = []
        for e in estimators:
            t, n = e.tree_, 0
            while t.children_left[n] >= 0:
                n = t.children_left[n] if row[t.feature[n]] <= t.threshold[n] else t.children_right[n]
            per_tree.append(leaf(t, n))
        out.append(per_tree)
    return np.array(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(11)
    # Features float32-representable, so no threshold (a midpoint of two of them) is nearer a row than float32 resolves.
    x = rng.normal(size=(60, 4)).astype(np.float32).astype(np.float64)
    rows = np.concatenate([x[:8], (x[8:14] + x[14:20]) / 2]).astype(np.float64)

    y = 2 * x[:, 0] - x[:, 1] * x[:, 2] + 0.5 * np.sin(3 * x[:, 3])
    reg = RandomForestRegressor(n_estimators=4, max_depth=4, random_state=0).fit(x, y)
    scale = 1.0 / len(reg.estimators_)
    attributes = forest_attributes(reg.estimators_, "target", lambda t, n: [(0, float(t.value[n][0][0]) * scale)])
    ours = walk(reg.estimators_, rows, lambda t, n: t.value[n][0][0]).mean(axis=1)
    assert np.allclose(ours, reg.predict(rows))
    save("double_forest_regressor",
         [helper.make_node("TreeEnsembleRegressor", ["X"], ["scores"], domain="ai.onnx.ml", name="forest", n_targets=1, **attributes),
          helper.make_node("Cast", ["scores"], ["variable"], name="to_double", to=TensorProto.DOUBLE)],
         [helper.make_tensor_value_info("variable", TensorProto.DOUBLE, [None, 1])], rows)

    classes = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 0.5).astype(np.int64)
    clf = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(x, classes)

    def class_weights(t, n):
        counts = t.value[n][0]
        return [(c, float(counts[c] / counts.sum()) / len(clf.estimators_)) for c in range(len(counts))]
    attributes = forest_attributes(clf.estimators_, "class", class_weights)
    probabilities = walk(clf.estimators_, rows, lambda t, n: t.value[n][0] / t.value[n][0].sum()).mean(axis=1)
    assert np.allclose(probabilities, clf.predict_proba(rows))
    save("double_forest_classifier",
         [helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="forest",
                           classlabels_int64s=[0, 1, 2], **attributes)],
         [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
          helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])], rows)

    # float16 edges: y = float16(float(x) * float(c) + 1/3), c a float16 initializer.
    c = numpy_helper.from_array(np.array([0.1, -2.0, 3.0e4, 1.0e-3, 1.0, 0.5], np.float16), "c")
    third = numpy_helper.from_array(np.array(1 / 3, np.float32), "third")
    graph = helper.make_graph(
        [helper.make_node("Cast", ["X"], ["xf"], name="x_to_float", to=TensorProto.FLOAT),
         helper.make_node("Cast", ["c"], ["cf"], name="c_to_float", to=TensorProto.FLOAT),
         helper.make_node("Mul", ["xf", "cf"], ["product"], name="scale"),
         helper.make_node("Add", ["product", "third"], ["sum"], name="shift"),
         helper.make_node("Cast", ["sum"], ["Y"], name="to_half", to=TensorProto.FLOAT16)],
        "half_scale", [helper.make_tensor_value_info("X", TensorProto.FLOAT16, [6])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT16, [6])], [c, third])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, os.path.join(OUT, "half_scale.onnx"))
    x16 = np.array([0.3, 1.5, 3.0, -700.0, 2.0e-3, 65504.0], np.float16)
    with open(os.path.join(OUT, "half_scale.input.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x16, "X").SerializeToString())


if __name__ == "__main__":
    main()
