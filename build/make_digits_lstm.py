"""A small two-layer LSTM trained on scikit-learn's digits, for the integer LSTM tests (int8 and nanoFramework).

Each 8x8 digit is a sequence of 8 time steps (its rows, 8 pixels / 16 each). A bidirectional LSTM (hidden 16 per
direction), then a forward LSTM (hidden 24) over its outputs, and a linear classifier to 10 logits from the second
layer's last hidden state. Exported at opset 14, batch 1, static shapes: torch writes the layers as ONNX LSTM nodes with
default activations, sequence first, between Transposes; the Shape/Expand chains it writes for the zero initial states
are dropped (an omitted initial state is zeros).

Writes tests/data/recurrent/digits_lstm.onnx, calibration.npy (64 training samples) and test_x.npy / test_y.npy (64
held-out samples). The C# tests take the reference outputs from ONNX Runtime.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "recurrent")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.LSTM(8, 16, batch_first=True, bidirectional=True)
        self.second = nn.LSTM(32, 24, batch_first=True)
        self.classify = nn.Linear(24, 10)

    def forward(self, x):  # x [batch, 8 rows, 8 pixels]
        y, _ = self.first(x)
        _, (h, _) = self.second(y)
        return self.classify(h[-1])


def drop_zero_initial_states(path):
    """Torch writes the zero initial states as Shape/Gather/Concat/Expand chains; ONNX's omitted initial states are zeros too.
    (LSTM's initial_h and initial_c are inputs 5 and 6, GRU's and RNN's initial_h input 5.)"""
    model = onnx.load(path)
    graph = model.graph
    for node in graph.node:
        if node.op_type in ("LSTM", "GRU", "RNN"):
            for i in (5, 6):
                if i < len(node.input):
                    node.input[i] = ""
    needed = set(o.name for o in graph.output)
    kept = []
    for node in reversed(list(graph.node)):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    used = [t for t in graph.initializer if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(used)
    onnx.save(model, path)


def main():
    torch.manual_seed(20261207)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(20261207).permutation(len(x))
    test, train = order[:360], order[360:]
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
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
        test_accuracy = (model(torch.from_numpy(x[test])).argmax(1) == torch.from_numpy(y[test])).float().mean().item()
    print(f"train {train_accuracy:.4f}, test {test_accuracy:.4f}")

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "digits_lstm.onnx")
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, torch.from_numpy(x[:1]), path, opset_version=14, input_names=["rows"], output_names=["logits"],
                      do_constant_folding=True, **kwargs)
    drop_zero_initial_states(path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(sorted({n.op_type for n in onnx.load(path).graph.node}))
    np.save(os.path.join(OUT, "calibration.npy"), x[train[:64]].reshape(64, 64))
    np.save(os.path.join(OUT, "test_x.npy"), x[test[:64]].reshape(64, 64))
    np.save(os.path.join(OUT, "test_y.npy"), y[test[:64]])
    for name in ["digits_lstm.onnx", "calibration.npy", "test_x.npy", "test_y.npy"]:
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
