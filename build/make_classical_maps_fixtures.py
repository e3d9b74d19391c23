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
    print("wrote", sorted(f for f in os.listdir(OUT) if f.startswith("maps_")))


if __name__ == "__main__":
    main()
