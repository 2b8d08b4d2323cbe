#!/usr/bin/env python3
"""PyTorch parity fixtures for SwiftLightning's optimizers, LR schedulers and gradient clipping.

Writes Tests/TorchTests/Fixtures/Optim/optim.json (or --out FILE), which
Tests/TorchTests/OptimParityTests.swift compares against:

- "model"/"data": a 4-8-3 MLP (w1, b1, w2, b2; fixed float32 values) and 16 samples with class
  labels; the loss is cross_entropy(linear(relu(linear(x, w1, b1)), w2, b2), y).
- "optimizers": for each configuration, 100 steps of zero_grad / backward / step from the same
  initial weights, then the parameters and state_dict() ("final"); the runs in RESUMED also record
  both after step 50 ("checkpoint"). Configurations run the implementation the Swift side uses:
  fused=True where Swift runs ATen's fused kernel, foreach=True where it runs the foreach ops.
  "maximize" configurations minimize the loss by maximizing its negative.
- "clip": the gradients at the initial weights, then clip_grad_norm_ / clip_grad_value_ results.
- "schedulers": for each scheduler, the learning rate of every group after construction and after
  each of 100 steps (and momentum / beta1 for OneCycleLR), the scheduler's state_dict() after
  step 50 and step 100, and the optimizer's state_dict() after step 50 (to resume from) and, for
  OneCycleLR, after step 100.

Values that are Python objects (state dicts) are written in a tagged form that keeps Python's
types: null, true/false, "text", [list], {"int": n}, {"float": x}, {"tuple": [...]},
{"dict": [[key, value], ...]}, {"tensor": {"dtype", "shape", "device", "data"}}. Floats are
written exactly ("inf", "-inf", "nan" as strings); float32 tensor data uses the shortest decimal
that reads back as the same float32.

Run: ~/.cache/swiftlightning/pyenv/bin/python Tools/parity/make_optim_fixtures.py
(or through Scripts/python-env.sh for the environment).
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import sys
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler as L
from torch.optim.swa_utils import SWALR

EXPECTED_TORCH = "2.11.0"
STEPS = 100
CHECKPOINT = 50

# MARK: - Tagged JSON


class Raw:
    """Text written into the JSON as is (a number in its shortest form)."""

    def __init__(self, text: str):
        self.text = text


def float_json(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return Raw(repr(float(x)))


def f32_json(x) -> object:
    x = np.float32(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return Raw(np.format_float_positional(x, unique=True, trim="-") if 1e-4 <= abs(x) < 1e7 or x == 0
               else np.format_float_scientific(x, unique=True, trim="-"))


DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def tensor_json(t: torch.Tensor) -> dict:
    t = t.detach()
    flat = t.cpu().reshape(-1)
    if t.dtype == torch.float32:
        data = [f32_json(v) for v in flat.numpy()]
    elif t.dtype == torch.float64:
        data = [float_json(float(v)) for v in flat.numpy()]
    else:
        data = [int(v) for v in flat.numpy()]
    return {"tensor": {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "device": str(t.device), "data": data}}


def tag(value):
    """A Python value in the tagged form."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": float_json(value)}
    if isinstance(value, torch.Tensor):
        return tensor_json(value)
    if isinstance(value, tuple):
        return {"tuple": [tag(v) for v in value]}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if isinstance(value, dict):  # also Counter
        return {"dict": [[tag(k), tag(v)] for k, v in value.items()]}
    raise TypeError(f"cannot write {type(value).__name__}: {value!r}")


