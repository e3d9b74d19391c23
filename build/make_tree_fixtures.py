#!/usr/bin/python3
"""Makes the tree-ensemble fixtures in tests/data/trees/ (run with /usr/bin/python3 from the repository root).

scikit-learn and xgboost models fitted on small synthetic data, and hand-written forests for the rare attributes, written
as ai.onnx.ml graphs with onnx.helper from the fitted trees (the converter packages are not installed). Each model
comes with `<name>.input.pb`: rows to run it on (training rows, rows beside the thresholds, NaNs where the model tracks
missing values). The C# tests (TreeEnsembleTests) compute the expected outputs with ONNX Runtime; this script checks
its own conversion against the libraries' predictions with a small tree walker, so a wrong fixture fails here first.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier,
                              RandomForestRegressor)
import xgboost

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "trees")
MODES = {"<=": "BRANCH_LEQ", "<": "BRANCH_LT", ">=": "BRANCH_GTE", ">": "BRANCH_GT", "==": "BRANCH_EQ", "!=": "BRANCH_NEQ"}


class Forest:
    """Opset-1/3 attribute lists, built tree by tree."""

    def __init__(self):
        self.nodes = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values", "truenodeids", "falsenodeids",
                                      "missing_value_tracks_true")}
        self.weights = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}

    def node(self, tree, node, feature=0, mode="LEAF", value=0.0, true=0, false=0, missing=0):
        for k, v in zip(("treeids", "nodeids", "featureids", "modes", "values", "truenodeids", "falsenodeids",
                         "missing_value_tracks_true"), (tree, node, feature, mode, value, true, false, missing)):
            self.nodes[k].append(v)

    def weight(self, tree, node, target, weight):
        for k, v in zip(("treeids", "nodeids", "ids", "weights"), (tree, node, target, weight)):
            self.weights[k].append(v)

    def attributes(self, prefix, as_tensor=False):
        a = {"nodes_" + k: v for k, v in self.nodes.items()}
        a[prefix + "_treeids"] = self.weights["treeids"]
        a[prefix + "_nodeids"] = self.weights["nodeids"]
        a[prefix + "_ids"] = self.weights["ids"]
        a[prefix + "_weights"] = self.weights["weights"]
        a["nodes_values"] = [float(v) for v in a["nodes_values"]]
        if as_tensor:  # opset 3: thresholds and weights as float tensors
            a["nodes_values_as_tensor"] = numpy_helper.from_array(np.array(a.pop("nodes_values"), np.float32), "v")
            a[prefix + "_weights_as_tensor"] = numpy_helper.from_array(np.array(a.pop(prefix + "_weights"), np.float32), "w")
        return a

    # A reference walker (ONNX Runtime's reading: a new tree where the tree id changes, weights summed per target).
    def predict_raw(self, x, targets, aggregate="SUM", dtype=np.float64):
        """sklearn compares float32 features with float64 thresholds, XGBoost in float32 (dtype)."""
        n = self.nodes
        index = {(t, i): k for k, (t, i) in enumerate(zip(n["treeids"], n["nodeids"]))}
        leaf_weights = {}
        for t, i, c, w in zip(*(self.weights[k] for k in ("treeids", "nodeids", "ids", "weights"))):
            leaf_weights.setdefault((t, i), []).append((c, w))
        roots = [k for k in range(len(n["treeids"])) if k == 0 or n["treeids"][k] != n["treeids"][k - 1]]
        out = np.zeros((len(x), targets), np.float64)
        for r, row in enumerate(x):
            per_tree = []
            for k in roots:
                while n["modes"][k] != "LEAF":
                    v, th = dtype(row[n["featureids"][k]]), dtype(n["values"][k])
                    op = [o for o, m in MODES.items() if m == n["modes"][k]][0]
                    go = {"<=": v <= th, "<": v < th, ">=": v >= th, ">": v > th, "==": v == th, "!=": v != th}[op]
                    go = go or (n["missing_value_tracks_true"][k] == 1 and np.isnan(v))
                    k = index[(n["treeids"][k], n["truenodeids"][k] if go else n["falsenodeids"][k])]
                per_tree.append(leaf_weights[(n["treeids"][k], n["nodeids"][k])])
            for weights in per_tree:
                for c, w in weights:
                    out[r, c] += w
            if aggregate == "AVERAGE":
                out[r] /= len(roots)
        return out


def add_sklearn_tree(forest, tree_id, estimator, leaf):
    """One fitted sklearn tree: x <= threshold goes left; leaf(node) gives its (target, weight) pairs."""
    t = estimator.tree_
    for i in range(t.node_count):
        if t.children_left[i] < 0:
            forest.node(tree_id, i)
            for target, weight in leaf(t.value[i]):
                forest.weight(tree_id, i, target, float(weight))
        else:
            forest.node(tree_id, i, int(t.feature[i]), "BRANCH_LEQ", float(t.threshold[i]), int(t.children_left[i]),
                        int(t.children_right[i]))


def model(name, op, attributes, features, outputs, opset_ml=3, input_type=TensorProto.FLOAT):
    node = helper.make_node(op, ["X"], [o[0] for o in outputs], domain="ai.onnx.ml", **attributes)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("X", input_type, [None, features])],
                              [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", opset_ml)],
                          producer_name="ModelBaker build/make_tree_fixtures.py")
    m.ir_version = 8
    return m


def save(name, m, x):
    onnx.save(m, os.path.join(OUT, name + ".onnx"))
    with open(os.path.join(OUT, name + ".input.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(x)).SerializeToString())
    print(f"{name}: {os.path.getsize(os.path.join(OUT, name + '.onnx'))} bytes, {len(x)} rows")


def classifier_outputs(classes):
    return [("label", TensorProto.INT64, [None]), ("probabilities", TensorProto.FLOAT, [None, classes])]


def near_thresholds(forest, x, rng, count=6):
    """Rows whose features sit exactly on thresholds, to tell ≤ from <."""
    rows = x[rng.choice(len(x), count)].copy()
    branches = [k for k, m in enumerate(forest.nodes["modes"]) if m != "LEAF"]
    for r in range(count):
        for k in rng.choice(branches, 3):
            rows[r, forest.nodes["featureids"][k]] = np.float32(forest.nodes["values"][k])
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(17)
    x = rng.normal(size=(120, 5)).astype(np.float32) * 2
    y3 = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int)  # 3 classes
    y2 = (x[:, 0] * x[:, 3] > 0).astype(int)
    yr = x[:, 0] * 2 + np.sin(x[:, 1]) - x[:, 4]

    # Random forest, 3 classes: class probabilities averaged (weights / n_trees, summed).
    rf = RandomForestClassifier(n_estimators=6, max_depth=4, random_state=0).fit(x, y3)
    f = Forest()
    for k, e in enumerate(rf.estimators_):
        add_sklearn_tree(f, k, e, lambda v: [(c, p / len(rf.estimators_)) for c, p in enumerate(v[0] / v[0].sum())])
    rows = np.vstack([x[:20], near_thresholds(f, x, rng)])
    assert np.allclose(f.predict_raw(rows.astype(np.float64), 3), rf.predict_proba(rows), atol=1e-5)
    save("rf_classifier", model("rf_classifier", "TreeEnsembleClassifier",
                                dict(f.attributes("class"), classlabels_int64s=[0, 1, 2], post_transform="NONE"), 5,
                                classifier_outputs(3), opset_ml=1), rows)

    # Random forest, 2 classes with labels 10 and 20: weights on both classes (not ONNX Runtime's binary case).
    rf2 = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=1).fit(x, y2)
    f = Forest()
    for k, e in enumerate(rf2.estimators_):
        add_sklearn_tree(f, k, e, lambda v: [(c, p / len(rf2.estimators_)) for c, p in enumerate(v[0] / v[0].sum())])
    rows = np.vstack([x[20:40], near_thresholds(f, x, rng)])
    save("rf_binary", model("rf_binary", "TreeEnsembleClassifier",
                            dict(f.attributes("class", as_tensor=True), classlabels_int64s=[10, 20]), 5, classifier_outputs(2)), rows)

    # Gradient boosting, 2 classes: one score (class id 0), LOGISTIC, the log-odds prior as base value.
    gb = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(x, y2)
    f = Forest()
    for k, e in enumerate(gb.estimators_[:, 0]):
        add_sklearn_tree(f, k, e, lambda v: [(0, gb.learning_rate * v[0][0])])
    prior = float(gb._raw_predict_init(x[:1])[0, 0])
    rows = np.vstack([x[40:60], near_thresholds(f, x, rng)])
    assert np.allclose(f.predict_raw(rows.astype(np.float64), 1)[:, 0] + prior, gb.decision_function(rows), atol=1e-5)
    save("gb_binary", model("gb_binary", "TreeEnsembleClassifier",
                            dict(f.attributes("class"), classlabels_int64s=[0, 1], post_transform="LOGISTIC", base_values=[prior]),
                            5, classifier_outputs(2)), rows)

    # Gradient boosting, 3 classes: tree k of a stage adds to class k, SOFTMAX, priors as base values.
    gb3 = GradientBoostingClassifier(n_estimators=4, max_depth=2, random_state=0).fit(x, y3)
    f = Forest()
    for s in range(gb3.estimators_.shape[0]):
        for c in range(3):
            add_sklearn_tree(f, s * 3 + c, gb3.estimators_[s, c], lambda v, c=c: [(c, gb3.learning_rate * v[0][0])])
    priors = [float(p) for p in gb3._raw_predict_init(x[:1])[0]]
    rows = np.vstack([x[60:80], near_thresholds(f, x, rng)])
    assert np.allclose(f.predict_raw(rows.astype(np.float64), 3) + priors, gb3.decision_function(rows), atol=1e-5)
    save("gb_multiclass", model("gb_multiclass", "TreeEnsembleClassifier",
                                dict(f.attributes("class"), classlabels_int64s=[0, 1, 2], post_transform="SOFTMAX", base_values=priors),
                                5, classifier_outputs(3)), rows)

    # Gradient boosting regressor: SUM of learning_rate × leaf values plus the mean.
    gbr = GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=0).fit(x, yr)
    f = Forest()
    for k, e in enumerate(gbr.estimators_[:, 0]):
        add_sklearn_tree(f, k, e, lambda v: [(0, gbr.learning_rate * v[0][0])])
    init = float(gbr._raw_predict_init(x[:1])[0, 0])
    rows = np.vstack([x[80:100], near_thresholds(f, x, rng)])
    assert np.allclose(f.predict_raw(rows.astype(np.float64), 1)[:, 0] + init, gbr.predict(rows), atol=1e-4)
    save("gb_regressor", model("gb_regressor", "TreeEnsembleRegressor",
                               dict(f.attributes("target"), n_targets=1, base_values=[init]), 5, [("variable", TensorProto.FLOAT, [None, 1])]),
         rows)

    # Random forest regressor, two targets: AVERAGE of the trees' leaf values.
    y2d = np.stack([yr, x[:, 2] * x[:, 3]], axis=1)
    rfr = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(x, y2d)
    f = Forest()
    for k, e in enumerate(rfr.estimators_):
        add_sklearn_tree(f, k, e, lambda v: [(t, v[t][0]) for t in range(2)])
    rows = np.vstack([x[100:120], near_thresholds(f, x, rng)])
    assert np.allclose(f.predict_raw(rows.astype(np.float64), 2, "AVERAGE"), rfr.predict(rows), atol=1e-4)
    save("rf_regressor", model("rf_regressor", "TreeEnsembleRegressor",
                               dict(f.attributes("target"), n_targets=2, aggregate_function="AVERAGE"), 5,
                               [("variable", TensorProto.FLOAT, [None, 2])]), rows)

    xgboost_models(x, y3, y2, rng)
    hand_written()
    backend_case_in_float()
    rf_iris_without_zipmap()


def rf_iris_without_zipmap():
    """The real model skl_rf_iris (sklearn-onnx's rf_iris.onnx) with its ZipMap removed: probabilities as a tensor output."""
    case = os.path.join(OUT, "..", "realmodels", "skl_rf_iris")
    m = onnx.load(os.path.join(case, "model.onnx"))
    nodes = [n for n in m.graph.node if n.op_type != "ZipMap"]
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    outputs = [o for o in m.graph.output if o.name != "output_probability"]
    del m.graph.output[:]
    m.graph.output.extend(outputs + [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(case, "test_data_set_0", "input_0.pb")))
    rows = np.vstack([x, np.array([[5.1, 3.5, 1.4, 0.2], [6.2, 2.8, 4.8, 1.8], [7.7, 3.0, 6.1, 2.3], [5.45, 2.8, 4.85, 1.65]], np.float32)])
    save("skl_rf_iris_without_zipmap", m, rows.astype(np.float32))


def backend_case_in_float():
    """The ONNX backend case test_ai_onnx_ml_tree_ensemble_single_tree (doubles) with every double made float32."""
    case = os.path.join(OUT, "..", "onnx", "node", "test_ai_onnx_ml_tree_ensemble_single_tree")
    m = onnx.load(os.path.join(case, "model.onnx"))
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.elem_type = TensorProto.FLOAT
    for a in m.graph.node[0].attribute:
        if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.DOUBLE:
            a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float32), a.t.name))
    read = lambda f: numpy_helper.to_array(onnx.load_tensor(os.path.join(case, "test_data_set_0", f))).astype(np.float32)
    save("backend_single_tree", m, read("input_0.pb"))
    with open(os.path.join(OUT, "backend_single_tree.expected.pb"), "wb") as f:
        f.write(numpy_helper.from_array(read("output_0.pb")).SerializeToString())


