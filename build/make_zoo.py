#!/usr/bin/env python3
"""Train the model zoo of tests/data/zoo (issue 16): ten small models of four families, each with its own seed,
exported to ONNX, and the zoo's README table (family, weights, float top-1, data, seed, split half).

Rerun from the repository root (about a minute on one core):
    /usr/bin/python3 build/make_zoo.py

Output (committed; nothing in the .NET build or tests runs Python):
    tests/data/zoo/<model>/model.onnx           input `input`, output `logits` (or `probabilities`), dynamic batch
    tests/data/zoo/data/kws_{calibration,test_x,test_y}.npy
    tests/data/zoo/README.md
The digits models use sample-app/data/digits_{calibration,test_x,test_y}.npy (the same split; checked here).

The split into halves is fixed before any measurement: the table is sorted by family, and its rows alternate
"tuning", "held-out", "tuning", ... Defaults may be chosen on the tuning half only; the held-out half is where they
are reported (build/measure_zoo.sh prints both).

BatchNormalization: `cnn_bn` puts each BatchNorm after the ReLU, where the exporter cannot fold it into the
convolution, so its ONNX graph keeps two unfolded BatchNormalization nodes. The dscnn and kws_dscnn models put
BatchNorm right after each convolution, which the exporter (eval mode) folds into the convolution's weights and bias.
"""
import os

import numpy as np
import torch.nn as nn

import zoo_common as zoo


class GlobalAverage(nn.Module):
    """Exports as GlobalAveragePool + Flatten for 1-D and 2-D feature maps."""

    def __init__(self, dims):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(x).flatten(1)


class Separable(nn.Module):
    """depthwise k + BN + ReLU6 -> pointwise 1 + BN [+ input when shapes match] -> ReLU6 (BN folded on export)."""

    def __init__(self, cin, cout, stride, dims=2):
        super().__init__()
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        norm = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
        self.dw = nn.Sequential(conv(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False), norm(cin),
                                nn.ReLU6())
        self.pw = nn.Sequential(conv(cin, cout, 1, bias=False), norm(cout))
        self.residual = stride == 1 and cin == cout
        self.act = nn.ReLU6()

    def forward(self, x):
        y = self.pw(self.dw(x))
        return self.act(y + x if self.residual else y)


def stem(cin, cout, dims=2):
    conv = nn.Conv1d if dims == 1 else nn.Conv2d
    norm = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    return nn.Sequential(conv(cin, cout, 3, padding=1, bias=False), norm(cout), nn.ReLU6())


def mlp(*widths, softmax=False):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def cnn_small():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 10))


def cnn_bn():
    return nn.Sequential(nn.Conv2d(1, 12, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(12),
                         nn.Conv2d(12, 24, 3, stride=2, padding=1), nn.ReLU(), nn.BatchNorm2d(24),
                         GlobalAverage(2), nn.Linear(24, 10))


def cnn_wide():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Flatten(), nn.Linear(512, 10))


def dscnn_wide():
    return nn.Sequential(stem(1, 24), Separable(24, 24, 1), Separable(24, 48, 2), Separable(48, 48, 1),
                         GlobalAverage(2), nn.Linear(48, 10))


def dscnn_issue():
    """The issue's model: stem conv, depthwise + pointwise blocks with ReLU6 and residual Adds, GAP, ~2 k weights."""
    return nn.Sequential(stem(1, 16), Separable(16, 16, 1), Separable(16, 24, 2), Separable(24, 24, 1),
                         GlobalAverage(2), nn.Linear(24, 10))


