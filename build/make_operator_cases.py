#!/usr/bin/env python3
"""Conformance cases, in the ONNX backend test layout, for operators whose upstream cases ../shared/onnx/node lacks.

Rerun from the repository root (deterministic: fixed seeds):
    /usr/bin/python3 build/make_operator_cases.py

Writes tests/data/onnx/made/<case>/model.onnx and test_data_set_0/{input,output}_N.pb. Expected outputs are the
operators' definitions in numpy (as the ONNX backend cases compute theirs), in float64 rounded to float32 once.
The conformance tests bake each case and compare with rtol 1e-4, atol 1e-5, as for the upstream cases.
"""
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(REPO, "tests", "data", "onnx", "made")


def write_case(name, node, inputs, outputs, opset, initializers=()):
    """inputs / outputs: lists of (name, float32 array)."""
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in outputs],
        initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="ModelBaker build/make_operator_cases.py")
    model.ir_version = 8
    if opset <= 17:  # the checker of Debian's onnx 1.12 knows opsets up to 17
        onnx.checker.check_model(model)
    folder = os.path.join(OUT, name)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for i, (n, a) in enumerate(inputs):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
    for i, (n, a) in enumerate(outputs):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())


REDUCTIONS = {
    "ReduceMin": lambda x, axes, keep: np.min(x, axis=axes, keepdims=keep),
    "ReduceL1": lambda x, axes, keep: np.sum(np.abs(x), axis=axes, keepdims=keep),
    "ReduceLogSum": lambda x, axes, keep: np.log(np.sum(x, axis=axes, keepdims=keep)),
    "ReduceLogSumExp": lambda x, axes, keep: np.log(np.sum(np.exp(x), axis=axes, keepdims=keep)),
}


def snake(op):
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")


def reductions(rng):
    for op, reference in REDUCTIONS.items():
        # Positive data for the logarithm of a sum; signed data elsewhere.
        draw = (lambda shape: rng.uniform(0.1, 2.0, shape)) if op == "ReduceLogSum" else (lambda shape: rng.uniform(-3.0, 3.0, shape))
        for label, axes, keep, opset in [("keepdims_opset13", [1], 1, 13), ("do_not_keepdims_opset13", [0, 2], 0, 13),
                                          ("negative_axes_opset18", [-1], 1, 18), ("default_axes_opset18", None, 0, 18)]:
            x = draw((3, 4, 5)).astype(np.float32)
            y = reference(x.astype(np.float64), tuple(axes) if axes else None, keep == 1).astype(np.float32)
            y = np.asarray(y, dtype=np.float32)
            initializers, node_inputs, attributes = [], ["data"], {"keepdims": keep}
            if axes is not None and opset >= 18:
                initializers.append(numpy_helper.from_array(np.array(axes, dtype=np.int64), "axes"))
                node_inputs.append("axes")
            elif axes is not None:
                attributes["axes"] = axes
            node = helper.make_node(op, node_inputs, ["reduced"], **attributes)
            write_case(f"test_{snake(op)}_{label}", node, [("data", x)], [("reduced", y)], opset, initializers)


def reciprocal(rng):
    x = (rng.uniform(0.5, 4.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))).astype(np.float32)
    write_case("test_reciprocal_signed", helper.make_node("Reciprocal", ["x"], ["y"]), [("x", x)], [("y", (1.0 / x).astype(np.float32))], 13)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    rng = np.random.default_rng(20261207)
    reductions(rng)
    reciprocal(rng)


if __name__ == "__main__":
    main()