def compact(value) -> str:
    """JSON text on one line."""
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ",".join(compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {compact(v)}' for k, v in value.items()) + "}"
    raise TypeError(type(value))


def dump(value, indent=0) -> str:
    """JSON text: tensors and short values on one line, the rest indented."""
    text = compact(value)
    if len(text) <= 100 or (isinstance(value, dict) and "tensor" in value) or not isinstance(value, (list, dict)):
        return text
    pad = "  " * indent
    if isinstance(value, list):
        return "[\n" + ",\n".join(pad + "  " + dump(v, indent + 1) for v in value) + "\n" + pad + "]"
    return "{\n" + ",\n".join(f'{pad}  "{k}": {dump(v, indent + 1)}' for k, v in value.items()) + "\n" + pad + "}"


# MARK: - Model and data


def make_model_and_data():
    rng = np.random.default_rng(20240611)

    def uniform(shape, bound):
        return torch.tensor(rng.uniform(-bound, bound, size=shape).astype(np.float32))

    model = {
        "w1": uniform((8, 4), 0.5),
        "b1": uniform((8,), 0.5),
        "w2": uniform((3, 8), 1 / math.sqrt(8)),
        "b2": uniform((3,), 1 / math.sqrt(8)),
    }
    x = torch.tensor(rng.normal(size=(16, 4)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 3, size=(16,)), dtype=torch.int64)
    return model, x, y


def loss_of(params, x, y):
    w1, b1, w2, b2 = params
    return F.cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), y)


def fresh_params(model):
    return [model[k].clone().requires_grad_(True) for k in ("w1", "b1", "w2", "b2")]


# MARK: - Optimizers

OPTIMIZERS = [
    # name, class, kwargs, maximize trick
    ("sgd_fused", torch.optim.SGD, dict(lr=0.1, fused=True)),
    ("sgd_momentum_fused", torch.optim.SGD, dict(lr=0.05, momentum=0.9, fused=True)),
    ("sgd_nesterov_wd_fused", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3, fused=True)),
    ("sgd_dampening_maximize_fused", torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=1e-3, maximize=True, fused=True)),
    ("sgd_momentum_foreach", torch.optim.SGD, dict(lr=0.05, momentum=0.9, foreach=True)),
    ("sgd_nesterov_wd_maximize_foreach", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3, maximize=True, foreach=True)),
    ("adam_fused", torch.optim.Adam, dict(lr=0.01, fused=True)),
    ("adam_amsgrad_wd_fused", torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True, fused=True)),
    ("adam_maximize_fused", torch.optim.Adam, dict(lr=0.01, maximize=True, fused=True)),
    ("adam_foreach", torch.optim.Adam, dict(lr=0.01, foreach=True)),
    ("adam_amsgrad_wd_maximize_foreach", torch.optim.Adam, dict(lr=0.01, weight_decay=0.01, amsgrad=True, maximize=True, foreach=True)),
    ("adamw_fused", torch.optim.AdamW, dict(lr=0.01, weight_decay=0.05, fused=True)),
    ("adamw_amsgrad_fused", torch.optim.AdamW, dict(lr=0.01, betas=(0.85, 0.995), eps=1e-6, amsgrad=True, fused=True)),
    ("adamw_foreach", torch.optim.AdamW, dict(lr=0.01, weight_decay=0.05, foreach=True)),
    ("adamw_amsgrad_foreach", torch.optim.AdamW, dict(lr=0.01, amsgrad=True, foreach=True)),
    ("rmsprop_foreach", torch.optim.RMSprop, dict(lr=0.01, foreach=True)),
    ("rmsprop_centered_momentum_wd_foreach", torch.optim.RMSprop, dict(lr=0.005, alpha=0.95, eps=1e-6, weight_decay=1e-3, momentum=0.5, centered=True, foreach=True)),
    ("rmsprop_momentum_maximize_foreach", torch.optim.RMSprop, dict(lr=0.005, momentum=0.9, maximize=True, foreach=True)),
    ("adagrad_fused", torch.optim.Adagrad, dict(lr=0.1, fused=True)),
    ("adagrad_decay_init_wd_fused", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=1e-3, initial_accumulator_value=0.1, eps=1e-8, fused=True)),
    ("adagrad_foreach", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, foreach=True)),
    ("adagrad_wd_maximize_foreach", torch.optim.Adagrad, dict(lr=0.1, weight_decay=1e-3, maximize=True, foreach=True)),
]


# Runs that also record their state after step 50, for the resume-from-PyTorch test.
RESUMED = {"sgd_momentum_fused", "sgd_nesterov_wd_maximize_foreach", "adam_amsgrad_wd_fused", "adam_foreach",
           "adamw_fused", "rmsprop_centered_momentum_wd_foreach", "adagrad_decay_init_wd_fused", "adagrad_foreach"}


