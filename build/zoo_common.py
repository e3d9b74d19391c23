"""Shared helpers for build/make_zoo.py (fixture script only; nothing in the .NET build or tests runs Python).

Two data sets:
- digits: scikit-learn's 8x8 digits with the repository's split (make_digits_mlp.load_split, imported, not copied):
  1438 training / 200 calibration (a subset of training) / 359 test samples. The files already committed in
  sample-app/data (digits_calibration.npy, digits_test_x.npy, digits_test_y.npy) hold exactly these samples, so the
  zoo refers to them instead of copying them (checked here on every run).
- kws: a synthetic keyword-spotting-style set generated here, deterministically: eight classes of short "audio"
  clips (tones, chirps, alternating tones, an amplitude-modulated tone, a noise burst, background only) with random
  pitch, onset, length, level and background noise, turned into 8 log band energies x 16 frames (an MFCC-like
  spectrogram, channels = bands, width = time) and standardized with the training mean and deviation.

Each model is trained with its own seed (initialization and shuffling); the data split does not depend on it.
"""
import inspect
import os
import random
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_digits_mlp as mlp  # noqa: E402  (load_split, REPO, DATA_DIR)

REPO = mlp.REPO
ZOO_DIR = os.path.join(REPO, "tests", "data", "zoo")
KWS_SEED = 16016
KWS_TRAIN, KWS_CALIB, KWS_TEST = 1400, 200, 200
KWS_CLASSES = ["low tone", "high tone", "rising chirp", "falling chirp", "two tones", "AM tone", "noise burst",
               "background"]
KWS_BANDS, KWS_FRAMES = 8, 16
SAMPLE_RATE, HOP, WINDOW = 8000, 128, 256


