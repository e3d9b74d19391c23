"""Fixtures for the narrow element types (issue 17, items 6 and 7): tests/data/narrow/*.onnx.

Written with plain protobuf fields (this onnx package predates float8 and int4 helpers): data types are ONNX's numbers
(17 float8e4m3fn, 22 int4), int4 data packed two per byte, low nibble first, as the ONNX spec stores it.
Run: /usr/bin/python3 build/make_narrow_fixtures.py
"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "narrow")
FLOAT8E4M3FN, INT4 = 17, 22


def value(name, elem_type, shape):
    v = onnx.ValueInfoProto()
    v.name = name
    v.type.tensor_type.elem_type = elem_type
    for d in shape:
        v.type.tensor_type.shape.dim.add().dim_value = d
    return v


def int4_tensor(name, values, shape):
    t = TensorProto()
    t.name = name
    t.data_type = INT4
    t.dims.extend(shape)
    nibbles = [v & 15 for v in values] + ([0] if len(values) % 2 else [])
    t.raw_data = bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, len(nibbles), 2))
    return t


def save(graph, name, opset=21):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(model.SerializeToString())


# x (float, 8 values) → Cast to float8e4m3fn (saturating) → Cast back to float: float8's rounding, kept as floats.
save(helper.make_graph(
    [helper.make_node("Cast", ["x"], ["x8"], to=FLOAT8E4M3FN, saturate=1, name="to_float8"),
     helper.make_node("Cast", ["x8"], ["y"], to=TensorProto.FLOAT, name="to_float")],
    "cast_float8", [value("x", TensorProto.FLOAT, [1, 8])], [value("y", TensorProto.FLOAT, [1, 8])]), "cast_float8.onnx")

# y = x · DequantizeLinear(W): W int4 [4, 3] (packed), a scale and an int4 zero point (0: symmetric, as an int8 bake of a
# QDQ model takes weights) per output column (axis 1).
w = [-8, -3, 7, 5, 0, -1, 2, 6, -6, 1, -4, 3]
save(helper.make_graph(
    [helper.make_node("DequantizeLinear", ["w", "w_scale", "w_zero_point"], ["w_float"], axis=1, name="dequantize"),
     helper.make_node("MatMul", ["x", "w_float"], ["y"], name="matmul")],
    "dequantize_int4", [value("x", TensorProto.FLOAT, [1, 4])], [value("y", TensorProto.FLOAT, [1, 3])],
    initializer=[int4_tensor("w", w, [4, 3]),
                 helper.make_tensor("w_scale", TensorProto.FLOAT, [3], [0.125, 0.25, 0.0625]),
                 int4_tensor("w_zero_point", [0, 0, 0], [3])]), "dequantize_int4.onnx")