def run_optimizer(name, cls, kwargs, model, x, y):
    params = fresh_params(model)
    optimizer = cls(params, **kwargs)
    maximize = kwargs.get("maximize", False)
    record = {"name": name, "class": cls.__name__, "kwargs": tag(kwargs), "steps": STEPS}
    losses = []
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss = loss_of(params, x, y)
        (-loss if maximize else loss).backward()
        optimizer.step()
        losses.append(loss.item())
        if step == CHECKPOINT and name in RESUMED:
            record["checkpoint"] = {
                "step": step,
                "params": [tensor_json(p) for p in params],
                "state_dict": tag(copy.deepcopy(optimizer.state_dict())),
            }
    record["final"] = {
        "params": [tensor_json(p) for p in params],
        "state_dict": tag(optimizer.state_dict()),
    }
    record["firstLoss"] = float_json(losses[0])
    record["lastLoss"] = float_json(losses[-1])
    return record


# MARK: - Clipping


def clip_cases(model, x, y):
    params = fresh_params(model)
    loss_of(params, x, y).backward()
    grads = [p.grad.clone() for p in params]
    result = {"grads": [tensor_json(g) for g in grads], "cases": []}
    norm_cases = [
        ("norm2", dict(max_norm=0.5, norm_type=2.0)),
        ("norm2_loop", dict(max_norm=0.5, norm_type=2.0, foreach=False)),
        ("norm_inf", dict(max_norm=0.1, norm_type=math.inf)),
        ("norm1", dict(max_norm=1.0, norm_type=1.0)),
        ("norm2_unclipped", dict(max_norm=100.0, norm_type=2.0)),
    ]
    for name, kwargs in norm_cases:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, **kwargs)
        result["cases"].append({
            "name": name, "kind": "norm",
            "maxNorm": float_json(kwargs["max_norm"]), "normType": float_json(kwargs["norm_type"]),
            "foreach": kwargs.get("foreach"),
            "totalNorm": tensor_json(total),
            "clipped": [tensor_json(p.grad) for p in params],
        })
    for p, g in zip(params, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(params, clip_value=0.05)
    result["cases"].append({
        "name": "value", "kind": "value", "clipValue": float_json(0.05),
        "clipped": [tensor_json(p.grad) for p in params],
    })
    return result


# MARK: - Schedulers


def plateau_metrics():
    """A loss that falls, stalls, wobbles and falls again."""
    values = []
    for k in range(STEPS):
        base = 1.0 / (1.0 + 0.05 * min(k, 30)) if k < 60 else 1.0 / (1.0 + 0.05 * (30 + (k - 60) * 0.5))
        values.append(round(base + 0.01 * math.sin(1.7 * k), 9))
    return values


def two_group_sgd():
    p0 = torch.zeros(2, requires_grad=True)
    p1 = torch.zeros(2, requires_grad=True)
    return torch.optim.SGD([{"params": [p0]}, {"params": [p1], "lr": 0.01}], lr=0.1, momentum=0.9)


def one_group_adam():
    return torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.001)