def set_seed(seed):
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def save_npy(path, arr, dtype):
    arr = np.ascontiguousarray(arr, dtype=np.dtype(dtype))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)
    print(f"wrote {os.path.relpath(path, REPO)}  {arr.dtype.str} {list(arr.shape)}  {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------------------------------------------------
# digits

def digits():
    """(x_train, y_train), (x_test, y_test) as float32 [N, 64]; checks the committed sample-app files match."""
    (x_train, y_train), (x_calib, _), (x_test, y_test) = mlp.load_split()
    for name, expected in (("digits_calibration.npy", x_calib), ("digits_test_x.npy", x_test),
                           ("digits_test_y.npy", y_test)):
        committed = np.load(os.path.join(mlp.DATA_DIR, name))
        if not np.array_equal(committed, expected):
            raise SystemExit(f"sample-app/data/{name} does not hold this split; rerun build/make_digits_mlp.py")
    return (x_train, y_train), (x_test, y_test)


# ---------------------------------------------------------------------------------------------------------
# kws: synthetic audio-like clips -> log band energies

def _clip(rng, label):
    n = HOP * (KWS_FRAMES - 1) + WINDOW  # 2176 samples, 0.27 s at 8 kHz
    t = np.arange(n) / SAMPLE_RATE
    signal = np.zeros(n)
    length = int(n * rng.uniform(0.45, 0.9))
    start = rng.randint(0, n - length + 1)
    tt = t[:length]
    duration = length / SAMPLE_RATE
    if label == 0:
        f = rng.uniform(300, 1000)
        s = np.sin(2 * np.pi * f * tt)
    elif label == 1:
        f = rng.uniform(900, 2200)
        s = np.sin(2 * np.pi * f * tt)
    elif label in (2, 3):
        f0, f1 = rng.uniform(400, 900), rng.uniform(1000, 1800)
        if label == 3:
            f0, f1 = f1, f0
        # Linear chirp: phase is the integral of the instantaneous frequency.
        s = np.sin(2 * np.pi * (f0 * tt + (f1 - f0) * tt * tt / (2 * duration)))
    elif label == 4:
        fa, fb = rng.uniform(300, 600), rng.uniform(1500, 2500)
        switch = rng.uniform(0.3, 0.7)
        s = np.where(tt < switch * duration, np.sin(2 * np.pi * fa * tt), np.sin(2 * np.pi * fb * tt))
    elif label == 5:
        f = rng.uniform(700, 1200)
        am, depth = rng.uniform(12, 22), rng.uniform(0.1, 0.5)
        s = np.sin(2 * np.pi * f * tt) * (1 - depth + depth * np.sin(2 * np.pi * am * tt + rng.uniform(0, 2 * np.pi)))
    elif label == 6:
        s = rng.randn(length) * 0.6
        s *= np.hanning(length)
    else:
        s = np.zeros(length)
    signal[start:start + length] = s * np.hanning(length) ** 0.25 * rng.uniform(0.3, 1.0)
    noise_level = 10 ** rng.uniform(-1.8, -0.4)  # background from quiet to louder than a faint keyword
    return signal + noise_level * rng.randn(n)


def _features(signal):
    window = np.hanning(WINDOW)
    frames = np.stack([signal[i * HOP:i * HOP + WINDOW] * window for i in range(KWS_FRAMES)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # [frames, 129]
    freqs = np.fft.rfftfreq(WINDOW, 1 / SAMPLE_RATE)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    edges_mel = np.linspace(mel(150), mel(3800), KWS_BANDS + 1)
    edges = 700 * (10 ** (edges_mel / 2595) - 1)
    bands = np.stack([power[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) for lo, hi in zip(edges[:-1], edges[1:])],
                     axis=0)  # [bands, frames]
    return np.log(bands + 1e-6)


def kws():
    """(x_train, y_train), (x_test, y_test): float32 [N, 8, 16] standardized log band energies, int64 labels."""
    rng = np.random.RandomState(KWS_SEED)
    total = KWS_TRAIN + KWS_TEST
    labels = np.arange(total) % len(KWS_CLASSES)
    rng.shuffle(labels)
    x = np.stack([_features(_clip(rng, int(label))) for label in labels])
    x_train, x_test = x[:KWS_TRAIN], x[KWS_TRAIN:]
    mean = x_train.mean(axis=(0, 2), keepdims=True)
    std = x_train.std(axis=(0, 2), keepdims=True)
    x_train = ((x_train - mean) / std).astype(np.float32)
    x_test = ((x_test - mean) / std).astype(np.float32)
    return (x_train, labels[:KWS_TRAIN].astype(np.int64)), (x_test, labels[KWS_TRAIN:].astype(np.int64))


def write_kws_data():
    (x_train, _), (x_test, y_test) = kws()
    data = os.path.join(ZOO_DIR, "data")
    save_npy(os.path.join(data, "kws_calibration.npy"), x_train[:KWS_CALIB], "<f4")  # training portion only
    save_npy(os.path.join(data, "kws_test_x.npy"), x_test, "<f4")
    save_npy(os.path.join(data, "kws_test_y.npy"), y_test, "<i8")


# ---------------------------------------------------------------------------------------------------------
# training and export

def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def train(model, seed, x_train, y_train, epochs, batch=32, lr=3e-3, weight_decay=0.0, log_softmax_input=False):
    """Adam + cosine decay, shuffled with the model's seed. A Softmax head is trained through log(probabilities)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(x_train) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    loss_fn = nn.NLLLoss() if log_softmax_input else nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            out = model(xt[idx])
            loss = loss_fn(torch.log(out.clamp_min(1e-12)) if log_softmax_input else out, yt[idx])
            loss.backward()
            opt.step()
            sched.step()


def export(model, path, sample_shape, output_name):
    """torch.onnx.export in eval mode: opset 13 (as the other fixture scripts), constant folding, dynamic batch."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    kwargs = dict(
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["input"],
        output_names=[output_name],
        dynamic_axes={"input": {0: "batch"}, output_name: {0: "batch"}},
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(model, torch.zeros((1,) + tuple(sample_shape)), path, **kwargs)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    weights = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    return m, weights
