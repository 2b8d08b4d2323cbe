#!/usr/bin/env python3
"""PyTorch parity fixtures for SwiftLightning's GradScaler (torch.amp.GradScaler on the CPU).

Writes Tests/TorchTests/Fixtures/AMP/amp.json (or --out FILE), which
Tests/TorchTests/GradScalerParityTests.swift compares against.

- "w", "b": initial float32 weights of y = x @ w + b (w: 4x3, b: 3).
- "batches": ITERATIONS (x, y) pairs (float32, x: 5x4, y: 5x3); x of the iterations in INF_AT has
  an inf, so the gradients overflow and the step is skipped.
- "cases": for each optimizer configuration, a run of GradScaler("cpu", init_scale=2**10,
  growth_interval=3): zero_grad, scale(mse_loss).backward(), [unscale_], step, update; per
  iteration the scale and growth tracker after update, whether the step ran (parameters changed),
  and the parameters; at the end state_dict() of the scaler and the optimizer step counts.

Floats are written with Python's repr of the float32 value (exact); "inf"/"nan" as strings.

Run: ~/.cache/swiftlightning/pyenv/bin/python Tools/parity/make_amp_fixtures.py
"""

from __future__ import annotations

import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

EXPECTED_TORCH = "2.11.0"
ITERATIONS = 10
INF_AT = [2, 6, 7]


def num(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def flat(t: torch.Tensor):
    return [num(float(v)) for v in t.detach().reshape(-1).tolist()]


def run_case(name, make_optimizer, explicit_unscale, w0, b0, batches):
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = make_optimizer([w, b])
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=3)
    steps = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.mse_loss(x @ w + b, y)
        scaler.scale(loss).backward()
        if explicit_unscale:
            scaler.unscale_(opt)
        before = w.detach().clone()
        scaler.step(opt)
        scaler.update()
        stepped = not torch.equal(before, w.detach())
        steps.append({
            "scale": num(scaler.get_scale()),
            "growthTracker": scaler._get_growth_tracker(),
            "stepped": stepped,
            "w": flat(w), "b": flat(b),
        })
    state = scaler.state_dict()
    counts = [float(opt.state[p]["step"]) if "step" in opt.state[p] else None for p in (w, b)]
    return {
        "name": name, "explicitUnscale": explicit_unscale, "steps": steps,
        "stateDict": {k: num(float(v)) for k, v in state.items()},
        "stepCounts": counts,
    }


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "Tests", "TorchTests", "Fixtures", "AMP", "amp.json")
    parser.add_argument("--out", default=default)
    args = parser.parse_args()
    if torch.__version__.split("+")[0] != EXPECTED_TORCH:
        raise SystemExit(f"expected torch {EXPECTED_TORCH}, found {torch.__version__}")

    torch.manual_seed(0)
    w0 = torch.randn(4, 3) * 0.5
    b0 = torch.randn(3) * 0.1
    batches = []
    for i in range(ITERATIONS):
        x = torch.randn(5, 4)
        y = torch.randn(5, 3)
        if i in INF_AT:
            x[1, 2] = float("inf")
        batches.append((x, y))

    cases = [
        run_case("sgd-foreach", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, foreach=True), False, w0, b0, batches),
        run_case("sgd-foreach-unscale", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, foreach=True), True, w0, b0, batches),
        run_case("adam-fused", lambda p: torch.optim.Adam(p, lr=0.05, fused=True), False, w0, b0, batches),
        run_case("adam-fused-unscale", lambda p: torch.optim.Adam(p, lr=0.05, fused=True), True, w0, b0, batches),
        run_case("adamw-foreach", lambda p: torch.optim.AdamW(p, lr=0.05, foreach=True), False, w0, b0, batches),
    ]
    fixture = {
        "torch": torch.__version__,
        "w": flat(w0), "b": flat(b0),
        "batches": [{"x": flat(x), "y": flat(y)} for x, y in batches],
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
