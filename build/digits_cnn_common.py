"""Shared helpers for build/make_digits_cnn.py and build/make_digits_dscnn.py (fixture scripts only).

The digits split, the seeding and the .npy writer come from make_digits_mlp.py unchanged (imported, not
copied), so the CNNs see exactly the MLP's 1438 training / 200 calibration / 359 test samples.

This module adds: a training loop for image-shaped input, the ONNX export with the project's conventions,
an ONNX checker + report, and a small NumPy interpreter for the exported graph (Conv, BatchNormalization,
Relu, Clip, Add, MaxPool, GlobalAveragePool, Flatten, Gemm, Constant) that runs from the initializers only.
"""
import inspect
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_digits_mlp as mlp  # noqa: E402  (SEED, set_determinism, load_split, REPO, DATA_DIR)

REPO = mlp.REPO
DATA_DIR = mlp.DATA_DIR
SEED = mlp.SEED
set_determinism = mlp.set_determinism
load_split = mlp.load_split

# The 64 pixels of a digit, /16, as a one-channel 8x8 image. 64 elements per sample, like the MLP's input,
# so the MLP's calibration file (float32 [200, 64]) serves these models too: the bake accepts any array
# whose element count is a multiple of the input's.
IMAGE_SHAPE = (1, 8, 8)
CALIBRATION_FILE = os.path.join(DATA_DIR, "digits_calibration.npy")