def add_xgboost_trees(f, booster, leaf):
    """XGBoost's JSON dump: x < split_condition goes to 'yes'; a NaN goes to 'missing' (tracked when that is 'yes')."""
    for k, text in enumerate(booster.get_dump(dump_format="json")):
        stack = [json.loads(text)]
        while stack:
            n = stack.pop()
            if "leaf" in n:
                f.node(k, n["nodeid"])
                f.weight(k, n["nodeid"], *leaf(k, n["leaf"]))
                continue
            feature = int(n["split"][1:]) if n["split"].startswith("f") else int(n["split"])
            f.node(k, n["nodeid"], feature, "BRANCH_LT", float(n["split_condition"]), n["yes"], n["no"], int(n["missing"] == n["yes"]))
            stack.extend(n["children"])


def xgboost_models(x, y3, y2, rng):
    xm = x.copy()
    xm[rng.random(xm.shape) < 0.1] = np.nan  # trained with missing values, so the trees learn where NaN goes
    clf = xgboost.XGBClassifier(n_estimators=4, max_depth=3, learning_rate=0.5, random_state=0).fit(xm, y3)
    booster = clf.get_booster()
    base = float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])
    f = Forest()
    add_xgboost_trees(f, booster, lambda k, v: (k % 3, v))
    rows = np.vstack([xm[:30], near_thresholds(f, x, rng)])
    margin = clf.predict(rows, output_margin=True)
    assert np.allclose(f.predict_raw(rows, 3, dtype=np.float32) + base, margin, atol=1e-4)
    save("xgb_multiclass", model("xgb_multiclass", "TreeEnsembleClassifier",
                                 dict(f.attributes("class"), classlabels_int64s=[0, 1, 2], post_transform="SOFTMAX", base_values=[base] * 3),
                                 5, classifier_outputs(3)), rows)

    clf2 = xgboost.XGBClassifier(n_estimators=5, max_depth=3, learning_rate=0.5, random_state=0).fit(xm, y2)
    booster = clf2.get_booster()
    base = float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])
    f = Forest()
    add_xgboost_trees(f, booster, lambda k, v: (0, v))
    rows = np.vstack([xm[30:60], near_thresholds(f, x, rng)])
    logit = float(np.log(base / (1 - base)))
    assert np.allclose(f.predict_raw(rows, 1, dtype=np.float32)[:, 0] + logit, clf2.predict(rows, output_margin=True), atol=1e-4)
    save("xgb_binary", model("xgb_binary", "TreeEnsembleClassifier",
                             dict(f.attributes("class"), classlabels_int64s=[0, 1], post_transform="LOGISTIC", base_values=[logit]),
                             5, classifier_outputs(2)), rows)


