#!/usr/bin/env python3
"""PyTorch parity fixtures for SwiftLightning's Torch layer.

Every case below runs one PyTorch operation on fixed inputs and records, in a small JSON file under
Tests/TorchTests/Fixtures/ (or --out DIR), the inputs, the outputs and, for differentiable cases, the
gradient of `sum_i (output_i * w_i).sum()` with respect to each floating input, where the `w_i` are
fixed weights stored in the fixture too. The Swift side (Tests/TorchTests/OpParityTests.swift) runs
the same operation through the Swift Torch API on the same inputs and compares.

Conventions (the Swift loader, Tests/TorchTests/Support/Fixtures.swift, reads exactly this):
- One file per group: {"format": 1, "torch": "2.11.0+...", "group": ..., "cases": [...]}.
- A case: {"id": "exp[float32]", "name": "exp", "op": "exp", "dtype": "float32", "seed": null,
  "inputs": [{"name", "dtype", "shape", "requiresGrad", "data"}], "outputs": [{"dtype", "shape",
  "data"}], "gradWeights": [data-or-null per output], "grads": {input name: data}}.
- `data` is the flattened row-major contents. Floating values are written with full float64
  precision (Python's shortest round-trip repr), so a float32 value is written exactly. NaN and
  infinities are written as the strings "nan", "inf", "-inf". Booleans are 0 and 1.
- Inputs of the case's dtype (kind "T") are drawn once in float64 and rounded to float32, so the
  float32 and float64 variants of a case see the very same input values.
- Inputs and gradient weights come from a generator seeded by a hash of the case and input name, so
  adding or removing a case never changes another one.
- `seed` (random-number cases): the Swift side calls manualSeed(seed) right before the operation, as
  this script calls torch.manual_seed(seed).

Run through Scripts/generate-fixtures.sh, which sets up the Python environment first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

EXPECTED_TORCH = "2.11.0"
FLOATS = ("float32", "float64")
HALVES = ("float16", "bfloat16")
DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
}
TORCH_TO_NAME = {v: k for k, v in DTYPES.items()}
TORCH_TO_NAME.update({torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8"})
HALF_CASES = ("add", "mul_broadcast", "div", "exp", "tanh", "sigmoid", "sum_dim", "mean", "matmul", "softmax",
              "log_softmax", "gelu", "silu", "layer_norm", "conv2d", "cross_entropy", "max_dim", "cat", "where")


# MARK: - Case description


@dataclass
class In:
    """One input. kind: "T" (the case's dtype), "int64", "int32", "bool", "float32", "float64"."""

    name: str
    shape: tuple
    kind: str = "T"
    low: float = -2.0
    high: float = 2.0
    grad: bool = True
    values: Optional[Sequence] = None  # explicit contents (flattened or nested)

    def make(self, case: str, dtype: str) -> tuple[str, np.ndarray]:
        kind = dtype if self.kind == "T" else self.kind
        if self.values is not None:
            data = np.asarray(self.values, dtype=np.float64).reshape(self.shape)
        else:
            rng = rng_for(case, self.name)
            if kind in FLOATS + HALVES:
                data = rng.uniform(self.low, self.high, size=self.shape)
            elif kind == "bool":
                data = (rng.uniform(0, 1, size=self.shape) < 0.5).astype(np.float64)
            else:
                data = rng.integers(int(self.low), int(self.high), size=self.shape).astype(np.float64)
        if kind in FLOATS + HALVES:
            data = data.astype(np.float32).astype(np.float64)  # the same values in both variants
        if kind in HALVES:  # record the values the tensor really holds
            data = torch.tensor(data, dtype=DTYPES[kind]).to(torch.float64).numpy()
        return kind, data


def T(name, *shape, low=-2.0, high=2.0, grad=True, values=None):
    """An input of the case's dtype."""
    return In(name, tuple(shape), "T", low, high, grad, values)


def Pos(name, *shape, low=0.5, high=2.0, grad=True):
    """A positive input of the case's dtype."""
    return In(name, tuple(shape), "T", low, high, grad)


def Long(name, *shape, low=0, high=4, values=None):
    return In(name, tuple(shape), "int64", low, high, False, values)


def Bool(name, *shape, values=None):
    return In(name, tuple(shape), "bool", 0, 2, False, values)


@dataclass
class Case:
    name: str
    op: str
    group: str
    fn: Callable[..., Any]
    inputs: list
    dtypes: tuple = FLOATS
    grad: bool = True
    seed: Optional[int] = None


CASES: list[Case] = []
_group = "misc"


def group(name: str) -> None:
    global _group
    _group = name


def case(name, fn, *inputs, op=None, dtypes=FLOATS, grad=True, seed=None):
    """Registers a case. `op` names the operation when several cases exercise it (default: name)."""
    if any(c.name == name for c in CASES):
        raise SystemExit(f"duplicate case name {name}")
    CASES.append(Case(name, op or name, _group, fn, list(inputs), tuple(dtypes), grad, seed))


def rng_for(*parts: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


# MARK: - Elementwise unary

group("unary")
X = lambda: T("x", 3, 4)  # noqa: E731
for name, fn in [
    ("abs", torch.abs), ("neg", torch.neg), ("exp", torch.exp), ("exp2", torch.exp2),
    ("expm1", torch.expm1), ("sin", torch.sin), ("cos", torch.cos), ("tan", torch.tan),
    ("atan", torch.atan), ("sinh", torch.sinh), ("cosh", torch.cosh), ("tanh", torch.tanh),
    ("asinh", torch.asinh), ("sigmoid", torch.sigmoid), ("square", torch.square),
    ("ceil", torch.ceil), ("floor", torch.floor), ("round", torch.round), ("trunc", torch.trunc),
    ("frac", torch.frac), ("sign", torch.sign), ("sgn", torch.sgn), ("erf", torch.erf),
    ("erfc", torch.erfc), ("sinc", torch.sinc), ("deg2rad", torch.deg2rad),
    ("rad2deg", torch.rad2deg), ("positive", torch.positive), ("i0", torch.i0),
    ("special_entr", torch.special.entr), ("clone", torch.clone),
]:
    case(name, fn, X())
case("round_decimals", lambda x: torch.round(x, decimals=2), X(), op="round")
for name, fn in [
    ("log", torch.log), ("log2", torch.log2), ("log10", torch.log10), ("sqrt", torch.sqrt),
    ("rsqrt", torch.rsqrt), ("reciprocal", torch.reciprocal), ("lgamma", torch.lgamma),
    ("digamma", torch.digamma),
]:
    case(name, fn, Pos("x", 3, 4))
case("log1p", torch.log1p, T("x", 3, 4, low=-0.5, high=2))
case("acosh", torch.acosh, T("x", 3, 4, low=1.2, high=3))
for name, fn in [("asin", torch.asin), ("acos", torch.acos), ("atanh", torch.atanh),
                 ("erfinv", torch.erfinv)]:
    case(name, fn, T("x", 3, 4, low=-0.9, high=0.9))
case("logit", torch.logit, T("x", 3, 4, low=0.05, high=0.95))
case("logit_eps", lambda x: torch.logit(x, eps=0.1), T("x", 3, 4, low=0.0, high=1.0), op="logit")
case("nan_to_num", lambda x: torch.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0),
     T("x", 2, 3, values=[1.5, float("nan"), float("inf"), -2.0, float("-inf"), 0.25]), grad=False)
case("isnan", torch.isnan, T("x", 2, 3, values=[1.5, float("nan"), float("inf"), -2.0, float("-inf"), 0.25]))
case("isinf", torch.isinf, T("x", 2, 3, values=[1.5, float("nan"), float("inf"), -2.0, float("-inf"), 0.25]))
case("isfinite", torch.isfinite, T("x", 2, 3, values=[1.5, float("nan"), float("inf"), -2.0, float("-inf"), 0.25]))

# MARK: - Binary arithmetic, broadcasting, scalars

group("binary")
XY = lambda: (T("x", 3, 4), T("y", 3, 4))  # noqa: E731
case("add", torch.add, *XY())
case("add_alpha", lambda x, y: torch.add(x, y, alpha=2.5), *XY(), op="add")
case("add_broadcast", torch.add, T("x", 3, 4), T("y", 4), op="add")
case("add_scalar", lambda x: torch.add(x, 1.5), T("x", 3, 4), op="add")
case("sub", torch.sub, *XY())
case("sub_broadcast", torch.sub, T("x", 2, 1, 4), T("y", 3, 1), op="sub")
case("rsub_scalar", lambda x: torch.rsub(x, 2.0), T("x", 3, 4), op="rsub")
case("mul", torch.mul, *XY())
case("mul_broadcast", torch.mul, T("x", 2, 1, 4), T("y", 3, 1), op="mul")
case("mul_scalar", lambda x: torch.mul(x, -3), T("x", 3, 4), op="mul")
case("div", torch.div, T("x", 3, 4), Pos("y", 3, 4))
case("div_scalar", lambda x: torch.div(x, 4.0), T("x", 3, 4), op="div")
case("div_floor", lambda x, y: torch.div(x, y, rounding_mode="floor"), T("x", 3, 4, low=-6, high=6),
     Pos("y", 3, 4), op="div")
case("div_trunc", lambda x, y: torch.div(x, y, rounding_mode="trunc"), T("x", 3, 4, low=-6, high=6),
     Pos("y", 3, 4), op="div")
case("floor_divide", torch.floor_divide, T("x", 3, 4, low=-6, high=6), Pos("y", 3, 4), grad=False)
case("pow", torch.pow, Pos("x", 3, 4), T("y", 3, 4))
case("pow_scalar", lambda x: torch.pow(x, 3), T("x", 3, 4), op="pow")
case("pow_scalar_base", lambda x: torch.pow(2.0, x), T("x", 3, 4), op="pow")
case("float_power", torch.float_power, Pos("x", 3, 4), T("y", 3, 4), dtypes=("float64",))
case("atan2", torch.atan2, *XY())
case("maximum", torch.maximum, *XY())
case("minimum", torch.minimum, *XY())
case("fmax", torch.fmax, *XY())
case("fmin", torch.fmin, *XY())
case("fmod", torch.fmod, T("x", 3, 4, low=-6, high=6), Pos("y", 3, 4))
case("remainder", torch.remainder, T("x", 3, 4, low=-6, high=6), Pos("y", 3, 4))
case("remainder_scalar", lambda x: torch.remainder(x, 1.5), T("x", 3, 4, low=-6, high=6), op="remainder")
case("hypot", torch.hypot, *XY())
case("copysign", torch.copysign, *XY())
case("xlogy", torch.xlogy, T("x", 3, 4), Pos("y", 3, 4))
case("logaddexp", torch.logaddexp, *XY())
case("logaddexp2", torch.logaddexp2, *XY())
case("lerp", lambda x, y: torch.lerp(x, y, 0.3), *XY())
case("lerp_tensor", torch.lerp, T("x", 3, 4), T("y", 3, 4), T("w", 3, 4, low=0, high=1), op="lerp")
case("addcmul", lambda x, a, b: torch.addcmul(x, a, b, value=0.5), T("x", 3, 4), T("a", 3, 4), T("b", 3, 4))
case("addcdiv", lambda x, a, b: torch.addcdiv(x, a, b, value=0.5), T("x", 3, 4), T("a", 3, 4), Pos("b", 3, 4))
case("clamp", lambda x: torch.clamp(x, -0.5, 0.8), T("x", 3, 4))
case("clamp_tensor", torch.clamp, T("x", 3, 4), T("lo", 3, 4, low=-1.5, high=-0.2), T("hi", 4, low=0.2, high=1.5),
     op="clamp")
case("clamp_min", lambda x: torch.clamp_min(x, 0.1), T("x", 3, 4))
case("clamp_max", lambda x: torch.clamp_max(x, 0.1), T("x", 3, 4))
case("heaviside", torch.heaviside, T("x", 2, 3, values=[-1.5, 0.0, 2.0, 0.0, 3.0, -0.5]), T("v", 3), grad=False)
case("gcd", torch.gcd, T("x", 3, 4, low=1, high=40), T("y", 3, 4, low=1, high=40), dtypes=("int64", "int32"))
case("lcm", torch.lcm, T("x", 3, 4, low=1, high=20), T("y", 3, 4, low=1, high=20), dtypes=("int64", "int32"))
case("add_int", torch.add, T("x", 3, 4, low=-50, high=50), T("y", 3, 4, low=-50, high=50), op="add",
     dtypes=("int64", "int32"))
case("mul_int_scalar", lambda x: torch.mul(x, 3), T("x", 3, 4, low=-50, high=50), op="mul", dtypes=("int64", "int32"))
case("div_int_promotes", torch.div, T("x", 3, 4, low=-50, high=50), T("y", 3, 4, low=1, high=9), op="div",
     dtypes=("int64",))
case("remainder_int", torch.remainder, T("x", 3, 4, low=-50, high=50), T("y", 3, 4, low=1, high=9),
     op="remainder", dtypes=("int64", "int32"))
case("floor_divide_int", torch.floor_divide, T("x", 3, 4, low=-50, high=50), T("y", 3, 4, low=1, high=9),
     op="floor_divide", dtypes=("int64",))

# MARK: - Comparisons and logic

group("compare")
for name, fn in [("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt), ("le", torch.le), ("gt", torch.gt),
                 ("ge", torch.ge)]:
    case(name, fn, T("x", 3, 4, low=-2, high=2), T("y", 3, 4, low=-2, high=2), dtypes=("float32", "float64", "int64"))
case("eq_scalar", lambda x: torch.eq(x, 1), T("x", 3, 4, low=0, high=3), op="eq", dtypes=("int64",))
case("gt_scalar", lambda x: torch.gt(x, 0.25), T("x", 3, 4), op="gt")
case("le_broadcast", torch.le, T("x", 3, 4), T("y", 4), op="le")
case("isclose", lambda x, y: torch.isclose(x, y, rtol=0.1, atol=0.05), T("x", 3, 4),
     T("y", 3, 4, values=[0.0] * 12))
case("logical_and", torch.logical_and, Bool("a", 3, 4), Bool("b", 3, 4), dtypes=("bool",))
case("logical_or", torch.logical_or, Bool("a", 3, 4), Bool("b", 3, 4), dtypes=("bool",))
case("logical_xor", torch.logical_xor, Bool("a", 3, 4), Bool("b", 3, 4), dtypes=("bool",))
case("logical_not", torch.logical_not, Bool("a", 3, 4), dtypes=("bool",))
case("bitwise_and", torch.bitwise_and, T("x", 3, 4, low=0, high=64), T("y", 3, 4, low=0, high=64),
     dtypes=("int64", "int32"))
case("bitwise_or", torch.bitwise_or, T("x", 3, 4, low=0, high=64), T("y", 3, 4, low=0, high=64),
     dtypes=("int64", "int32"))
case("bitwise_xor", torch.bitwise_xor, T("x", 3, 4, low=0, high=64), T("y", 3, 4, low=0, high=64),
     dtypes=("int64", "int32"))
case("bitwise_not", torch.bitwise_not, T("x", 3, 4, low=-64, high=64), dtypes=("int64", "int32"))
case("bitwise_left_shift", torch.bitwise_left_shift, T("x", 3, 4, low=0, high=64), T("y", 3, 4, low=0, high=5),
     dtypes=("int64",))
case("any", torch.any, Bool("a", 3, 4, values=[0] * 11 + [1]), dtypes=("bool",))
case("all", torch.all, Bool("a", 3, 4, values=[1] * 11 + [0]), dtypes=("bool",))
case("any_dim", lambda a: torch.any(a, dim=1), Bool("a", 3, 4), op="any", dtypes=("bool",))
case("all_dim", lambda a: torch.all(a, dim=0), Bool("a", 3, 4), op="all", dtypes=("bool",))
case("where", torch.where, Bool("c", 3, 4), T("x", 3, 4), T("y", 3, 4))
case("where_broadcast", torch.where, Bool("c", 3, 1), T("x", 4), T("y", 3, 4), op="where")
case("where_scalar", lambda c, x: torch.where(c, x, 0.0), Bool("c", 3, 4), T("x", 3, 4), op="where")
case("maximum_int", torch.maximum, T("x", 3, 4, low=-9, high=9), T("y", 3, 4, low=-9, high=9),
     op="maximum", dtypes=("int64",))

# MARK: - Reductions, scans, sorting

group("reduce")
R = lambda: T("x", 3, 4, 5)  # noqa: E731
case("sum", torch.sum, R())
case("sum_dim", lambda x: torch.sum(x, dim=1), R(), op="sum")
case("sum_dims_keepdim", lambda x: torch.sum(x, dim=(0, 2), keepdim=True), R(), op="sum")
case("sum_int", torch.sum, T("x", 3, 4, low=-9, high=9), op="sum", dtypes=("int64", "int32"))
case("mean", torch.mean, R())
case("mean_dim", lambda x: torch.mean(x, dim=-1, keepdim=True), R(), op="mean")
case("prod", torch.prod, T("x", 2, 4, low=0.5, high=1.5))
case("prod_dim", lambda x: torch.prod(x, dim=1), R(), op="prod")
case("max", torch.max, R())
case("max_dim", lambda x: torch.max(x, dim=1), R(), op="max")
case("max_dim_keepdim", lambda x: torch.max(x, dim=0, keepdim=True), R(), op="max")
case("min", torch.min, R())
case("min_dim", lambda x: torch.min(x, dim=2), R(), op="min")
case("amax", lambda x: torch.amax(x, dim=(0, 2)), R())
case("amin", lambda x: torch.amin(x, dim=1), R())
case("aminmax", lambda x: torch.aminmax(x, dim=1), R())
case("argmax", torch.argmax, R())
case("argmax_dim", lambda x: torch.argmax(x, dim=1), R(), op="argmax")
case("argmin", lambda x: torch.argmin(x, dim=2, keepdim=True), R())
case("std", torch.std, R())
case("std_dim_correction0", lambda x: torch.std(x, dim=1, correction=0), R(), op="std")
case("var", torch.var, R())
case("var_dim_unbiased_false", lambda x: torch.var(x, dim=(0, 1), unbiased=False, keepdim=True), R(), op="var")
case("var_mean", lambda x: torch.var_mean(x, dim=1), R())
case("std_mean", lambda x: torch.std_mean(x, dim=2, correction=0), R())
case("norm", torch.norm, R())
case("norm_p1_dim", lambda x: torch.norm(x, p=1, dim=1), R(), op="norm")
case("linalg_vector_norm", lambda x: torch.linalg.vector_norm(x, ord=3, dim=-1), R())
case("logsumexp", lambda x: torch.logsumexp(x, dim=1), R())
case("cumsum", lambda x: torch.cumsum(x, dim=1), R())
case("cumprod", lambda x: torch.cumprod(x, dim=2), T("x", 3, 4, 5, low=0.5, high=1.5))
case("cummax", lambda x: torch.cummax(x, dim=1), R())
case("cummin", lambda x: torch.cummin(x, dim=2), R())
case("logcumsumexp", lambda x: torch.logcumsumexp(x, dim=1), R())
case("median", torch.median, R())
case("median_dim", lambda x: torch.median(x, dim=1), R(), op="median")
case("nanmedian", lambda x: torch.nanmedian(x, dim=1),
     T("x", 2, 4, values=[1.0, float("nan"), -2.0, 0.5, 3.0, 0.25, float("nan"), -1.0]), grad=False)
case("nansum", torch.nansum, T("x", 2, 3, values=[1.0, float("nan"), -2.5, 0.5, 3.0, float("nan")]), grad=False)
case("nanmean", lambda x: torch.nanmean(x, dim=1),
     T("x", 2, 3, values=[1.0, float("nan"), -2.5, 0.5, 3.0, float("nan")]), grad=False)
case("count_nonzero", lambda x: torch.count_nonzero(x, dim=1),
     T("x", 3, 4, values=[0, 1, 0, 2, 3, 0, 0, 0, 1, 1, 1, 0]), grad=False)
case("sort", lambda x: torch.sort(x, dim=1), R())
case("sort_descending", lambda x: torch.sort(x, dim=-1, descending=True), R(), op="sort")
case("argsort", lambda x: torch.argsort(x, dim=1), R())
case("topk", lambda x: torch.topk(x, 2, dim=-1), R())
case("topk_smallest", lambda x: torch.topk(x, 3, dim=1, largest=False), R(), op="topk")
case("kthvalue", lambda x: torch.kthvalue(x, 2, dim=1), R())
case("trace", torch.trace, T("x", 4, 4))
case("dist", lambda x, y: torch.dist(x, y, p=3), T("x", 3, 4), T("y", 3, 4))
case("diff", lambda x: torch.diff(x, dim=1), R())
case("renorm", lambda x: torch.renorm(x, p=2, dim=0, maxnorm=1.0), T("x", 3, 4))
case("histc", lambda x: torch.histc(x, bins=5, min=-2, max=2), T("x", 20), grad=False)
case("bincount", torch.bincount, Long("x", 10, low=0, high=6), dtypes=("int64",))
case("bincount_weights", lambda x, w: torch.bincount(x, weights=w), Long("x", 10, low=0, high=6), T("w", 10),
     op="bincount", grad=False)
case("unique", lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
     Long("x", 12, low=0, high=6), dtypes=("int64",))
case("unique_consecutive", lambda x: torch.unique_consecutive(x, return_counts=True),
     Long("x", 10, values=[1, 1, 2, 2, 2, 3, 1, 1, 4, 4]), dtypes=("int64",))
case("searchsorted", torch.searchsorted, T("s", 6, values=[-1.5, -0.5, 0.0, 0.5, 1.0, 2.0]), T("x", 3, 4))
case("bucketize", lambda x, b: torch.bucketize(x, b, right=True), T("x", 3, 4),
     T("b", 5, values=[-1.5, -0.5, 0.0, 0.5, 1.0]))

# MARK: - Shape and view operations

group("shape")
S = lambda: T("x", 2, 3, 4)  # noqa: E731
case("reshape", lambda x: torch.reshape(x, (4, -1)), S())
case("view", lambda x: x.view(6, 4), S())
case("permute", lambda x: x.permute(2, 0, 1), S())
case("transpose", lambda x: torch.transpose(x, 0, 2), S())
case("t", torch.t, T("x", 3, 4))
case("squeeze", torch.squeeze, T("x", 3, 1, 4, 1))
case("squeeze_dim", lambda x: torch.squeeze(x, 1), T("x", 3, 1, 4, 1), op="squeeze")
case("unsqueeze", lambda x: torch.unsqueeze(x, 1), S())
case("flatten", torch.flatten, S())
case("flatten_range", lambda x: torch.flatten(x, 1, 2), S(), op="flatten")
case("unflatten", lambda x: torch.unflatten(x, 2, (2, 2)), S())
case("expand", lambda x: x.expand(3, 2, 4), T("x", 2, 1))
case("expand_as", lambda x, y: x.expand_as(y), T("x", 1, 4), T("y", 3, 4, grad=False))
case("broadcast_to", lambda x: torch.broadcast_to(x, (2, 3, 4)), T("x", 3, 1))
case("broadcast_tensors", lambda x, y: torch.broadcast_tensors(x, y), T("x", 3, 1), T("y", 1, 4))
case("cat", lambda x, y: torch.cat([x, y], dim=1), T("x", 2, 3), T("y", 2, 2))
case("stack", lambda x, y: torch.stack([x, y], dim=1), T("x", 2, 3), T("y", 2, 3))
case("hstack", lambda x, y: torch.hstack([x, y]), T("x", 2, 3), T("y", 2, 2))
case("vstack", lambda x, y: torch.vstack([x, y]), T("x", 2, 3), T("y", 1, 3))
case("split", lambda x: torch.split(x, 2, dim=2), S())
case("split_sizes", lambda x: torch.split(x, [1, 3], dim=2), S(), op="split_with_sizes")
case("chunk", lambda x: torch.chunk(x, 3, dim=1), S())
case("unbind", lambda x: torch.unbind(x, dim=1), S())
case("narrow", lambda x: torch.narrow(x, 2, 1, 2), S())
case("select", lambda x: torch.select(x, 1, 2), S())
case("slice", lambda x: x[:, 1:3, ::2], S())
case("roll", lambda x: torch.roll(x, shifts=(1, -1), dims=(0, 2)), S())
case("flip", lambda x: torch.flip(x, dims=(0, 2)), S())
case("rot90", lambda x: torch.rot90(x, 1, dims=(1, 2)), S())
case("tril", lambda x: torch.tril(x, diagonal=-1), T("x", 4, 5))
case("triu", lambda x: torch.triu(x, diagonal=1), T("x", 4, 5))
case("diag", torch.diag, T("x", 4))
case("diagonal", lambda x: torch.diagonal(x, offset=1, dim1=1, dim2=2), S())
case("diag_embed", torch.diag_embed, T("x", 2, 3))
case("repeat", lambda x: x.repeat(2, 1, 3), T("x", 2, 3))
case("repeat_interleave", lambda x: torch.repeat_interleave(x, 2, dim=1), T("x", 2, 3))
case("tile", lambda x: torch.tile(x, (2, 2)), T("x", 2, 3))
case("movedim", lambda x: torch.movedim(x, 0, 2), S())
case("swapaxes", lambda x: torch.swapaxes(x, 0, 1), S())
case("unfold", lambda x: x.unfold(1, 3, 2), T("x", 2, 7))
case("atleast_2d", torch.atleast_2d, T("x", 4))
case("block_diag", lambda x, y: torch.block_diag(x, y), T("x", 2, 2), T("y", 1, 3))
case("cartesian_prod", lambda x, y: torch.cartesian_prod(x, y), T("x", 3), T("y", 2))
case("contiguous", lambda x: x.transpose(0, 1).contiguous(), T("x", 3, 4))

# MARK: - Indexing, gathering, scattering

group("index")
case("gather", lambda x, i: torch.gather(x, 1, i), T("x", 3, 4), Long("i", 3, 2, low=0, high=4))
case("scatter", lambda x, i, s: torch.scatter(x, 1, i, s), T("x", 3, 4),
     Long("i", 3, 2, values=[0, 2, 1, 3, 3, 0]), T("s", 3, 2))
case("scatter_value", lambda x, i: torch.scatter(x, 1, i, 2.5), T("x", 3, 4),
     Long("i", 3, 2, values=[0, 2, 1, 3, 3, 0]), op="scatter")
case("scatter_add", lambda x, i, s: torch.scatter_add(x, 1, i, s), T("x", 3, 4),
     Long("i", 3, 3, values=[0, 2, 0, 1, 1, 3, 3, 0, 3]), T("s", 3, 3))
case("scatter_reduce", lambda x, i, s: torch.scatter_reduce(x, 0, i, s, reduce="amax", include_self=False),
     T("x", 3, 4), Long("i", 2, 4, values=[0, 1, 2, 0, 2, 2, 1, 0]), T("s", 2, 4))
case("index_select", lambda x, i: torch.index_select(x, 1, i), T("x", 3, 4), Long("i", 3, values=[3, 0, 3]))
case("index_add", lambda x, i, s: torch.index_add(x, 0, i, s, alpha=2.0), T("x", 3, 4),
     Long("i", 2, values=[2, 0]), T("s", 2, 4))
case("index_copy", lambda x, i, s: torch.index_copy(x, 1, i, s), T("x", 3, 4),
     Long("i", 2, values=[3, 1]), T("s", 3, 2))
case("index_fill", lambda x, i: torch.index_fill(x, 1, i, -1.0), T("x", 3, 4), Long("i", 2, values=[0, 2]))
case("index", lambda x, i: x[i], T("x", 4, 3), Long("i", 5, values=[3, 0, 0, 2, 1]))
case("index_2d", lambda x, i, j: x[i, j], T("x", 4, 3), Long("i", 3, values=[3, 0, 2]),
     Long("j", 3, values=[1, 1, 0]), op="index")
case("index_put", lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True), T("x", 4, 3),
     Long("i", 3, values=[1, 3, 1]), T("v", 3, 3))
case("masked_fill", lambda x, m: torch.masked_fill(x, m, -0.5), T("x", 3, 4), Bool("m", 3, 4))
case("masked_select", torch.masked_select, T("x", 3, 4), Bool("m", 3, 4))
case("masked_scatter", torch.masked_scatter, T("x", 3, 4), Bool("m", 3, 4), T("s", 12))
case("take", torch.take, T("x", 3, 4), Long("i", 5, values=[11, 0, 5, 5, 7]))
case("take_along_dim", lambda x, i: torch.take_along_dim(x, i, dim=1), T("x", 3, 4), Long("i", 3, 2, low=0, high=4))
case("nonzero", torch.nonzero, T("x", 3, 4, values=[0, 1, 0, 2, 3, 0, 0, 0, 1, 1, 1, 0]), grad=False)
case("isin", torch.isin, Long("x", 3, 4, low=0, high=8), Long("t", 3, values=[1, 5, 7]), dtypes=("int64",))
case("one_hot", lambda x: F.one_hot(x, num_classes=5), Long("x", 6, low=0, high=5), dtypes=("int64",))

# MARK: - Matrix products

group("matmul")
case("matmul", torch.matmul, T("a", 2, 3, 4), T("b", 4, 5))
case("matmul_vector", torch.matmul, T("a", 3, 4), T("b", 4), op="matmul")
case("mm", torch.mm, T("a", 3, 4), T("b", 4, 2))
case("bmm", torch.bmm, T("a", 2, 3, 4), T("b", 2, 4, 2))
case("mv", torch.mv, T("a", 3, 4), T("v", 4))
case("dot", torch.dot, T("a", 5), T("b", 5))
case("inner", torch.inner, T("a", 2, 4), T("b", 3, 4))
case("outer", torch.outer, T("a", 3), T("b", 4))
case("kron", torch.kron, T("a", 2, 2), T("b", 2, 3))
case("einsum", lambda a, b: torch.einsum("bij,bjk->bik", a, b), T("a", 2, 3, 4), T("b", 2, 4, 2))
case("einsum_trace_outer", lambda a, b: torch.einsum("ii,j->j", a, b), T("a", 3, 3), T("b", 4), op="einsum")
case("tensordot", lambda a, b: torch.tensordot(a, b, dims=([1, 2], [0, 1])), T("a", 2, 3, 4), T("b", 3, 4, 2))
case("linear", F.linear, T("x", 2, 3, 4), T("w", 5, 4), T("b", 5))
case("linear_nobias", F.linear, T("x", 3, 4), T("w", 5, 4), op="linear")
case("bilinear", F.bilinear, T("x1", 3, 4), T("x2", 3, 2), T("w", 5, 4, 2), T("b", 5))
case("addmm", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0), T("c", 3, 2), T("a", 3, 4), T("b", 4, 2))
case("addmv", torch.addmv, T("c", 3), T("a", 3, 4), T("v", 4))
case("baddbmm", torch.baddbmm, T("c", 2, 3, 2), T("a", 2, 3, 4), T("b", 2, 4, 2))
case("addbmm", torch.addbmm, T("c", 3, 2), T("a", 2, 3, 4), T("b", 2, 4, 2))
case("cross", lambda a, b: torch.linalg.cross(a, b, dim=1), T("a", 2, 3), T("b", 2, 3), op="linalg_cross")
case("cdist", torch.cdist, T("a", 3, 4), T("b", 2, 4))
case("multi_dot", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), T("a", 2, 3), T("b", 3, 4), T("c", 4, 2),
     op="linalg_multi_dot")
