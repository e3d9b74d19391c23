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

import torch.nn as nn

from digits_sequences_common import export, load_sequences, train
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


def main():
    x, y, train_rows, test_rows = load_sequences()
    for name, layer in [("gru", nn.GRU), ("rnn", nn.RNN)]:
        model = train(name, lambda: Net(layer), x, y, train_rows, test_rows, epochs=30, lr=1e-2)
        export(model, x, os.path.join(OUT, f"digits_{name}.onnx"), 14, drop_zero_initial_states)


if __name__ == "__main__":
    main()
