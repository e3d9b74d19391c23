#!/usr/bin/python3
"""Small ai.onnx.ml models for tests/ModelBaker.Tests/Operators/ClassicalMlTests.cs.

scikit-learn fits the models on small synthetic data; each graph is written from the fitted coefficients with
onnx.helper, the way sklearn-onnx lays them out (the converter packages are not installed here). The reference
outputs are computed in the C# test with ONNX Runtime, so this script writes models only. Run:
    /usr/bin/python3 build/make_classical_ml_fixtures.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, OneClassSVM

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "classical")
ML = "ai.onnx.ml"


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def save(name, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 3)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def tensor(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def zipmap_output(name, key=TensorProto.INT64):
    map_type = onnx.TypeProto()
    map_type.map_type.key_type = key
    map_type.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    return helper.make_value_info(name, helper.make_sequence_type_proto(map_type))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(0)
    x3, y3 = make_classification(n_samples=90, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    x2, y2 = make_classification(n_samples=60, n_features=4, n_informative=3, n_redundant=0, n_classes=2, random_state=1)
    x5, y5 = make_classification(n_samples=150, n_features=4, n_informative=4, n_redundant=0, n_classes=5, n_clusters_per_class=1,
                                 random_state=2)

    # Multinomial logistic regression: LinearClassifier (SOFTMAX) and a ZipMap, the probability tensor also an output.
    lr = LogisticRegression(max_iter=500).fit(x3, y3)
    save("logreg_multi", [
        helper.make_node("LinearClassifier", ["x"], ["label", "probability_tensor"], domain=ML, classlabels_ints=[10, 20, 30],
                         coefficients=floats(lr.coef_), intercepts=floats(lr.intercept_), multi_class=1, post_transform="SOFTMAX"),
        helper.make_node("ZipMap", ["probability_tensor"], ["probabilities"], domain=ML, classlabels_int64s=[10, 20, 30]),
    ], [tensor("x", TensorProto.FLOAT, [2, 4])],
        [tensor("label", TensorProto.INT64, [2]), tensor("probability_tensor", TensorProto.FLOAT, [2, 3]), zipmap_output("probabilities")])

    # One-vs-rest logistic regression as sklearn-onnx writes it: LOGISTIC, then an L1 Normalizer.
    ovr = LogisticRegression(max_iter=500).fit(x3, y3)
    save("logreg_ovr_normalized", [
        helper.make_node("LinearClassifier", ["x"], ["label", "scores"], domain=ML, classlabels_ints=[0, 1, 2],
                         coefficients=floats(ovr.coef_), intercepts=floats(ovr.intercept_), post_transform="LOGISTIC"),
        helper.make_node("Normalizer", ["scores"], ["probabilities"], domain=ML, norm="L1"),
    ], [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("label", TensorProto.INT64, [3]), tensor("probabilities", TensorProto.FLOAT, [3, 3])])

    # Binary classifier with one coefficient row and string labels: ONNX Runtime's [1 - s, s] scores, a string label.
    bin_lr = LogisticRegression(max_iter=500).fit(x2, y2)
    save("logreg_binary_strings", [
        helper.make_node("LinearClassifier", ["x"], ["label", "scores"], domain=ML, classlabels_strings=["no", "yes"],
                         coefficients=floats(bin_lr.coef_), intercepts=floats(bin_lr.intercept_), post_transform="NONE"),
    ], [tensor("x", TensorProto.FLOAT, [4, 4])], [tensor("label", TensorProto.STRING, [4]), tensor("scores", TensorProto.FLOAT, [4, 2])])

    # LinearSVC (one-vs-rest raw scores) as a LinearClassifier, int64 input cast to float by the operator.
    svc_lin = LinearSVC(max_iter=5000, random_state=0).fit(x3, y3)
    save("linear_svc_int_input", [
        helper.make_node("LinearClassifier", ["x"], ["label", "scores"], domain=ML, classlabels_ints=[0, 1, 2],
                         coefficients=floats(svc_lin.coef_), intercepts=floats(svc_lin.intercept_), post_transform="SOFTMAX_ZERO"),
    ], [tensor("x", TensorProto.INT64, [2, 4])], [tensor("label", TensorProto.INT64, [2]), tensor("scores", TensorProto.FLOAT, [2, 3])])

    # Linear regression with two targets; a single-target one with PROBIT.
    xr, yr = make_regression(n_samples=50, n_features=3, n_targets=2, random_state=0)
    reg = LinearRegression().fit(xr, yr)
    save("linear_regression_two_targets", [
        helper.make_node("LinearRegressor", ["x"], ["y"], domain=ML, coefficients=floats(reg.coef_), intercepts=floats(reg.intercept_),
                         targets=2, post_transform="SOFTMAX"),
    ], [tensor("x", TensorProto.FLOAT, [3, 3])], [tensor("y", TensorProto.FLOAT, [3, 2])])
    save("linear_regression_probit", [
        helper.make_node("LinearRegressor", ["x"], ["y"], domain=ML, coefficients=[0.05, -0.1, 0.02], intercepts=[0.5], post_transform="PROBIT"),
    ], [tensor("x", TensorProto.FLOAT, [2, 3])], [tensor("y", TensorProto.FLOAT, [2, 1])])

    # Preprocessing chain: Imputer (NaN), StandardScaler as Scaler, L2 Normalizer, Binarizer.
    scaler = StandardScaler().fit(x3)
    save("preprocessing_chain", [
        helper.make_node("Imputer", ["x"], ["imputed"], domain=ML, imputed_value_floats=floats(scaler.mean_), replaced_value_float=float("nan")),
        helper.make_node("Scaler", ["imputed"], ["scaled"], domain=ML, offset=floats(scaler.mean_), scale=floats(1 / scaler.scale_)),
        helper.make_node("Normalizer", ["scaled"], ["normalized"], domain=ML, norm="L2"),
        helper.make_node("Binarizer", ["normalized"], ["binary"], domain=ML, threshold=0.1),
        helper.make_node("Normalizer", ["scaled"], ["by_max"], domain=ML, norm="MAX"),
    ], [tensor("x", TensorProto.FLOAT, [3, 4])],
        [tensor("normalized", TensorProto.FLOAT, [3, 4]), tensor("binary", TensorProto.FLOAT, [3, 4]), tensor("by_max", TensorProto.FLOAT, [3, 4])])

    # Support vector classifiers: RBF with probabilities (3 classes), POLY binary, SIGMOID 3 classes, linear model; with
    # probabilities also a binary RBF and a 5-class POLY (Platt scaling and pairwise coupling, PairwiseProbabilityInt8).
    for name, model, probability in [
        ("svc_rbf_probability", SVC(kernel="rbf", gamma=0.3, probability=True, random_state=0).fit(x3, y3), True),
        ("svc_poly_binary", SVC(kernel="poly", degree=3, gamma=0.2, coef0=0.5).fit(x2, y2), False),
        ("svc_sigmoid_multi", SVC(kernel="sigmoid", gamma=0.05, coef0=0.1).fit(x3, y3), False),
        ("svc_linear_kernel_multi", SVC(kernel="linear").fit(x3, y3), False),
        ("svc_rbf_probability_binary", SVC(kernel="rbf", gamma=0.3, probability=True, random_state=0).fit(x2, y2), True),
        ("svc_poly_probability_5", SVC(kernel="poly", degree=2, gamma=0.3, coef0=1.0, probability=True, random_state=0).fit(x5, y5), True),
    ]:
        classes = [int(c) for c in model.classes_]
        attributes = dict(kernel_type=model.kernel.upper(), kernel_params=[float(model._gamma), float(model.coef0), float(model.degree)],
                          vectors_per_class=[int(v) for v in model.n_support_], support_vectors=floats(model.support_vectors_),
                          coefficients=floats(model.dual_coef_), rho=floats(model.intercept_), classlabels_ints=classes,
                          post_transform="NONE")
        if probability:
            attributes.update(prob_a=floats(model.probA_), prob_b=floats(model.probB_))
        columns = len(classes) if probability or len(classes) > 2 else 2
        save(name, [helper.make_node("SVMClassifier", ["x"], ["label", "scores"], domain=ML, **attributes)],
             [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("label", TensorProto.INT64, [3]), tensor("scores", TensorProto.FLOAT, [3, columns])])

    # SVMClassifier's linear form (no support vectors): one rho for every class, LOGISTIC, and its binary label rule.
    lin = LinearSVC(fit_intercept=False, max_iter=5000, random_state=0).fit(x3, y3)
    save("svm_linear_model", [helper.make_node("SVMClassifier", ["x"], ["label", "scores"], domain=ML, coefficients=floats(lin.coef_),
                                               rho=[0.25], classlabels_ints=[0, 1, 2], post_transform="LOGISTIC", kernel_type="LINEAR",
                                               kernel_params=[0.0, 0.0, 0.0])],
         [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("label", TensorProto.INT64, [3]), tensor("scores", TensorProto.FLOAT, [3, 3])])
    lin2 = LinearSVC(fit_intercept=False, max_iter=5000, random_state=0).fit(x2, y2)
    two_rows = np.vstack([-lin2.coef_, lin2.coef_])
    save("svm_linear_binary", [helper.make_node("SVMClassifier", ["x"], ["label", "scores"], domain=ML, coefficients=floats(two_rows),
                                                rho=[0.1], classlabels_ints=[3, 7], kernel_type="LINEAR",
                                                kernel_params=[0.0, 0.0, 0.0])],
         [tensor("x", TensorProto.FLOAT, [4, 4])], [tensor("label", TensorProto.INT64, [4]), tensor("scores", TensorProto.FLOAT, [4, 2])])

    # Support vector regressors: RBF, a linear model, a one-class SVM.
    xs, ys = make_regression(n_samples=40, n_features=4, random_state=2)
    svr = SVR(kernel="rbf", gamma=0.2, C=10.0).fit(xs, ys / 50)
    save("svr_rbf", [helper.make_node("SVMRegressor", ["x"], ["y"], domain=ML, kernel_type="RBF", kernel_params=[0.2, 0.0, 3.0],
                                      n_supports=int(svr.support_vectors_.shape[0]), support_vectors=floats(svr.support_vectors_),
                                      coefficients=floats(svr.dual_coef_), rho=floats(svr.intercept_))],
         [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("y", TensorProto.FLOAT, [3, 1])])
    save("svr_linear_model", [helper.make_node("SVMRegressor", ["x"], ["y"], domain=ML, coefficients=[0.5, -0.25, 0.125, 1.0], rho=[0.3],
                                               kernel_params=[0.0, 0.0, 0.0])],
         [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("y", TensorProto.FLOAT, [3, 1])])
    one = OneClassSVM(kernel="rbf", gamma=0.1, nu=0.3).fit(xs)
    save("one_class_svm", [helper.make_node("SVMRegressor", ["x"], ["y"], domain=ML, kernel_type="RBF", kernel_params=[0.1, 0.0, 3.0],
                                            n_supports=int(one.support_vectors_.shape[0]), support_vectors=floats(one.support_vectors_),
                                            coefficients=floats(one.dual_coef_), rho=floats(one.intercept_), one_class=1)],
         [tensor("x", TensorProto.FLOAT, [5, 4])], [tensor("y", TensorProto.FLOAT, [5, 1])])

    # Encoders: LabelEncoder (int64 map), OneHotEncoder, ArrayFeatureExtractor (constant and computed indices),
    # FeatureVectorizer joining them.
    save("encoders", [
        helper.make_node("LabelEncoder", ["codes"], ["mapped"], domain=ML, keys_int64s=[5, 1, 3, 9], values_int64s=[0, 1, 2, 1], default_int64=3),
        helper.make_node("OneHotEncoder", ["mapped"], ["onehot"], domain=ML, cats_int64s=[0, 1, 2]),
        helper.make_node("ArrayFeatureExtractor", ["x", "picked"], ["columns"], domain=ML),
        helper.make_node("FeatureVectorizer", ["columns", "onehot"], ["features"], domain=ML, inputdimensions=[2, 6]),
        helper.make_node("FeatureVectorizer", ["mapped"], ["mapped_vector"], domain=ML, inputdimensions=[3]),
        helper.make_node("ArgMax", ["x"], ["best"], axis=1, keepdims=1),
        helper.make_node("ArrayFeatureExtractor", ["names", "best"], ["best_name"], domain=ML),
    ], [tensor("x", TensorProto.FLOAT, [1, 5]), tensor("codes", TensorProto.INT64, [1, 2])],
        [tensor("features", TensorProto.FLOAT, [1, 8]), tensor("mapped_vector", TensorProto.FLOAT, [1, 3]),
         tensor("best_name", TensorProto.INT32, [1, 1])],
        # int32 data picked by computed indices, as sklearn-onnx's nearest-neighbour classifier reads its training labels.
        [helper.make_tensor("picked", TensorProto.INT64, [2], [3, 0]), helper.make_tensor("names", TensorProto.INT32, [5], [100, 101, 102, 103, 104])])
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
