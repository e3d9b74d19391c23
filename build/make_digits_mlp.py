#!/usr/bin/env python3
"""Train the ModelBaker sample MLP on scikit-learn's digits and export it to ONNX.

Rerun from the repository root:
    /usr/bin/python3 build/make_digits_mlp.py

Outputs (committed; nothing in the .NET build or tests runs Python):
    sample-app/models/digits_mlp.onnx
    sample-app/data/digits_calibration.npy   float32 [200, 64]
    sample-app/data/digits_test_x.npy        float32 [N, 64]
    sample-app/data/digits_test_y.npy        int64   [N]
"""
import inspect
import os
import random
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

SEED = 20240601
N_CALIB = 200
TEST_FRACTION = 0.2
EPOCHS = 60
BATCH = 64
LR = 1e-3

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MODEL_PATH = os.path.join(REPO, "sample-app", "models", "digits_mlp.onnx")
DATA_DIR = os.path.join(REPO, "sample-app", "data")


def set_determinism():
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def load_split():
    digits = load_digits()
    x = (digits.data.astype(np.float64) / 16.0).astype(np.float32)  # [1797, 64] in [0, 1]
    y = digits.target.astype(np.int64)
    n = x.shape[0]
    perm = np.random.RandomState(SEED).permutation(n)
    n_test = int(round(n * TEST_FRACTION))  # 359
    test_idx = perm[:n_test]
    train_idx = perm[n_test:]
    # Calibration samples come from the training portion only (never from test).
    calib_idx = train_idx[:N_CALIB]
    return (x[train_idx], y[train_idx]), (x[calib_idx], y[calib_idx]), (x[test_idx], y[test_idx])


class DigitsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),  # logits, no softmax
        )

    def forward(self, x):
        return self.net(x)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def train(model, x_train, y_train, x_test, y_test):
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(x_train)
    yt = torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(SEED)
    n = xt.shape[0]
    for epoch in range(1, EPOCHS + 1):
        model.train()
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if epoch % 10 == 0 or epoch == EPOCHS:
            print(f"epoch {epoch:3d}  loss {loss.item():.4f}  "
                  f"train acc {accuracy(model, x_train, y_train):.4f}  "
                  f"test acc {accuracy(model, x_test, y_test):.4f}")


def export(model):
    os.makedirs(os.path.dirname(MODEL_PATH), exist_ok=True)
    model.eval()
    dummy = torch.zeros(1, 64, dtype=torch.float32)
    kwargs = dict(
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(model, dummy, MODEL_PATH, **kwargs)


def numpy_forward_from_onnx(path, x):
    """Evaluate the exported graph by hand (Gemm/Relu only) from its initializers."""
    m = onnx.load(path)
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    values = {m.graph.input[0].name: x.astype(np.float32)}
    for node in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [values[n] if n in values else inits[n] for n in node.input]
        if node.op_type == "Gemm":
            a, b = ins[0], ins[1]
            if attrs.get("transA", 0):
                a = a.T
            if attrs.get("transB", 0):
                b = b.T
            out = attrs.get("alpha", 1.0) * (a @ b)
            if len(ins) > 2:
                out = out + attrs.get("beta", 1.0) * ins[2]
        elif node.op_type == "Relu":
            out = np.maximum(ins[0], 0)
        else:
            raise RuntimeError(f"unexpected op {node.op_type}")
        values[node.output[0]] = out.astype(np.float32)
    return values[m.graph.output[0].name]


def save_npy(name, arr, dtype):
    arr = np.ascontiguousarray(arr, dtype=np.dtype(dtype))
    path = os.path.join(DATA_DIR, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)
    print(f"wrote {os.path.relpath(path, REPO)}  {arr.dtype.str} {list(arr.shape)}")


def main():
    set_determinism()
    print(f"torch {torch.__version__}  onnx {onnx.__version__}  numpy {np.__version__}")
    (x_train, y_train), (x_calib, _), (x_test, y_test) = load_split()
    print(f"train {len(x_train)}  calibration {len(x_calib)} (subset of train)  test {len(x_test)}")

    model = DigitsMLP()
    train(model, x_train, y_train, x_test, y_test)
    train_acc = accuracy(model, x_train, y_train)
    test_acc = accuracy(model, x_test, y_test)
    print(f"final torch  train acc {train_acc:.4f}  test acc {test_acc:.4f}")
    if test_acc < 0.97:
        print("WARNING: test accuracy below 0.97", file=sys.stderr)

    export(model)
    m = onnx.load(MODEL_PATH)
    onnx.checker.check_model(m, full_check=True)
    print(f"wrote {os.path.relpath(MODEL_PATH, REPO)}  opset {m.opset_import[0].version}")
    print("nodes:", [n.op_type for n in m.graph.node])
    print("inputs:", [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim])
                      for i in m.graph.input])
    print("outputs:", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim])
                       for o in m.graph.output])
    print("initializers:", [(t.name, list(t.dims)) for t in m.graph.initializer])

    logits = numpy_forward_from_onnx(MODEL_PATH, x_test)
    np_acc = float((logits.argmax(axis=1) == y_test).mean())
    with torch.no_grad():
        ref = model(torch.from_numpy(x_test)).numpy()
    print(f"numpy forward from ONNX initializers: test acc {np_acc:.4f}  "
          f"max |logit diff vs torch| {np.abs(ref - logits).max():.2e}")
    if np_acc != test_acc:
        raise SystemExit("exported model accuracy differs from torch accuracy")

    os.makedirs(DATA_DIR, exist_ok=True)
    save_npy("digits_calibration.npy", x_calib, "<f4")
    save_npy("digits_test_x.npy", x_test, "<f4")
    save_npy("digits_test_y.npy", y_test, "<i8")


if __name__ == "__main__":
    main()