def to_images(x):
    """[N, 64] float32 -> [N, 1, 8, 8] float32 (row-major: pixel k is row k // 8, column k % 8)."""
    return np.ascontiguousarray(x.reshape((-1,) + IMAGE_SHAPE), dtype=np.float32)


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def train(model, x_train, y_train, x_test, y_test, epochs, batch, lr, weight_decay=0.0):
    """Adam + cosine learning-rate decay, fixed-seed shuffling. Returns nothing; prints progress."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = (len(x_train) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(x_train)
    yt = torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(SEED)
    n = xt.shape[0]
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
        if epoch % 10 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}  loss {loss.item():.4f}  "
                  f"train acc {accuracy(model, x_train, y_train):.4f}  "
                  f"test acc {accuracy(model, x_test, y_test):.4f}")


def export(model, path):
    """torch.onnx.export in eval mode: opset 13, constant folding, `pixels` -> `logits`, dynamic `batch`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    dummy = torch.zeros((1,) + IMAGE_SHAPE, dtype=torch.float32)
    kwargs = dict(
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(model, dummy, path, **kwargs)


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_and_describe(path):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    print(f"wrote {os.path.relpath(path, REPO)}  {os.path.getsize(path)} bytes  "
          f"opset {m.opset_import[0].version}  IR {m.ir_version}  onnx.checker(full_check) ok")
    print("nodes:", [n.op_type for n in m.graph.node])
    for n in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        attrs = {k: (v if not isinstance(v, onnx.TensorProto) else onnx.numpy_helper.to_array(v).tolist())
                 for k, v in attrs.items()}
        print(f"  {n.op_type:<20} {list(n.input)} -> {list(n.output)} {attrs}")
    print("inputs:", [(i.name, _dims(i)) for i in m.graph.input])
    print("outputs:", [(o.name, _dims(o)) for o in m.graph.output])
    inits = [(t.name, list(t.dims)) for t in m.graph.initializer]
    print(f"initializers ({sum(int(np.prod(d)) for _, d in inits)} elements):", inits)
    return m


# ---------------------------------------------------------------------------------------------------------
# NumPy reference for the exported graphs, from the ONNX initializers only (no torch involved).

def _conv(x, w, b, strides, pads, group, dilations):
    if any(d != 1 for d in dilations):
        raise RuntimeError("dilated Conv not supported by this checker")
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    pt, pl, pb, pr = pads
    sh, sw = strides
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    mg = m // group
    out = np.zeros((n, m, oh, ow), dtype=np.float64)
    for g in range(group):
        xg = xp[:, g * cg:(g + 1) * cg].astype(np.float64)
        wg = w[g * mg:(g + 1) * mg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]  # [n, cg, oh, ow]
                out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, wg[:, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _maxpool(x, kernel, strides, pads):
    if any(pads):
        raise RuntimeError("padded MaxPool not supported by this checker")
    kh, kw = kernel
    sh, sw = strides
    n, c, h, w = x.shape
    oh = (h - kh) // sh + 1
    ow = (w - kw) // sw + 1
    out = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
    return out


def numpy_forward_from_onnx(m, x):
    """Evaluate graph `m` on x (float32) in float64 NumPy, node by node, from its initializers."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    values = {m.graph.input[0].name: x.astype(np.float64)}
    for node in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        ins = [None if name == "" else (values[name] if name in values else inits[name]) for name in node.input]
        op = node.op_type
        if op == "Constant":
            out = onnx.numpy_helper.to_array(a["value"])
        elif op == "Conv":
            k = ins[1].shape[2:]
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                        a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), a.get("group", 1),
                        a.get("dilations", [1, 1]))
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or list(a.get("kernel_shape", k)) != list(k):
                raise RuntimeError(f"unsupported Conv attributes {a}")
        elif op == "BatchNormalization":
            xx, scale, bias, mean, var = ins[:5]
            eps = a.get("epsilon", 1e-5)
            sh = (1, -1, 1, 1)
            out = (xx - mean.reshape(sh)) / np.sqrt(var.reshape(sh).astype(np.float64) + eps) * scale.reshape(sh) \
                + bias.reshape(sh)
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else -np.inf
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else np.inf
            out = np.clip(ins[0], lo, hi)
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "MaxPool":
            out = _maxpool(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]))
        elif op == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op == "Gemm":
            aa, bb = ins[0], ins[1]
            if a.get("transA", 0):
                aa = aa.T
            if a.get("transB", 0):
                bb = bb.T
            out = a.get("alpha", 1.0) * (aa.astype(np.float64) @ bb.astype(np.float64))
            if len(ins) > 2:
                out = out + a.get("beta", 1.0) * ins[2]
        else:
            raise RuntimeError(f"unexpected op {op}")
        values[node.output[0]] = out
    return values[m.graph.output[0].name]


def verify_export(model, m, x_test, y_test, torch_test_acc):
    """NumPy forward from the initializers vs torch; must give the same test accuracy."""
    logits = numpy_forward_from_onnx(m, x_test)
    np_acc = float((logits.argmax(axis=1) == y_test).mean())
    model.eval()
    with torch.no_grad():
        ref = model(torch.from_numpy(x_test)).numpy().astype(np.float64)
    diff = float(np.abs(ref - logits).max())
    agree = int((ref.argmax(axis=1) == logits.argmax(axis=1)).sum())
    print(f"numpy forward from ONNX initializers: test acc {np_acc:.4f}  "
          f"max |logit diff vs torch| {diff:.2e}  argmax agrees on {agree}/{len(y_test)}")
    if np_acc != torch_test_acc or agree != len(y_test) or diff > 1e-4:
        raise SystemExit("exported model disagrees with the torch model")
    # Dynamic batch: shape inference must keep the symbolic batch dimension on the output.
    inferred = onnx.shape_inference.infer_shapes(m)
    print("shape inference output:", [(o.name, _dims(o)) for o in inferred.graph.output])


def run(model, name, epochs, batch, lr, weight_decay=0.0):
    """Whole pipeline for one model; writes sample-app/models/<name>.onnx."""
    set_determinism()
    print(f"torch {torch.__version__}  onnx {onnx.__version__}  numpy {np.__version__}")
    (x_train, y_train), (x_calib, _), (x_test, y_test) = load_split()
    x_train, x_calib, x_test = to_images(x_train), to_images(x_calib), to_images(x_test)
    print(f"train {len(x_train)}  calibration {len(x_calib)} (subset of train)  test {len(x_test)}  "
          f"input {list(x_train.shape[1:])}")

    net = model()
    print(net)
    print(f"parameters: {param_count(net)}")
    train(net, x_train, y_train, x_test, y_test, epochs, batch, lr, weight_decay)
    train_acc = accuracy(net, x_train, y_train)
    test_acc = accuracy(net, x_test, y_test)
    n_ok = int(round(test_acc * len(y_test)))
    print(f"final torch  train acc {train_acc:.4f}  test acc {test_acc:.4f} ({n_ok}/{len(y_test)})")
    if test_acc < 0.97:
        print("WARNING: test accuracy below 0.97", file=sys.stderr)

    path = os.path.join(REPO, "sample-app", "models", f"{name}.onnx")
    export(net, path)
    m = check_and_describe(path)
    verify_export(net, m, x_test, y_test, test_acc)

    # Calibration: the MLP's file already holds these 200 samples as float32 [200, 64] (64 = 1*8*8 elements
    # per sample), so it is reused rather than duplicated. Check it really is the same data.
    calib = np.load(CALIBRATION_FILE)
    if calib.dtype != np.float32 or calib.size % 64 or not np.array_equal(calib.reshape(x_calib.shape), x_calib):
        raise SystemExit(f"{CALIBRATION_FILE} does not hold this split's calibration samples; "
                         "rerun build/make_digits_mlp.py")
    print(f"calibration: reuse {os.path.relpath(CALIBRATION_FILE, REPO)} {calib.dtype.str} {list(calib.shape)} "
          f"(= the {len(x_calib)} samples as [N,1,8,8], element count a multiple of 64)")
