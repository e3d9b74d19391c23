#!/usr/bin/python3
"""Small ai.onnx.ml graphs whose every step has an integer form, for the int8 and nanoFramework claims of Scaler,
Binarizer, Imputer, Normalizer, FeatureVectorizer, OneHotEncoder, LabelEncoder and ZipMap
(tests/ModelBaker.Tests/Architecture/OperatorSupportTests.cs bakes every model under tests/data for nanoFramework, and
tests/ModelBaker.Tests/Operators/ClassicalMapsInt8Tests.cs compares their int8 plans with the float ones). Written with
onnx.helper; the parameters are those of scikit-learn's StandardScaler and SimpleImputer fitted on synthetic data. Run:
    /usr/bin/python3 build/make_classical_maps_fixtures.py
"""
import os

import numpy as np
from onnx import TensorProto, helper

from make_classical_ml_fixtures import ML, OUT, floats, save, tensor, zipmap_output


def main():
    os.makedirs(OUT, exist_ok=True)
    save("maps_label_encoder", [
        helper.make_node("LabelEncoder", ["codes"], ["mapped"], domain=ML,
                         keys_int64s=[5, 1, 3, 9], values_int64s=[0, 1, 2, 1], default_int64=3),
    ], [tensor("codes", TensorProto.INT64, [2, 3])], [tensor("mapped", TensorProto.INT64, [2, 3])])
    save("maps_zipmap", [
        helper.make_node("Softmax", ["x"], ["probabilities"], axis=1),
        helper.make_node("ZipMap", ["probabilities"], ["classes"], domain=ML, classlabels_int64s=[10, 20, 30]),
    ], [tensor("x", TensorProto.FLOAT, [2, 3])], [zipmap_output("classes")])
    # A StandardScaler's parameters, and a Binarizer after it.
    rng = np.random.RandomState(3)
    data = rng.normal([0.5, 400.0, -2.0, 150.0], [0.3, 250.0, 2.0, 20.0], size=(200, 4))
    mean, std = data.mean(axis=0), data.std(axis=0)
    save("maps_scaler_binarizer", [
        helper.make_node("Scaler", ["x"], ["scaled"], domain=ML, offset=floats(mean), scale=floats(1 / std)),
        helper.make_node("Binarizer", ["scaled"], ["positive"], domain=ML, threshold=0.25),
    ], [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("scaled", TensorProto.FLOAT, [3, 4]), tensor("positive", TensorProto.FLOAT, [3, 4])])
    # SimpleImputer(missing_values=0) on the raw features, then a Scaler, then an Imputer of NaN after it (the identity in int8).
    save("maps_imputer", [
        helper.make_node("Imputer", ["x"], ["filled"], domain=ML, imputed_value_floats=floats(mean), replaced_value_float=0.0),
        helper.make_node("Scaler", ["filled"], ["scaled"], domain=ML, offset=floats(mean), scale=floats(1 / std)),
        helper.make_node("Imputer", ["scaled"], ["y"], domain=ML, imputed_value_floats=[0.0], replaced_value_float=float("nan")),
    ], [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor("y", TensorProto.FLOAT, [3, 4])])
    save("maps_normalizer", [
        helper.make_node("Normalizer", ["x"], [norm.lower()], domain=ML, norm=norm) for norm in ("L1", "L2", "MAX")
    ], [tensor("x", TensorProto.FLOAT, [3, 4])], [tensor(norm.lower(), TensorProto.FLOAT, [3, 4]) for norm in ("L1", "L2", "MAX")])
    save("maps_one_hot_encoder", [
        helper.make_node("LabelEncoder", ["codes"], ["mapped"], domain=ML,
                         keys_int64s=[5, 1, 3, 9], values_int64s=[0, 1, 2, 1], default_int64=3),
        helper.make_node("OneHotEncoder", ["mapped"], ["onehot"], domain=ML, cats_int64s=[0, 1, 2], zeros=1),
    ], [tensor("codes", TensorProto.INT64, [2, 3])], [tensor("onehot", TensorProto.FLOAT, [2, 3, 3])])
    # Scaled features beside a one-hot code, as a ColumnTransformer lays them out: one fits, one is padded, one is cut.
    save("maps_feature_vectorizer", [
        helper.make_node("Scaler", ["x"], ["scaled"], domain=ML, offset=floats(mean), scale=floats(1 / std)),
        helper.make_node("OneHotEncoder", ["codes"], ["onehot"], domain=ML, cats_int64s=[0, 1, 2], zeros=1),
        helper.make_node("FeatureVectorizer", ["scaled", "onehot", "scaled"], ["features"], domain=ML, inputdimensions=[4, 4, 2]),
    ], [tensor("x", TensorProto.FLOAT, [1, 4]), tensor("codes", TensorProto.INT64, [1, 1])], [tensor("features", TensorProto.FLOAT, [1, 10])])
    print("wrote", sorted(f for f in os.listdir(OUT) if f.startswith("maps_")))


if __name__ == "__main__":
    main()
