"""A tiny transformer encoder trained on scikit-learn's digits, for the int8 and nanoFramework transformer tests.

Each 8x8 digit is a sequence of 8 tokens (its rows, 8 pixels / 16 each). Linear embedding to 16 features plus a learned
position embedding, one pre-norm encoder block (LayerNorm, 2-head self-attention written out as MatMul / Transpose /
Softmax, residual, LayerNorm, feed-forward 16 -> 32 -> 16 with the exact GELU, residual), a last LayerNorm, the mean
over tokens and a linear classifier to 10 logits. Exported at opset 17 (LayerNormalization, and the Erf form of GELU
that torch writes), batch 1, static shapes.

Writes tests/data/transformer/digits_transformer.onnx, calibration.npy (64 training samples) and test_x.npy /
test_y.npy (64 held-out samples). The C# tests take the reference outputs from ONNX Runtime.
"""
import os

import torch
import torch.nn as nn

from digits_sequences_common import export, load_sequences, save_samples, train

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "transformer")
D, HEADS, T, FF = 16, 2, 8, 32


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(8, D)
        self.position = nn.Parameter(torch.randn(1, T, D) * 0.1)
        self.norm1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.project = nn.Linear(D, D)
        self.norm2 = nn.LayerNorm(D)
        self.up = nn.Linear(D, FF)
        self.down = nn.Linear(FF, D)
        self.norm3 = nn.LayerNorm(D)
        self.classify = nn.Linear(D, 10)

    def forward(self, x):  # x [batch, 8, 8]
        b = x.shape[0]
        h = self.embed(x) + self.position
        q, k, v = self.qkv(self.norm1(h)).split(D, dim=-1)
        dh = D // HEADS
        q = q.reshape(b, T, HEADS, dh).transpose(1, 2)
        k = k.reshape(b, T, HEADS, dh).transpose(1, 2)
        v = v.reshape(b, T, HEADS, dh).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / dh ** 0.5)
        attention = torch.matmul(torch.softmax(scores, dim=-1), v)
        h = h + self.project(attention.transpose(1, 2).reshape(b, T, D))
        h = h + self.down(nn.functional.gelu(self.up(self.norm2(h))))
        return self.classify(self.norm3(h).mean(dim=1))


def main():
    x, y, train_rows, test_rows = load_sequences()
    model = train("transformer", Block, x, y, train_rows, test_rows, epochs=40, lr=3e-3)
    export(model, x, os.path.join(OUT, "digits_transformer.onnx"), 17)
    save_samples(OUT, x, y, train_rows, test_rows)


if __name__ == "__main__":
    main()