def small_forest(modes):
    """Three trees over 3 features, one branch mode each level, weights for targets 0-2 (target 2 only in tree 0)."""
    f = Forest()
    for t in range(3):
        m0, m1 = modes[(2 * t) % len(modes)], modes[(2 * t + 1) % len(modes)]
        f.node(t, 0, t % 3, m0, 0.5 * t - 0.25, 1, 2, missing=t % 2)
        f.node(t, 1, (t + 1) % 3, m1, 1.0 if m1 in ("BRANCH_EQ", "BRANCH_NEQ") else 0.3 - t, 3, 4, missing=(t + 1) % 2)
        f.node(t, 2)
        f.node(t, 3)
        f.node(t, 4)
        for leaf, w in ((2, [1.5, -0.5]), (3, [-2.0, 0.25]), (4, [0.75, 3.0])):
            f.weight(t, leaf, 0, w[0] + t)
            f.weight(t, leaf, 1, w[1] - 0.5 * t)
            if t == 0 and leaf == 3:
                f.weight(t, leaf, 2, 0.5)
    return f


def hand_rows(rng):
    rows = rng.normal(size=(24, 3)).astype(np.float32)
    rows[:6] = np.float32(1.0)          # on the EQ / NEQ thresholds
    rows[6:9, 0] = np.float32(-0.25)    # on tree 0's threshold
    rows[9:12] = np.nan                 # missing values
    rows[12:15, 1] = np.nan
    rows[15, 2] = np.nan
    return rows


