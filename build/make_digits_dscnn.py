#!/usr/bin/env python3
"""Train a MobileNet-style depthwise-separable CNN on scikit-learn's digits and export it to ONNX.

Rerun from the repository root:
    /usr/bin/python3 build/make_digits_dscnn.py

Output (committed; nothing in the .NET build or tests runs Python):
    sample-app/models/digits_dscnn.onnx  input `pixels` float32 [batch,1,8,8], output `logits` [batch,10]

Same split as build/make_digits_mlp.py (imported from it). Calibration data: reuse
sample-app/data/digits_calibration.npy (float32 [200,64]; 64 = 1*8*8 elements per sample).

Exported in eval mode (TrainingMode.EVAL): torch 1.13's exporter then folds each BatchNorm into the Conv
before it (_jit_pass_onnx_eval_peephole), so the ONNX graph has Conv+bias where the torch model has Conv+BN.
ReLU6 exports as Clip(min 0, max 6), the bounds as scalar Constant nodes feeding Clip (opset 13).
"""
import torch.nn as nn

import digits_cnn_common as common

EPOCHS = 120
BATCH = 32
LR = 3e-3


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    )


class DepthwiseSeparable(nn.Module):
    """depthwise 3x3 + BN + ReLU6 -> pointwise 1x1 + BN [+ input when shapes match] -> ReLU6."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.dw = conv_bn(cin, cin, 3, stride=stride, groups=cin)
        self.dw_act = nn.ReLU6()
        self.pw = conv_bn(cin, cout, 1)
        self.residual = stride == 1 and cin == cout
        self.act = nn.ReLU6()

    def forward(self, x):
        y = self.pw(self.dw_act(self.dw(x)))
        if self.residual:
            y = y + x
        return self.act(y)


class DigitsDSCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 32, 3), nn.ReLU6())   # 32 x 8x8
        self.block1 = DepthwiseSeparable(32, 32, stride=1)         # 32 x 8x8, residual Add
        self.block2 = DepthwiseSeparable(32, 64, stride=2)         # 64 x 4x4, no residual
        self.pool = nn.AdaptiveAvgPool2d(1)                        # GlobalAveragePool
        self.classifier = nn.Linear(64, 10)                        # logits, no softmax

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        return self.classifier(self.pool(x).flatten(1))


if __name__ == "__main__":
    common.run(DigitsDSCNN, "digits_dscnn", EPOCHS, BATCH, LR)
