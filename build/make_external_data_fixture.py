#!/usr/bin/env python3
"""Re-save the shared sine model with ALL initializers stored as ONNX external data.

Rerun from the repository root:
    /usr/bin/python3 build/make_external_data_fixture.py

Reads (read-only):  /work/shared/models/sine/model.onnx
Writes:             tests/data/models/sine_external/model.onnx
                    tests/data/models/sine_external/weights.bin
"""
import os

import numpy as np
import onnx
import onnx.numpy_helper

SRC = "/work/shared/models/sine/model.onnx"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(REPO, "tests", "data", "models", "sine_external")
OUT_MODEL = os.path.join(OUT_DIR, "model.onnx")
WEIGHTS = "weights.bin"


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    # onnx's external-data writer APPENDS to the data file, so remove stale outputs first.
    for p in (OUT_MODEL, os.path.join(OUT_DIR, WEIGHTS)):
        if os.path.exists(p):
            os.remove(p)

    original = onnx.load(SRC)
    model = onnx.load(SRC)  # separate copy: save_model rewrites initializers in place
    # The sine model (keras2onnx) stores its weights in typed fields (float_data), and onnx's
    # external-data conversion silently skips every tensor without raw_data. Re-encode each
    # initializer as raw_data (same name, dtype, dims, values) so all of them go external.
    for i, t in enumerate(model.graph.initializer):
        model.graph.initializer[i].CopyFrom(
            onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(t), t.name))
    onnx.save_model(model, OUT_MODEL, save_as_external_data=True,
                    all_tensors_to_one_file=True, location=WEIGHTS, size_threshold=0)

    # Verify: every initializer is external, in weights.bin, and loads back bit-identical.
    raw = onnx.load(OUT_MODEL, load_external_data=False)
    for t in raw.graph.initializer:
        assert t.data_location == onnx.TensorProto.EXTERNAL, t.name
        info = {e.key: e.value for e in t.external_data}
        assert info["location"] == WEIGHTS, (t.name, info)
        assert not t.raw_data and not t.float_data, t.name
    reloaded = onnx.load(OUT_MODEL, load_external_data=True)
    onnx.checker.check_model(OUT_MODEL)
    a = {t.name: onnx.numpy_helper.to_array(t) for t in original.graph.initializer}
    b = {t.name: onnx.numpy_helper.to_array(t) for t in reloaded.graph.initializer}
    assert list(a) == list(b), (list(a), list(b))
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        assert np.array_equal(a[name], b[name]), name
    assert [n.op_type for n in original.graph.node] == [n.op_type for n in reloaded.graph.node]

    print(f"wrote {os.path.relpath(OUT_MODEL, REPO)} ({os.path.getsize(OUT_MODEL)} bytes)")
    print(f"wrote {os.path.relpath(os.path.join(OUT_DIR, WEIGHTS), REPO)} "
          f"({os.path.getsize(os.path.join(OUT_DIR, WEIGHTS))} bytes)")
    for t in raw.graph.initializer:
        info = {e.key: e.value for e in t.external_data}
        print(f"  {t.name:20s} dims {list(t.dims)}  offset {info.get('offset', '0')}  length {info.get('length')}")
    print(f"OK: {len(a)} initializers, all external in {WEIGHTS}, values identical to the original")


if __name__ == "__main__":
    main()