SCHEDULERS = [
    ("step", two_group_sgd, lambda o: L.StepLR(o, step_size=7, gamma=0.5)),
    ("multistep", two_group_sgd, lambda o: L.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3)),
    ("exponential", two_group_sgd, lambda o: L.ExponentialLR(o, gamma=0.97)),
    ("polynomial", two_group_sgd, lambda o: L.PolynomialLR(o, total_iters=50, power=2.0)),
    ("cosine", two_group_sgd, lambda o: L.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
    ("warm_restarts", two_group_sgd, lambda o: L.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-4)),
    ("warm_restarts_mult1", two_group_sgd, lambda o: L.CosineAnnealingWarmRestarts(o, T_0=7)),
    ("onecycle", two_group_sgd, lambda o: L.OneCycleLR(o, max_lr=[0.5, 0.05], total_steps=100)),
    ("onecycle_linear_three_phase_adam", one_group_adam,
     lambda o: L.OneCycleLR(o, max_lr=0.01, total_steps=100, anneal_strategy="linear", three_phase=True, pct_start=0.25)),
    ("linear", two_group_sgd, lambda o: L.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=10)),
    ("constant", two_group_sgd, lambda o: L.ConstantLR(o, factor=0.5, total_iters=8)),
    ("lambda", two_group_sgd, lambda o: L.LambdaLR(o, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1.0 / (1.0 + 0.1 * e)])),
    ("multiplicative", two_group_sgd, lambda o: L.MultiplicativeLR(o, lr_lambda=lambda e: 0.97)),
    ("sequential_warmup_cosine", two_group_sgd,
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=95)], milestones=[5])),
    ("sequential_three", two_group_sgd,
     lambda o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=10), L.ExponentialLR(o, gamma=0.95),
                                  L.StepLR(o, step_size=10, gamma=0.5)], milestones=[10, 40])),
    ("chained", two_group_sgd, lambda o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=5), L.ExponentialLR(o, gamma=0.98)])),
    ("swalr_cos", two_group_sgd, lambda o: SWALR(o, swa_lr=[0.05, 0.005], anneal_epochs=5)),
    ("swalr_linear_no_anneal", one_group_adam, lambda o: SWALR(o, swa_lr=0.02, anneal_epochs=0, anneal_strategy="linear")),
    ("plateau_min_rel", two_group_sgd,
     lambda o: L.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=3, threshold=1e-2, cooldown=2, min_lr=1e-3)),
    ("plateau_max_abs", two_group_sgd,
     lambda o: L.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=2, threshold=0.01, threshold_mode="abs", min_lr=[1e-3, 1e-4])),
]


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def run_scheduler(name, make_optimizer, make_scheduler):
    optimizer = make_optimizer()
    scheduler = make_scheduler(optimizer)
    plateau = isinstance(scheduler, L.ReduceLROnPlateau)
    metrics = plateau_metrics() if plateau else None
    lrs = [[g["lr"] for g in optimizer.param_groups]]
    momenta = [[momentum_of(g) for g in optimizer.param_groups]]
    record = {"name": name}
    for step in range(STEPS):
        optimizer.step()
        if plateau:
            scheduler.step(metrics[step])
        else:
            scheduler.step()
        lrs.append([g["lr"] for g in optimizer.param_groups])
        momenta.append([momentum_of(g) for g in optimizer.param_groups])
        if step + 1 == CHECKPOINT:
            record["checkpoint"] = {
                "step": step + 1,
                "scheduler": tag(copy.deepcopy(scheduler.state_dict())),
                "optimizer": tag(copy.deepcopy(optimizer.state_dict())),
            }
    assert scheduler.get_last_lr() == lrs[-1], name
    record["lrs"] = [[float_json(v) for v in row] for row in lrs]
    if name.startswith("onecycle"):
        record["momenta"] = [[float_json(v) for v in row] for row in momenta]
    if metrics is not None:
        record["metrics"] = [float_json(v) for v in metrics]
    record["final"] = {"scheduler": tag(scheduler.state_dict())}
    if name.startswith("onecycle"):  # the options OneCycleLR writes into the groups
        record["final"]["optimizer"] = tag(optimizer.state_dict())
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "Tests", "TorchTests", "Fixtures", "Optim", "optim.json")
    parser.add_argument("--out", default=os.path.normpath(default))
    args = parser.parse_args()
    if not torch.__version__.startswith(EXPECTED_TORCH):
        sys.exit(f"expected torch {EXPECTED_TORCH}, found {torch.__version__}")
    torch.set_num_threads(1)
    import warnings
    warnings.filterwarnings("ignore")

    model, x, y = make_model_and_data()
    fixture = {
        "format": 1,
        "torch": torch.__version__,
        "model": {k: tensor_json(v) for k, v in model.items()},
        "data": {"x": tensor_json(x), "y": tensor_json(y)},
        "optimizers": [run_optimizer(n, c, k, model, x, y) for n, c, k in OPTIMIZERS],
        "clip": clip_cases(model, x, y),
        "schedulers": [run_scheduler(*entry) for entry in SCHEDULERS],
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(dump(fixture) + "\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out) // 1024} KiB): {len(OPTIMIZERS)} optimizer runs, "
          f"{len(fixture['clip']['cases'])} clipping cases, {len(SCHEDULERS)} schedulers")


if __name__ == "__main__":
    main()
