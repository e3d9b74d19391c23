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

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

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
    torch.manual_seed(20261207)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(20261207).permutation(len(x))
    test, train = order[:360], order[360:]
    model = Block()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    for epoch in range(40):
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
    path = os.path.join(OUT, "digits_transformer.onnx")
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, torch.from_numpy(x[:1]), path, opset_version=17, input_names=["rows"], output_names=["logits"],
                      do_constant_folding=True, **kwargs)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(sorted({n.op_type for n in onnx.load(path).graph.node}))
    np.save(os.path.join(OUT, "calibration.npy"), x[train[:64]].reshape(64, 64))
    np.save(os.path.join(OUT, "test_x.npy"), x[test[:64]].reshape(64, 64))
    np.save(os.path.join(OUT, "test_y.npy"), y[test[:64]])
    for name in ["digits_transformer.onnx", "calibration.npy", "test_x.npy", "test_y.npy"]:
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
