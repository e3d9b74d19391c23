#!/usr/bin/env python3
"""Write the training portion of the digits split as a calibration set for the compression harness.

Rerun from the repository root:
    /usr/bin/python3 build/make_digits_training_inputs.py

Output (committed; nothing in the .NET build or tests runs Python):
    sample-app/data/digits_train_x.npy   float32 [1438, 64], pixels / 16, the split of build/make_digits_mlp.py

The samples the digits models were trained on, never the 359 test digits. The sample app and the tests calibrate on
the first 200 of them (digits_calibration.npy: quick builds); build/measure_compression.sh calibrates on all 1,438,
as post-training quantization is usually run (a thousand or so training samples), because layer reconstruction
refits weights to the calibration data and fits better with more of it (docs/compression.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_digits_mlp as mlp  # noqa: E402  (load_split, save_npy)

if __name__ == "__main__":
    (x_train, _), (x_calib, _), _ = mlp.load_split()
    assert (x_train[:len(x_calib)] == x_calib).all()  # digits_calibration.npy opens the training portion
    mlp.save_npy("digits_train_x.npy", x_train, "<f4")
