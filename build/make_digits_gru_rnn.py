"""A small GRU model and a small RNN model trained on scikit-learn's digits, for the integer GRU and RNN tests.

Siblings of make_digits_lstm.py, on the same data (each 8x8 digit a sequence of its 8 rows, pixels / 16; the same
calibration and held-out samples, already in tests/data/recurrent): a bidirectional layer (hidden 16 per direction),
then a forward layer (hidden 24) over its outputs, and a linear classifier from the second layer's last hidden state.
torch writes its GRU as ONNX GRU with linear_before_reset = 1 and its RNN as ONNX RNN with Tanh; the zero initial
states it builds with Shape/Expand chains are dropped (an omitted initial state is zeros).

Writes tests/data/recurrent/digits_gru.onnx and digits_rnn.onnx. The C# tests take the reference outputs from ONNX
Runtime.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

from make_digits_lstm import OUT, drop_zero_initial_states


class Net(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.first = layer(8, 16, batch_first=True, bidirectional=True)
        self.second = layer(32, 24, batch_first=True)
        self.classify = nn.Linear(24, 10)

    def forward(self, x):  # x [batch, 8 rows, 8 pixels]
        y, _ = self.first(x)
        _, h = self.second(y)
        return self.classify(h[-1])


def train(name, layer, x, y, train_rows, test_rows):
    torch.manual_seed(20261207)
    model = Net(layer)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x[train_rows]), torch.from_numpy(y[train_rows])
    for epoch in range(30):
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
    path = os.path.join(OUT, f"digits_{name}.onnx")
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, torch.from_numpy(x[:1]), path, opset_version=14, input_names=["rows"], output_names=["logits"],
                      do_constant_folding=True, **kwargs)
    drop_zero_initial_states(path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(sorted({n.op_type for n in onnx.load(path).graph.node}), os.path.getsize(path))


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(20261207).permutation(len(x))
    test, train_rows = order[:360], order[360:]
    os.makedirs(OUT, exist_ok=True)
    train("gru", nn.GRU, x, y, train_rows, test)
    train("rnn", nn.RNN, x, y, train_rows, test)


if __name__ == "__main__":
    main()