case("matrix_power", lambda a: torch.linalg.matrix_power(a, 3), T("a", 3, 3, low=-1, high=1), op="linalg_matrix_power")

# MARK: - Activations

group("activation")
A = lambda: T("x", 3, 5, low=-3, high=3)  # noqa: E731
for name, fn in [
    ("relu", F.relu), ("relu6", lambda x: F.relu6(x * 3)), ("gelu", F.gelu),
    ("silu", F.silu), ("mish", F.mish), ("selu", F.selu), ("hardsigmoid", F.hardsigmoid),
    ("hardswish", F.hardswish), ("log_sigmoid", F.logsigmoid),
]:
    case(name, fn, A())
case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), A(), op="gelu")
case("softplus", lambda x: F.softplus(x, beta=2.0, threshold=4.0), A())
case("elu", lambda x: F.elu(x, alpha=0.7), A())
case("celu", lambda x: F.celu(x, alpha=1.3), A())
case("leaky_relu", lambda x: F.leaky_relu(x, 0.2), A())
case("hardtanh", lambda x: F.hardtanh(x, -1.5, 2.0), A())
case("hardshrink", lambda x: F.hardshrink(x, 0.7), A())
case("softshrink", lambda x: F.softshrink(x, 0.7), A())
case("threshold", lambda x: F.threshold(x, 0.5, -1.0), A())
case("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3, training=False), A(), op="rrelu")
case("prelu", F.prelu, T("x", 2, 3, 4), T("w", 3, low=0, high=0.5))
case("glu", lambda x: F.glu(x, dim=-1), T("x", 3, 4))
case("softmax", lambda x: F.softmax(x, dim=1), A())
case("softmax_dim0", lambda x: F.softmax(x, dim=0), T("x", 2, 3, 4), op="softmax")
case("log_softmax", lambda x: F.log_softmax(x, dim=-1), A())

# MARK: - Neural network functions

group("nn")
case("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=1, padding=1), T("x", 2, 3, 7), T("w", 4, 3, 3), T("b", 4))
case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), T("x", 2, 3, 5, 5), T("w", 4, 3, 3, 3),
     T("b", 4))