def hand_written():
    rng = np.random.default_rng(5)
    rows = hand_rows(rng)
    all_modes = list(MODES.values())
    # Regressors: every mode, aggregate and post transform (three targets).
    for aggregate, transform in (("SUM", "NONE"), ("AVERAGE", "SOFTMAX"), ("MIN", "LOGISTIC"), ("MAX", "SOFTMAX_ZERO"),
                                 ("SUM", "PROBIT")):
        f = small_forest(all_modes)
        probit = transform == "PROBIT"
        if probit:  # PROBIT wants scores in (0, 1)
            f.weights["weights"] = [0.05 + 0.1 * ((i * 7) % 3) for i in range(len(f.weights["weights"]))]
        name = f"regressor_{aggregate.lower()}_{transform.lower()}"
        save(name, model(name, "TreeEnsembleRegressor",
                         dict(f.attributes("target"), n_targets=3, aggregate_function=aggregate, post_transform=transform,
                              base_values=[0.1, -0.2, 0.3] if not probit else [0.0, 0.0, 0.0]),
                         3, [("Y", TensorProto.FLOAT, [None, 3])]), rows)
    # One target: aggregates, base value and PROBIT (the other transforms leave one score unchanged in ONNX Runtime).
    for aggregate, transform in (("SUM", "NONE"), ("AVERAGE", "PROBIT"), ("MIN", "NONE"), ("MAX", "NONE"), ("SUM", "LOGISTIC")):
        f = small_forest(all_modes[::-1])
        keep = [i for i, c in enumerate(f.weights["ids"]) if c == 0]
        f.weights = {k: [v[i] for i in keep] for k, v in f.weights.items()}
        if transform == "PROBIT":
            f.weights["weights"] = [0.1 + 0.2 * (i % 4) for i in range(len(keep))]
        name = f"regressor1_{aggregate.lower()}_{transform.lower()}"
        save(name, model(name, "TreeEnsembleRegressor",
                         dict(f.attributes("target", as_tensor=True), n_targets=1, aggregate_function=aggregate, post_transform=transform,
                              base_values_as_tensor=numpy_helper.from_array(np.array([0.05 if transform != "PROBIT" else 0.0], np.float32), "b")),
                         3, [("Y", TensorProto.FLOAT, [None, 1])]), rows)
    # Classifiers: each post transform, base values, four classes (class 3 never weighted).
    for transform in ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"):
        f = small_forest(all_modes)
        if transform == "PROBIT":
            f.weights["weights"] = [0.05 + 0.1 * ((i * 5) % 4) for i in range(len(f.weights["weights"]))]
        name = f"classifier_{transform.lower()}"
        save(name, model(name, "TreeEnsembleClassifier",
                         dict(f.attributes("class"), classlabels_int64s=[7, 8, 9, 11], post_transform=transform,
                              base_values=[0.0, 0.01, 0.02, 0.0] if transform == "PROBIT" else [0.2, -0.1, 0.0, 0.3]),
                         3, classifier_outputs(4)), rows)
    # Binary classifiers, weights on one class: all positive / mixed, with 0, 1 and 2 base values, each transform.
    for transform in ("NONE", "LOGISTIC", "SOFTMAX", "PROBIT"):
        for positive in (True, False):
            for bases in ([], [0.1], [0.1, 0.1]):
                f = small_forest(all_modes)
                keep = [i for i, c in enumerate(f.weights["ids"]) if c == 1]
                f.weights = {k: [v[i] for i in keep] for k, v in f.weights.items()}
                if positive or transform == "PROBIT":
                    f.weights["weights"] = [0.05 + 0.07 * (i % 3) for i in range(len(keep))]
                    if not positive:
                        f.weights["weights"][0] = -0.01
                name = f"binary_{transform.lower()}_{'positive' if positive else 'mixed'}_{len(bases)}"
                extra = {"base_values": bases} if bases else {}
                save(name, model(name, "TreeEnsembleClassifier",
                                 dict(f.attributes("class"), classlabels_int64s=[3, 5], post_transform=transform, **extra),
                                 3, classifier_outputs(2)), rows)
    # Int64 features.
    f = small_forest(["BRANCH_LEQ", "BRANCH_EQ"])
    save("classifier_int64_input", model("classifier_int64_input", "TreeEnsembleClassifier",
                                         dict(f.attributes("class"), classlabels_int64s=[0, 1, 2]), 3, classifier_outputs(3),
                                         input_type=TensorProto.INT64),
         rng.integers(-2, 3, size=(12, 3)).astype(np.int64))
    opset5()


