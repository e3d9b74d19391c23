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

import onnx
import torch.nn as nn

from digits_sequences_common import export, load_sequences, save_samples, train

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
    x, y, train_rows, test_rows = load_sequences()
    model = train("lstm", Net, x, y, train_rows, test_rows, epochs=30, lr=1e-2)
    export(model, x, os.path.join(OUT, "digits_lstm.onnx"), 14, drop_zero_initial_states)
    save_samples(OUT, x, y, train_rows, test_rows)


if __name__ == "__main__":
    main()
