"""What the digits sequence fixtures share (make_digits_lstm.py, make_digits_gru_rnn.py, make_digits_transformer.py).

Each 8x8 digit of scikit-learn's digits is a sequence of its 8 rows (8 pixels / 16 each); the same 360 held-out digits
(a seeded permutation) for every model. A model is built after seeding torch, trained with Adam on batches of 64, and
exported at batch 1 with static shapes ("rows" [1, 8, 8] -> "logits" [1, 10]); the calibration and test samples are
written beside it.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

SEED = 20261207


def load_sequences():
    """x [1797, 8, 8] float32, y int64, and the training and held-out rows."""
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(SEED).permutation(len(x))
    return x, y, order[360:], order[:360]


def train(name, make_model, x, y, train_rows, test_rows, epochs, lr):
    """Seeds torch, builds the model and trains it; prints its accuracy on both sets."""
    torch.manual_seed(SEED)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x[train_rows]), torch.from_numpy(y[train_rows])
    for epoch in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            batch = perm[i:i + 64]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        train_accuracy = (model(xt).argmax(1) == yt).float().mean().item()
        test_accuracy = (model(torch.from_numpy(x[test_rows])).argmax(1) == torch.from_numpy(y[test_rows])).float().mean().item()
    print(f"{name}: train {train_accuracy:.4f}, test {test_accuracy:.4f}")
    return model


def export(model, x, path, opset, edit=None):
    """torch's TorchScript exporter at batch 1; `edit(path)` may rewrite the file before it is checked."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, torch.from_numpy(x[:1]), path, opset_version=opset, input_names=["rows"], output_names=["logits"],
                      do_constant_folding=True, **kwargs)
    if edit:
        edit(path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(os.path.basename(path), sorted({n.op_type for n in onnx.load(path).graph.node}), os.path.getsize(path))


def save_samples(out, x, y, train_rows, test_rows):
    """calibration.npy (64 training digits) and test_x.npy / test_y.npy (64 held-out digits), each digit one row of 64."""
    np.save(os.path.join(out, "calibration.npy"), x[train_rows[:64]].reshape(64, 64))
    np.save(os.path.join(out, "test_x.npy"), x[test_rows[:64]].reshape(64, 64))
    np.save(os.path.join(out, "test_y.npy"), y[test_rows[:64]])
    for name in ["calibration.npy", "test_x.npy", "test_y.npy"]:
        print(name, os.path.getsize(os.path.join(out, name)))