case("conv2d_stride_dilation_groups", lambda x, w: F.conv2d(x, w, None, stride=2, padding=2, dilation=2, groups=2),
     T("x", 1, 4, 6, 6), T("w", 4, 2, 3, 3), op="conv2d")
case("conv3d", lambda x, w, b: F.conv3d(x, w, b, padding=1), T("x", 1, 2, 3, 4, 4), T("w", 3, 2, 2, 3, 3), T("b", 3))
case("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1),
     T("x", 2, 3, 5), T("w", 3, 2, 3), T("b", 2))
case("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     T("x", 1, 3, 4, 4), T("w", 3, 2, 3, 3), T("b", 2))
case("max_pool1d", lambda x: F.max_pool1d(x, 3, stride=2, padding=1), T("x", 2, 3, 8))
case("max_pool2d", lambda x: F.max_pool2d(x, 2), T("x", 2, 3, 6, 6))
case("max_pool2d_padded_ceil", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
     T("x", 1, 2, 7, 7), op="max_pool2d")
case("max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2, return_indices=True), T("x", 1, 2, 4, 6))
case("avg_pool1d", lambda x: F.avg_pool1d(x, 3, stride=2), T("x", 2, 3, 9))
case("avg_pool2d", lambda x: F.avg_pool2d(x, 2), T("x", 2, 3, 6, 6))
case("avg_pool2d_padded", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
     T("x", 1, 2, 7, 7), op="avg_pool2d")
case("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), T("x", 2, 3, 8))
case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), T("x", 2, 3, 5, 7))
case("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 2), return_indices=True), T("x", 1, 2, 5, 6))
case("batch_norm_eval", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=False, eps=1e-5),
     T("x", 4, 3, 2, 2), T("m", 3, grad=False), Pos("v", 3, grad=False), T("w", 3), T("b", 3), op="batch_norm")
case("batch_norm_train", lambda x, m, v, w, b: (F.batch_norm(x, m, v, w, b, training=True, momentum=0.2), m, v),
     T("x", 4, 3, 2, 2), T("m", 3, grad=False), Pos("v", 3, grad=False), T("w", 3), T("b", 3), op="batch_norm")
case("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b), T("x", 2, 3, 4, 4), T("w", 3), T("b", 3))
case("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), T("x", 2, 3, 4), T("w", 4), T("b", 4))
case("layer_norm_2d_noaffine", lambda x: F.layer_norm(x, (3, 4), eps=1e-3), T("x", 2, 3, 4), op="layer_norm")
case("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), T("x", 2, 4, 3, 3), T("w", 4), T("b", 4))
case("rms_norm", lambda x, w: F.rms_norm(x, (4,), w, eps=1e-6), T("x", 2, 3, 4), T("w", 4))
case("embedding", lambda i, w: F.embedding(i, w), Long("i", 2, 3, low=0, high=6), T("w", 6, 4))
case("embedding_padding_idx", lambda i, w: F.embedding(i, w, padding_idx=0),
     Long("i", 2, 3, values=[0, 3, 5, 1, 0, 3]), T("w", 6, 4), op="embedding")
case("embedding_bag", lambda i, o, w: F.embedding_bag(i, w, o, mode="mean"),
     Long("i", 7, low=0, high=6), Long("o", 3, values=[0, 2, 5]), T("w", 6, 4))
case("dropout_eval", lambda x: F.dropout(x, p=0.5, training=False), T("x", 3, 4), op="dropout")
case("dropout_p0", lambda x: F.dropout(x, p=0.0, training=True), T("x", 3, 4), op="dropout")
case("sdpa", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
     T("q", 2, 2, 3, 4), T("k", 2, 2, 5, 4), T("v", 2, 2, 5, 4), op="scaled_dot_product_attention")
case("sdpa_causal_scale", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
     T("q", 1, 2, 4, 4), T("k", 1, 2, 4, 4), T("v", 1, 2, 4, 3), op="scaled_dot_product_attention")
case("sdpa_mask", lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
     T("q", 1, 2, 3, 4), T("k", 1, 2, 5, 4), T("v", 1, 2, 5, 4),
     Bool("m", 3, 5, values=[1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1]), op="scaled_dot_product_attention")
case("pad_constant", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), T("x", 1, 2, 3, 3), op="pad")
case("pad_reflect", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), T("x", 1, 2, 3, 4), op="pad")
case("pad_replicate", lambda x: F.pad(x, (2, 1), mode="replicate"), T("x", 1, 2, 4), op="pad")
case("pad_circular", lambda x: F.pad(x, (1, 1, 1, 1), mode="circular"), T("x", 1, 2, 3, 3), op="pad")
case("interpolate_nearest", lambda x: F.interpolate(x, size=(4, 6), mode="nearest"), T("x", 1, 2, 2, 3),
     op="upsample_nearest2d")
case("interpolate_bilinear", lambda x: F.interpolate(x, size=(5, 4), mode="bilinear", align_corners=False),
     T("x", 1, 2, 3, 3), op="upsample_bilinear2d")
case("interpolate_bilinear_align", lambda x: F.interpolate(x, size=(5, 4), mode="bilinear", align_corners=True),
     T("x", 1, 2, 3, 3), op="upsample_bilinear2d")
case("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), T("x", 1, 8, 2, 3))
case("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), T("x", 1, 2, 4, 6))
case("unfold_im2col", lambda x: F.unfold(x, kernel_size=(2, 3), padding=1, stride=2), T("x", 1, 2, 4, 5), op="im2col")
case("fold_col2im", lambda x: F.fold(x, output_size=(4, 5), kernel_size=(2, 2)), T("x", 1, 8, 12), op="col2im")
case("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=1), T("a", 3, 5), T("b", 3, 5))
case("pairwise_distance", F.pairwise_distance, T("a", 3, 5), T("b", 3, 5))
case("grid_sample", lambda x, g: F.grid_sample(x, g, mode="bilinear", padding_mode="zeros", align_corners=False),
     T("x", 1, 2, 4, 5), T("g", 1, 3, 2, 2, low=-1.1, high=1.1), op="grid_sampler")
case("affine_grid", lambda t: F.affine_grid(t, [1, 1, 3, 4], align_corners=False), T("t", 1, 2, 3),
     op="affine_grid_generator")

# MARK: - Losses

group("loss")
LOGITS = lambda: T("x", 5, 4, low=-3, high=3)  # noqa: E731
TARGET = lambda: Long("y", 5, values=[0, 3, 1, 3, 2])  # noqa: E731
case("cross_entropy", F.cross_entropy, LOGITS(), TARGET(), op="cross_entropy_loss")
case("cross_entropy_weight", lambda x, y, w: F.cross_entropy(x, y, weight=w), LOGITS(), TARGET(),
     Pos("w", 4, grad=False), op="cross_entropy_loss")
case("cross_entropy_ignore_index", lambda x, y: F.cross_entropy(x, y, ignore_index=3), LOGITS(), TARGET(),
     op="cross_entropy_loss")
case("cross_entropy_label_smoothing", lambda x, y, w: F.cross_entropy(x, y, weight=w, label_smoothing=0.1),
     LOGITS(), TARGET(), Pos("w", 4, grad=False), op="cross_entropy_loss")
case("cross_entropy_sum", lambda x, y: F.cross_entropy(x, y, reduction="sum"), LOGITS(), TARGET(),
     op="cross_entropy_loss")
case("cross_entropy_none_2d", lambda x, y: F.cross_entropy(x, y, reduction="none"), T("x", 2, 3, 2, 2),
     Long("y", 2, 2, 2, low=0, high=3), op="cross_entropy_loss")
case("cross_entropy_probs", lambda x, p: F.cross_entropy(x, p, label_smoothing=0.05), LOGITS(),
     T("p", 5, 4, low=0, high=1, grad=False), op="cross_entropy_loss")
case("nll_loss", lambda x, y: F.nll_loss(F.log_softmax(x, 1), y), LOGITS(), TARGET())
case("nll_loss_weight_ignore", lambda x, y, w: F.nll_loss(x, y, weight=w, ignore_index=1, reduction="sum"),
     LOGITS(), TARGET(), Pos("w", 4, grad=False), op="nll_loss")
case("mse_loss", F.mse_loss, T("x", 3, 4), T("y", 3, 4))
case("mse_loss_sum", lambda x, y: F.mse_loss(x, y, reduction="sum"), T("x", 3, 4), T("y", 3, 4), op="mse_loss")
case("l1_loss", F.l1_loss, T("x", 3, 4), T("y", 3, 4))
case("l1_loss_none", lambda x, y: F.l1_loss(x, y, reduction="none"), T("x", 3, 4), T("y", 3, 4), op="l1_loss")
case("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), T("x", 3, 4), T("y", 3, 4))
case("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.8), T("x", 3, 4), T("y", 3, 4))
case("binary_cross_entropy", F.binary_cross_entropy, T("x", 3, 4, low=0.05, high=0.95),
     T("y", 3, 4, low=0, high=1, grad=False))
case("binary_cross_entropy_weight", lambda x, y, w: F.binary_cross_entropy(x, y, weight=w, reduction="sum"),
     T("x", 3, 4, low=0.05, high=0.95), T("y", 3, 4, low=0, high=1, grad=False), Pos("w", 3, 4, grad=False),
     op="binary_cross_entropy")
case("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, T("x", 3, 4),
     T("y", 3, 4, low=0, high=1))
case("binary_cross_entropy_with_logits_pos_weight",
     lambda x, y, p: F.binary_cross_entropy_with_logits(x, y, pos_weight=p), T("x", 3, 4),
     T("y", 3, 4, low=0, high=1, grad=False), Pos("p", 4, grad=False), op="binary_cross_entropy_with_logits")
case("kl_div", lambda x, y: F.kl_div(x, y, reduction="sum"), T("x", 3, 4, low=-3, high=-0.1),
     T("y", 3, 4, low=0.01, high=1))
case("kl_div_log_target", lambda x, y: F.kl_div(x, y, reduction="none", log_target=True),
     T("x", 3, 4, low=-3, high=-0.1), T("y", 3, 4, low=-3, high=-0.1), op="kl_div")
case("cosine_embedding_loss", lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1), T("a", 4, 5),
     T("b", 4, 5), T("y", 4, values=[1, -1, -1, 1], grad=False))
case("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.2), T("a", 6), T("b", 6),
     T("y", 6, values=[1, -1, 1, 1, -1, -1], grad=False))
case("hinge_embedding_loss", lambda x, y: F.hinge_embedding_loss(x, y, margin=1.5), T("x", 6),
     T("y", 6, values=[1, -1, 1, 1, -1, -1], grad=False))
case("soft_margin_loss", F.soft_margin_loss, T("x", 6), T("y", 6, values=[1, -1, 1, 1, -1, -1], grad=False))
case("multi_margin_loss", lambda x, y: F.multi_margin_loss(x, y, margin=0.8), LOGITS(), TARGET())
case("multilabel_margin_loss", F.multilabel_margin_loss, T("x", 2, 4),
     Long("y", 2, 4, values=[3, 0, -1, 1, 1, 2, 3, -1]))
case("triplet_margin_loss", F.triplet_margin_loss, T("a", 3, 4), T("p", 3, 4), T("n", 3, 4))
case("poisson_nll_loss", lambda x, y: F.poisson_nll_loss(x, y, log_input=True, full=True), T("x", 3, 4),
     T("y", 3, 4, low=0, high=4, grad=False))
case("ctc_loss", lambda lp, t, il, tl: F.ctc_loss(lp, t, il, tl, blank=0, reduction="mean"),
     In("lp", (6, 2, 4), "T", -3, 0, True), Long("t", 2, 3, values=[1, 2, 2, 3, 1, 1]), Long("il", 2, values=[6, 5]),
     Long("tl", 2, values=[3, 2]))

# MARK: - Linear algebra

group("linalg")
SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]]
case("det", torch.det, T("a", 3, 3))
case("det_batched", torch.linalg.det, T("a", 2, 3, 3), op="linalg_det")
case("inverse", torch.inverse, T("a", 3, 3, values=[[2, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, 0.4, 1.2]]))
case("linalg_inv", torch.linalg.inv, T("a", 3, 3, values=[[2, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, 0.4, 1.2]]))
case("logdet", torch.logdet, T("a", 3, 3, values=SPD))
case("slogdet", torch.slogdet, T("a", 3, 3))
case("linalg_solve", torch.linalg.solve, T("a", 3, 3, values=[[2, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, 0.4, 1.2]]),
     T("b", 3, 2))
case("linalg_cholesky", torch.linalg.cholesky, T("a", 3, 3, values=SPD))
case("cholesky_solve", lambda b, l: torch.cholesky_solve(b, l), T("b", 3, 2),
     T("l", 3, 3, values=[[2.0, 0, 0], [0.5, 1.5, 0], [0.25, -0.3, 1.2]]))
case("linalg_solve_triangular", lambda a, b: torch.linalg.solve_triangular(a, b, upper=True),
     T("a", 3, 3, values=[[2.0, 0.5, -0.3], [0, 1.5, 0.4], [0, 0, 1.2]]), T("b", 3, 2))
case("linalg_qr", torch.linalg.qr, T("a", 4, 3))
case("linalg_svd", lambda a: torch.linalg.svd(a, full_matrices=False), T("a", 4, 3))
case("linalg_svdvals", torch.linalg.svdvals, T("a", 4, 3))
case("linalg_eigh", torch.linalg.eigh, T("a", 3, 3, values=SPD))
case("linalg_eigvalsh", torch.linalg.eigvalsh, T("a", 3, 3, values=SPD))
case("linalg_pinv", torch.linalg.pinv, T("a", 4, 3))
case("linalg_matrix_norm", torch.linalg.matrix_norm, T("a", 2, 3, 4))
case("linalg_norm", lambda a: torch.linalg.norm(a, dim=1), T("a", 3, 4))
case("linalg_lu_factor", torch.linalg.lu_factor, T("a", 3, 3))
case("linalg_matrix_exp", torch.linalg.matrix_exp, T("a", 3, 3, low=-1, high=1))

# MARK: - Factories

group("factory")
case("arange", lambda: torch.arange(5), dtypes=("int64",))
case("arange_start_step", lambda dtype: torch.arange(1, 3, 0.25, dtype=dtype), op="arange")
case("linspace", lambda dtype: torch.linspace(-1, 2, 7, dtype=dtype))
case("logspace", lambda dtype: torch.logspace(-1, 2, 5, base=2.0, dtype=dtype))
case("eye", lambda dtype: torch.eye(3, 4, dtype=dtype))
case("zeros", lambda dtype: torch.zeros(2, 3, dtype=dtype), dtypes=FLOATS + ("int64", "bool"))
case("ones", lambda dtype: torch.ones(2, 3, dtype=dtype), dtypes=FLOATS + ("int64", "bool"))
case("full", lambda dtype: torch.full((2, 3), 1.75, dtype=dtype))
case("zeros_like", torch.zeros_like, T("x", 2, 3), grad=False)
case("ones_like", torch.ones_like, T("x", 2, 3), grad=False)
case("full_like", lambda x: torch.full_like(x, -2.5), T("x", 2, 3), grad=False)
case("tril_indices", lambda: torch.tril_indices(3, 4, offset=1), dtypes=("int64",))
case("triu_indices", lambda: torch.triu_indices(4, 3, offset=-1), dtypes=("int64",))

# MARK: - Random numbers (torch.manual_seed(seed) right before the operation)

group("random")
case("randn", lambda dtype: torch.randn(3, 4, dtype=dtype), seed=0)
case("randn_vectorized", lambda dtype: torch.randn(5, 7, dtype=dtype), op="randn", seed=42)
case("rand", lambda dtype: torch.rand(3, 5, dtype=dtype), seed=1)
case("randint", lambda: torch.randint(0, 10, (4, 5)), seed=2, dtypes=("int64",))
case("randint_high", lambda: torch.randint(1000, (20,)), op="randint", seed=3, dtypes=("int64",))
case("randperm", lambda: torch.randperm(10), seed=4, dtypes=("int64",))
case("randperm_large", lambda: torch.randperm(50), op="randperm", seed=5, dtypes=("int64",))
case("normal_tensors", lambda m, s: torch.normal(m, s), T("m", 3, 4, grad=False), Pos("s", 3, 4, grad=False),
     op="normal", seed=6)
case("normal_size", lambda dtype: torch.normal(2.0, 0.5, (4, 5), dtype=dtype), op="normal", seed=7)
case("randn_like", torch.randn_like, T("x", 4, 5, grad=False), seed=8)
case("rand_like", torch.rand_like, T("x", 4, 5, grad=False), seed=9)
case("bernoulli", torch.bernoulli, T("p", 4, 5, low=0, high=1, grad=False), seed=10)
case("bernoulli_p", lambda x: torch.bernoulli(x, 0.3), T("x", 4, 5, grad=False), op="bernoulli", seed=11)
case("dropout_train", lambda x: F.dropout(x, p=0.4, training=True), T("x", 4, 5), op="dropout", seed=12)
case("dropout_train_large", lambda x: F.dropout(x, p=0.5, training=True), T("x", 8, 40), op="dropout", seed=13)
case("multinomial", lambda p: torch.multinomial(p, 3), T("p", 2, 6, low=0.1, high=1, grad=False), seed=14)
case("multinomial_replacement", lambda p: torch.multinomial(p, 8, replacement=True),
     T("p", 2, 6, low=0.1, high=1, grad=False), op="multinomial", seed=15)
case("uniform_", lambda x: x.uniform_(-2.0, 3.0), T("x", 3, 5, grad=False), seed=16)
case("normal_", lambda x: x.normal_(1.0, 2.0), T("x", 3, 5, grad=False), seed=17)
case("exponential_", lambda x: x.exponential_(1.5), T("x", 3, 5, grad=False), seed=18)
case("rrelu_train", lambda x: F.rrelu(x, 0.1, 0.3, training=True), T("x", 3, 5), op="rrelu", seed=19)
case("randn_sequence", lambda dtype: torch.cat([torch.randn(3, dtype=dtype), torch.rand(2, dtype=dtype),
                                               torch.randn(17, dtype=dtype)]), op="randn", seed=20)


# MARK: - Type promotion, 0-dim tensors, empty and non-contiguous tensors

group("semantics")
case("add_int_float_scalar", lambda x: torch.add(x, 1.5), T("x", 3, 4, low=-9, high=9), op="add", dtypes=("int64",))
case("div_int_scalar", lambda x: torch.div(x, 2), T("x", 3, 4, low=-9, high=9), op="div", dtypes=("int64", "int32"))
case("mul_int_float_tensor", torch.mul, Long("x", 3, 4, low=-9, high=9), In("y", (3, 4), "float32"), op="mul",
     dtypes=("float32",))
case("add_f32_f64", torch.add, In("x", (3, 4), "float32"), In("y", (3, 4), "float64"), op="add", dtypes=("float64",))
case("add_zero_dim_keeps_dtype", torch.add, In("x", (3, 4), "float32"), In("y", (), "float64"), op="add",
     dtypes=("float32",))
case("mul_bool_int", torch.mul, Bool("m", 3, 4), Long("x", 3, 4, low=-9, high=9), op="mul", dtypes=("int64",))
case("add_bool_scalar", lambda m: torch.add(m, 2), Bool("m", 3, 4), op="add", dtypes=("bool",))
case("where_int_float", torch.where, Bool("c", 3, 4), Long("x", 3, 4, low=-9, high=9), In("y", (3, 4), "float64"),
     op="where", dtypes=("float64",))
case("sum_zero_dim", torch.sum, T("x"), op="sum")
case("mul_zero_dim", torch.mul, T("x"), T("y", 3), op="mul")
case("sum_empty", lambda x: torch.sum(x, dim=0), T("x", 0, 3), op="sum")
case("cat_empty", lambda x, y: torch.cat([x, y]), T("x", 0, 3), T("y", 2, 3), op="cat")
case("matmul_transposed", lambda a, b: torch.matmul(a.t(), b), T("a", 4, 3), T("b", 4, 2), op="matmul")
case("exp_noncontiguous", lambda x: torch.exp(x[:, ::2]), T("x", 3, 6), op="exp")
case("add_expanded", lambda x, y: x.expand(3, 4) + y, T("x", 1, 4), T("y", 3, 4), op="add")
case("softmax_negative_dim", lambda x: torch.softmax(x, dim=-2), T("x", 2, 3, 4), op="softmax")
for c in CASES:
    if c.name in HALF_CASES:
        c.dtypes = c.dtypes + HALVES


# MARK: - Running the cases


def encode(values: np.ndarray) -> list:
    out = []
    for v in values.reshape(-1).tolist():
        if isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, float):
            if math.isnan(v):
                out.append("nan")
            elif math.isinf(v):
                out.append("inf" if v > 0 else "-inf")
            else:
                out.append(v)
        else:
            out.append(v)
    return out


def tensor_record(t: torch.Tensor) -> dict:
    t = t.detach()
    name = TORCH_TO_NAME.get(t.dtype)
    if name is None:
        raise SystemExit(f"unsupported output dtype {t.dtype}")
    values = t.to(torch.float64).numpy() if t.dtype.is_floating_point else t.to(torch.int64).numpy()
    return {"dtype": name, "shape": list(t.shape), "data": encode(values)}


def as_list(result) -> list:
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        flat = []
        for r in result:
            flat.extend(as_list(r))
        return flat
    raise SystemExit(f"unexpected result type {type(result)}")


def materialize(grad: Optional[torch.Tensor], like: torch.Tensor) -> np.ndarray:
    """A gradient as float64 numbers; None (input unused) and ZeroTensors become zeros."""
    if grad is None or grad._is_zerotensor():
        return np.zeros(tuple(like.shape))
    return grad.detach().to(torch.float64).numpy()


def run_case(c: Case, dtype: str) -> dict:
    tensors, records = {}, []
    for spec in c.inputs:
        kind, data = spec.make(c.name, dtype)
        t = torch.tensor(data, dtype=DTYPES[kind])
        wants_grad = spec.grad and c.grad and t.dtype.is_floating_point
        if wants_grad:
            t.requires_grad_(True)
        tensors[spec.name] = t
        records.append({"name": spec.name, "dtype": kind, "shape": list(data.shape),
                        "requiresGrad": wants_grad, "data": encode(data)})
    # Inputs are recorded before the call: some operations (batch_norm in training) update them.
    args = [tensors[s.name] for s in c.inputs]
    if not c.inputs and "dtype" in c.fn.__code__.co_varnames[: c.fn.__code__.co_argcount]:
        args = [DTYPES[dtype]]
    if c.seed is not None:
        torch.manual_seed(c.seed)
    outputs = as_list(c.fn(*args))
    entry = {"id": f"{c.name}[{dtype}]", "name": c.name, "op": c.op, "dtype": dtype, "seed": c.seed,
             "inputs": records, "outputs": [tensor_record(o) for o in outputs]}

    grad_inputs = [tensors[s.name] for s in c.inputs if tensors[s.name].requires_grad]
    differentiable = [o for o in outputs if o.requires_grad]
    if grad_inputs and differentiable:
        weights, used_outputs, used_weights = [], [], []
        for index, o in enumerate(outputs):
            if o.requires_grad:
                w = rng_for(c.name, f"weight{index}").uniform(-1, 1, size=tuple(o.shape))
                w = torch.tensor(w.astype(np.float32), dtype=o.dtype).to(torch.float64).numpy()
                weights.append(encode(w))
                used_outputs.append(o)
                used_weights.append(torch.tensor(w, dtype=o.dtype))
            else:
                weights.append(None)
        try:
            grads = torch.autograd.grad(used_outputs, grad_inputs, grad_outputs=used_weights, allow_unused=True)
        except (RuntimeError, NotImplementedError) as error:
            if "not implemented" not in str(error):
                raise
            print(f"note: {entry['id']}: no gradient ({str(error).splitlines()[0]})", file=sys.stderr)
            return entry
        names = [s.name for s in c.inputs if tensors[s.name].requires_grad]
        entry["gradWeights"] = weights
        entry["grads"] = {
            n: encode(materialize(g, t)) for n, g, t in zip(names, grads, grad_inputs)
        }
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", default=os.path.join(root, "Tests", "TorchTests", "Fixtures"),
                        help="folder for the JSON files (default: Tests/TorchTests/Fixtures)")
    parser.add_argument("--only", default=None, help="comma-separated case names, for debugging")
    opts = parser.parse_args()

    if torch.__version__.split("+")[0] != EXPECTED_TORCH and os.environ.get("SWIFTLIGHTNING_ANY_TORCH") != "1":
        raise SystemExit(f"fixtures must come from torch {EXPECTED_TORCH}, found {torch.__version__}"
                         " (set SWIFTLIGHTNING_ANY_TORCH=1 to override)")
    torch.set_default_dtype(torch.float32)
    only = set(opts.only.split(",")) if opts.only else None

    files: dict[str, list] = {}
    for c in CASES:
        if only and c.name not in only:
            continue
        for dtype in c.dtypes:
            try:
                entry = run_case(c, dtype)
            except Exception as error:  # name the case, then stop
                raise SystemExit(f"case {c.name}[{dtype}] failed: {type(error).__name__}: {error}")
            files.setdefault(c.group, []).append(entry)

    os.makedirs(opts.out, exist_ok=True)
    total_bytes = 0
    for name, entries in files.items():
        doc = {"format": 1, "generator": "Tools/parity/generate_fixtures.py", "torch": torch.__version__,
               "numpy": np.__version__, "group": name, "cases": entries}
        path = os.path.join(opts.out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        total_bytes += os.path.getsize(path)
    n_cases = sum(len(e) for e in files.values())
    n_ops = len({c.op for c in CASES if not only or c.name in only})
    print(f"wrote {n_cases} cases ({len([c for c in CASES if not only or c.name in only])} case names, "
          f"{n_ops} distinct ops) in {len(files)} files, {total_bytes / 1024:.0f} KiB, to {opts.out}")


if __name__ == "__main__":
    main()
