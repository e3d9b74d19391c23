#!/usr/bin/env python3
"""Train a small CNN on scikit-learn's digits (8x8 images) and export it to ONNX for ModelBaker's samples/tests.

Rerun from the repository root:
    /usr/bin/python3 build/make_digits_cnn.py

Output (committed; nothing in the .NET build or tests runs Python):
    sample-app/models/digits_cnn.onnx    input `pixels` float32 [batch,1,8,8], output `logits` [batch,10]

Same split as build/make_digits_mlp.py (imported from it). Calibration data: reuse
sample-app/data/digits_calibration.npy (float32 [200,64]; 64 = 1*8*8 elements per sample).
"""
import torch.nn as nn

import digits_cnn_common as common

EPOCHS = 120
BATCH = 32
LR = 3e-3


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),     # 8x8
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),    # 8x8
            nn.MaxPool2d(2),                              # 4x4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),   # 4x4
            nn.AdaptiveAvgPool2d(1),                      # GlobalAveragePool -> 1x1
        )
        self.classifier = nn.Linear(32, 10)               # logits, no softmax

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


if __name__ == "__main__":
    common.run(DigitsCNN, "digits_cnn", EPOCHS, BATCH, LR)