def opset5():
    """ai.onnx.ml TreeEnsemble (opset 5): two trees, set membership, leaves shared, missing values tracked."""
    rng = np.random.default_rng(9)
    rows = rng.integers(-1, 5, size=(30, 3)).astype(np.float32)
    rows[rng.random(rows.shape) < 0.3] += np.float32(0.5)
    rows[:4, 0] = np.nan
    rows[4:6, 2] = np.nan
    # Tree 0: node 0 x0 ∈ {1, 3} (NaN true) → node 1 else node 2; node 1 x1 <= 2 → leaf 0 / leaf 1; node 2 x2 ∈ {2.5} → leaf 2 / leaf 3.
    # Tree 1: node 3 x2 ∈ {0, 2, 4} → node 4 else leaf 4; node 4 x0 > 1.5 (NaN false) → leaf 5 / leaf 1.
    for aggregate, transform in ((1, 0), (0, 2), (2, 1), (3, 3), (1, 4)):
        weights = [0.5, -1.25, 2.0, 0.75, -0.5, 1.5] if transform != 4 else [0.1, 0.2, 0.3, 0.15, 0.25, 0.05]
        attributes = dict(
            n_targets=2, aggregate_function=aggregate, post_transform=transform, tree_roots=[0, 3],
            nodes_featureids=[0, 1, 2, 2, 0],
            nodes_modes=numpy_helper.from_array(np.array([6, 0, 6, 6, 3], np.uint8), "modes"),
            nodes_splits=numpy_helper.from_array(np.array([0, 2, 0, 0, 1.5], np.float32), "splits"),
            membership_values=numpy_helper.from_array(np.array([1, 3, np.nan, 2.5, np.nan, 0, 2, 4, np.nan], np.float32), "members"),
            nodes_truenodeids=[1, 0, 2, 4, 5], nodes_trueleafs=[0, 1, 1, 0, 1],
            nodes_falsenodeids=[2, 1, 3, 4, 1], nodes_falseleafs=[0, 1, 1, 1, 1],
            nodes_missing_value_tracks_true=[1, 0, 1, 0, 0],
            leaf_targetids=[0, 1, 0, 1, 1, 0],
            leaf_weights=numpy_helper.from_array(np.array(weights, np.float32), "weights"))
        name = f"ensemble5_a{aggregate}_t{transform}"
        save(name, model(name, "TreeEnsemble", attributes, 3, [("Y", TensorProto.FLOAT, [None, 2])], opset_ml=5), rows)
        if transform in (1, 2):
            # ONNX Runtime reads post_transform 1 as LOGISTIC and 2 as SOFTMAX (its enum's order), the spec the other way
            # round: the tests take ONNX Runtime's output for the spec's meaning from this twin.
            attributes["post_transform"] = 3 - transform
            onnx.save(model(name, "TreeEnsemble", attributes, 3, [("Y", TensorProto.FLOAT, [None, 2])], opset_ml=5),
                      os.path.join(OUT, name + ".ort.onnx"))


if __name__ == "__main__":
    main()