def kws_cnn():
    return nn.Sequential(nn.Conv1d(8, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv1d(16, 24, 3, stride=2, padding=1), nn.ReLU(),
                         GlobalAverage(1), nn.Linear(24, 8))


def kws_dscnn():
    return nn.Sequential(stem(8, 24, dims=1), Separable(24, 24, 1, dims=1), Separable(24, 24, 1, dims=1),
                         GlobalAverage(1), nn.Linear(24, 8))


# name, family, description, data, sample shape, seed, factory, epochs, softmax head
ZOO = [
    ("mlp1", "MLP", "64-32-10, ReLU", "digits", (64,), 1, lambda: mlp(64, 32, 10), 60, False),
    ("mlp_softmax", "MLP", "64-48-24-10, ReLU, Softmax head", "digits", (64,), 2,
     lambda: mlp(64, 48, 24, 10, softmax=True), 60, True),
    ("mlp2", "MLP", "64-96-48-10, ReLU", "digits", (64,), 3, lambda: mlp(64, 96, 48, 10), 60, False),
    ("cnn1", "CNN", "conv 8, maxpool, conv 16, maxpool, dense", "digits", (1, 8, 8), 4, cnn_small, 60, False),
    ("cnn_bn", "CNN", "conv 12, ReLU, BatchNormalization, conv 24 /2, ReLU, BatchNormalization, GAP, dense "
     "(BatchNormalization unfolded)", "digits", (1, 8, 8), 5, cnn_bn, 60, False),
    ("cnn2", "CNN", "conv 16, conv 32 /2, dense", "digits", (1, 8, 8), 6, cnn_wide, 60, False),
    ("dscnn1", "DS-CNN", "stem 24, 3 dw+pw blocks (24, 48 /2, 48), ReLU6, 2 residual Adds, GAP, dense",
     "digits", (1, 8, 8), 7, dscnn_wide, 80, False),
    ("dscnn_issue", "DS-CNN", "stem 16, 3 dw+pw blocks (16, 24 /2, 24), ReLU6, 2 residual Adds, GAP, dense",
     "digits", (1, 8, 8), 8, dscnn_issue, 80, False),
    ("kws_cnn", "KWS 1-D CNN", "conv1d 16, conv1d 24 /2, GAP, dense", "kws", (8, 16), 9, kws_cnn, 60, False),
    ("kws_dscnn", "KWS 1-D CNN", "stem 24, 2 dw+pw 1-D blocks, ReLU6, 2 residual Adds, GAP, dense",
     "kws", (8, 16), 10, kws_dscnn, 60, False),
]

DATA = {
    "digits": "sample-app/data/digits",
    "kws": "tests/data/zoo/data/kws",
}


def main():
    datasets = {"digits": zoo.digits(), "kws": zoo.kws()}
    zoo.write_kws_data()
    rows = []
    for i, (name, family, what, data, shape, seed, factory, epochs, softmax) in enumerate(ZOO):
        (x_train, y_train), (x_test, y_test) = datasets[data]
        x_train = x_train.reshape((-1,) + shape)
        x_test = x_test.reshape((-1,) + shape)
        zoo.set_seed(seed)
        model = factory()
        zoo.train(model, seed, x_train, y_train, epochs, log_softmax_input=softmax)
        top1 = zoo.accuracy(model, x_test, y_test)
        path = os.path.join(zoo.ZOO_DIR, name, "model.onnx")
        m, weights = zoo.export(model, path, shape, "probabilities" if softmax else "logits")
        half = "tuning" if i % 2 == 0 else "held-out"
        ops = sorted({n.op_type for n in m.graph.node})
        print(f"{name:12s} {family:12s} weights {weights:6d}  float top-1 {100 * top1:6.2f}  {half:8s}  "
              f"{os.path.getsize(path)} bytes  ops {ops}")
        rows.append(f"| `{name}` | {family} | {what} | {weights:,} | {100 * top1:.2f} | {data} | {seed} | {half} |")
    write_readme(rows)


def write_readme(rows):
    path = os.path.join(zoo.ZOO_DIR, "README.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(README_HEAD)
        f.write("\n".join(rows) + "\n")
        f.write(README_TAIL)
    print(f"wrote {os.path.relpath(path, zoo.REPO)}")


README_HEAD = """# Model zoo (issue 16): compression on models the defaults were not chosen on

Ten small models of four families, trained by `build/make_zoo.py` (`/usr/bin/python3 build/make_zoo.py`; torch,
ONNX opset 13, each model with its own seed), measured by `build/measure_zoo.sh` (table in docs/compression.md,
"Model zoo: defaults on unseen models"). Generated file: rerun the script rather than editing it.

**Split, fixed before any measurement**: the table is sorted by family and its rows alternate *tuning*, *held-out*,
*tuning*, … Defaults may be chosen (and tuned) on the tuning half only; the held-out half is where they are reported.

| model | family | architecture | weights | float top-1 (%) | data | seed | half |
|---|---|---|---:|---:|---|---:|---|
"""

README_TAIL = """
- **weights**: float values in the ONNX file's initializers (after the exporter folds BatchNorm where it can).
- **float top-1**: the float model on the data's test inputs, computed by torch when the model was trained; the test
  `ZooTests` recomputes it with ModelBaker's float reference from `model.onnx` and the committed data, and must get
  the same figure.
- **data** `digits`: scikit-learn's 8×8 digits, the repository's split (`build/make_digits_mlp.py`): calibration
  `sample-app/data/digits_calibration.npy` (200 training samples, float32 [200, 64]), test
  `sample-app/data/digits_test_x.npy` / `digits_test_y.npy` (359). The MLPs take [N, 64], the CNNs [N, 1, 8, 8]
  (same elements).
- **data** `kws`: synthetic keyword-spotting-style clips (`build/zoo_common.py`): 8 classes (low tone, high tone,
  rising chirp, falling chirp, two tones, amplitude-modulated tone, noise burst, background only) with random pitch,
  onset, length, level and background noise, as 8 log band energies × 16 frames, standardized; input [N, 8, 16]
  (channels = bands, 1-D convolution over time). Calibration `tests/data/zoo/data/kws_calibration.npy` (200 of the
  1,400 training clips), test `kws_test_x.npy` / `kws_test_y.npy` (200 clips).
- **BatchNormalization**: `cnn_bn` keeps two unfolded BatchNormalization nodes (each after a ReLU, where the exporter
  cannot fold it); the DS-CNNs and `kws_dscnn` were trained with BatchNorm after every convolution, folded into the
  convolutions on export.
"""

if __name__ == "__main__":
    main()
