#!/usr/bin/env python3
"""PyTorch parity fixtures for SwiftLightning's neural-network layers (Torch/NN).

Writes Tests/TorchTests/Fixtures/nn_layers/*.json (or --out DIR), read by
Tests/TorchTests/Support/NNFixtures.swift and checked by Tests/TorchTests/NNParityTests.swift
against the Swift implementations in Tests/TorchTests/NNParityTable.swift (same case names).

Three kinds of case:
- "module": torch.manual_seed(seed), build the layer, (eval() when mode is "eval"), record its
  state_dict (keys in order, values exactly) and repr, run the forward (under no_grad when noGrad),
  record the outputs, then backpropagate sum_i sum(output_i * w_i) once and record the gradients of
  the inputs ("grads") and of every parameter ("paramGrads", by named_parameters name), and the
  state_dict entries the forward changed ("stateAfter": running statistics, …).
- "functional": torch.manual_seed(seed) when seed is set, one call of torch.nn.functional (losses,
  layer functions), outputs and input gradients as above.
- "init": an empty tensor filled by a torch.nn.init function, either after torch.manual_seed(seed)
  ("generator": false) or from torch.Generator().manual_seed(seed) ("generator": true).

Random draws (initial weights, init functions) depend on ATen's CPU kernels: AVX2 and AVX-512 draw
the same values (recorded as "cpuCapability"); without them values differ by an ulp or so, and the
Swift tests then compare draws within the float tolerance instead of bit for bit.

The JSON style is that of Tools/parity/generate_fixtures.py (whose helpers this script reuses):
{"format": 1, "torch": ..., "group": ..., "cases": [...]}, tensors as {"name", "dtype", "shape",
"data"} with floats at full float64 precision (float32 values are exact), NaN/inf as strings. Inputs
come from numpy generators seeded by a hash of the case and input name, so they use no torch RNG.

Run with the Python of Scripts/python-env.sh (torch 2.11.0):
  "$(Scripts/python-env.sh)" Tools/parity/make_nn_fixtures.py [--out DIR] [--only case1,case2]
"""

from __future__ import annotations

import argparse
import contextlib
import collections
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn import init

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_fixtures as base  # noqa: E402  (In, T, Pos, Long, Bool, encode, rng_for, tensor_record)

T, Pos, Long, Bool = base.T, base.Pos, base.Long, base.Bool


# MARK: - Case description


@dataclass
class NNCase:
    name: str
    kind: str  # "module", "functional", "init"
    group: str
    inputs: list = field(default_factory=list)
    make: Optional[Callable[[], nn.Module]] = None
    run: Optional[Callable[..., Any]] = None
    seed: Optional[int] = None
    mode: str = "train"
    no_grad: bool = False
    grad: bool = True
    dtype: str = "float32"
    shape: tuple = ()
    generator: bool = False


CASES: list[NNCase] = []
_group = "misc"


def group(name: str) -> None:
    global _group
    _group = name


def _add(case: NNCase) -> None:
    if any(c.name == case.name for c in CASES):
        raise SystemExit(f"duplicate case name {case.name}")
    CASES.append(case)


def module(name, make, *inputs, run=None, seed=0, mode="train", no_grad=False, grad=True, dtype="float32"):
    """A layer case. `run(m, *inputs)` defaults to m(first input)."""
    _add(NNCase(name, "module", _group, list(inputs), make, run or (lambda m, x, *rest: m(x)), seed, mode, no_grad,
                grad and not no_grad, dtype))


def functional(name, fn, *inputs, seed=None, grad=True, dtype="float32"):
    _add(NNCase(name, "functional", _group, list(inputs), None, fn, seed, "train", False, grad, dtype))


def init_case(name, fn, shape, seed=3):
    """Two cases: the global generator after manual_seed, and an explicit Generator."""
    for use_generator in (False, True):
        suffix = "_gen" if use_generator else ""
        _add(NNCase(name + suffix, "init", _group, [], None, fn, seed, grad=False, shape=tuple(shape), generator=use_generator))


# MARK: - Layers

group("linear")
module("linear", lambda: nn.Linear(5, 3), T("x", 4, 5))
module("linear_nobias", lambda: nn.Linear(5, 3, bias=False), T("x", 4, 5))
module("linear_3d", lambda: nn.Linear(6, 2), T("x", 2, 3, 6), seed=7)
module("linear_float64", lambda: nn.Linear(5, 3, dtype=torch.float64), T("x", 4, 5), dtype="float64")
module("bilinear", lambda: nn.Bilinear(4, 3, 2), T("x1", 5, 4), T("x2", 5, 3), run=lambda m, a, b: m(a, b))
module("bilinear_nobias", lambda: nn.Bilinear(4, 3, 2, bias=False), T("x1", 5, 4), T("x2", 5, 3), run=lambda m, a, b: m(a, b))
module("identity", lambda: nn.Identity(), T("x", 3, 4))

group("conv")
module("conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), T("x", 2, 3, 9))
module("conv1d_same_dilated", lambda: nn.Conv1d(2, 3, 3, padding="same", dilation=2, bias=False), T("x", 2, 2, 8))
module("conv1d_reflect_groups", lambda: nn.Conv1d(4, 6, 3, padding=2, groups=2, padding_mode="reflect"), T("x", 2, 4, 7))
module("conv2d", lambda: nn.Conv2d(2, 4, 3, stride=1, padding=1), T("x", 2, 2, 6, 6))
module("conv2d_rect", lambda: nn.Conv2d(3, 2, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), bias=False),
       T("x", 1, 3, 7, 6), seed=5)
module("conv2d_groups", lambda: nn.Conv2d(4, 4, 3, groups=2), T("x", 1, 4, 5, 5))
module("conv2d_same", lambda: nn.Conv2d(2, 3, (3, 4), padding="same"), T("x", 1, 2, 5, 6))
module("conv2d_valid", lambda: nn.Conv2d(2, 3, 3, padding="valid"), T("x", 1, 2, 5, 6))
module("conv2d_circular", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), T("x", 1, 2, 5, 5))
module("conv2d_replicate", lambda: nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="replicate"), T("x", 1, 2, 4, 5))
module("conv2d_unbatched", lambda: nn.Conv2d(2, 3, 3), T("x", 2, 5, 5))
module("conv2d_float64", lambda: nn.Conv2d(2, 3, 3, padding=1, dtype=torch.float64), T("x", 1, 2, 4, 4), dtype="float64")
module("conv3d", lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), T("x", 1, 2, 3, 4, 3))
module("conv_transpose1d", lambda: nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1), T("x", 2, 3, 5))
module("conv_transpose2d", lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), T("x", 2, 4, 3, 3))
module("conv_transpose2d_groups", lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(1, 2), groups=2, dilation=2, bias=False),
       T("x", 1, 4, 3, 4))
module("conv_transpose2d_output_size", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), T("x", 1, 3, 4, 4),
       run=lambda m, x: m(x, output_size=[8, 8]))
module("conv_transpose3d", lambda: nn.ConvTranspose3d(2, 2, 2, stride=2), T("x", 1, 2, 2, 2, 2))

group("pooling")
module("max_pool1d", lambda: nn.MaxPool1d(2), T("x", 2, 3, 8))
module("max_pool1d_stride_pad", lambda: nn.MaxPool1d(3, stride=2, padding=1, dilation=1, ceil_mode=True), T("x", 2, 3, 8))
module("max_pool2d", lambda: nn.MaxPool2d(2), T("x", 2, 3, 6, 6))
module("max_pool2d_options", lambda: nn.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True),
       T("x", 1, 2, 7, 6))
module("max_pool2d_indices", lambda: nn.MaxPool2d(2, return_indices=True), T("x", 1, 2, 4, 4))
module("avg_pool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), T("x", 2, 3, 8))
module("avg_pool2d", lambda: nn.AvgPool2d(2), T("x", 2, 3, 6, 6))
module("avg_pool2d_options", lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
       T("x", 1, 2, 7, 6))
module("avg_pool2d_divisor", lambda: nn.AvgPool2d((2, 3), divisor_override=4), T("x", 1, 2, 6, 6))
module("adaptive_avg_pool1d", lambda: nn.AdaptiveAvgPool1d(3), T("x", 2, 3, 7))
module("adaptive_avg_pool2d", lambda: nn.AdaptiveAvgPool2d((3, 2)), T("x", 2, 3, 7, 5))
module("adaptive_avg_pool2d_global", lambda: nn.AdaptiveAvgPool2d(1), T("x", 2, 3, 4, 5))
module("adaptive_max_pool1d", lambda: nn.AdaptiveMaxPool1d(4), T("x", 2, 3, 9))
module("adaptive_max_pool2d", lambda: nn.AdaptiveMaxPool2d((2, 3)), T("x", 2, 3, 7, 5))

group("normalization")
module("batch_norm1d", lambda: nn.BatchNorm1d(4), T("x", 6, 4))
module("batch_norm1d_3d", lambda: nn.BatchNorm1d(3, momentum=0.3), T("x", 4, 3, 5))
module("batch_norm2d", lambda: nn.BatchNorm2d(3), T("x", 2, 3, 4, 4))
module("batch_norm2d_eval", lambda: nn.BatchNorm2d(3), T("x", 2, 3, 4, 4), mode="eval")


def _bn_two_batches(m, x, y):
    a = m(x)
    b = m(y)
    return [a, b]


module("batch_norm1d_cumulative", lambda: nn.BatchNorm1d(4, momentum=None), T("x", 5, 4), T("y", 5, 4, low=-1, high=3),
       run=_bn_two_batches)


def _bn_train_then_eval(m, x, y):
    a = m(x)
    m.eval()
    return [a, m(y)]


module("batch_norm2d_train_then_eval", lambda: nn.BatchNorm2d(2, eps=1e-3, momentum=0.2), T("x", 3, 2, 3, 3),
       T("y", 2, 2, 3, 3), run=_bn_train_then_eval)
module("batch_norm2d_no_affine_no_stats", lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
       T("x", 2, 3, 3, 3))
module("batch_norm3d", lambda: nn.BatchNorm3d(2), T("x", 2, 2, 2, 3, 2))
module("layer_norm", lambda: nn.LayerNorm(8), T("x", 3, 8))
module("layer_norm_2d_nobias", lambda: nn.LayerNorm([3, 4], eps=1e-6, bias=False), T("x", 2, 3, 4))
module("layer_norm_no_affine", lambda: nn.LayerNorm(5, elementwise_affine=False), T("x", 2, 3, 5))
module("group_norm", lambda: nn.GroupNorm(2, 4), T("x", 2, 4, 3, 3))
module("group_norm_no_affine", lambda: nn.GroupNorm(3, 6, eps=1e-3, affine=False), T("x", 2, 6, 4))
module("rms_norm", lambda: nn.RMSNorm(6), T("x", 2, 3, 6))
module("rms_norm_eps", lambda: nn.RMSNorm([2, 3], eps=1e-4), T("x", 4, 2, 3))

group("dropout")
module("dropout_train", lambda: nn.Dropout(0.3), T("x", 8, 10), seed=11)
module("dropout_eval", lambda: nn.Dropout(0.3), T("x", 8, 10), mode="eval")
module("dropout1d", lambda: nn.Dropout1d(0.4), T("x", 3, 6, 5), seed=12)
module("dropout2d", lambda: nn.Dropout2d(0.5), T("x", 2, 6, 3, 3), seed=13)
module("alpha_dropout", lambda: nn.AlphaDropout(0.2), T("x", 4, 6), seed=14)

group("embedding")
module("embedding", lambda: nn.Embedding(10, 4), Long("idx", 2, 3, low=0, high=10))
module("embedding_padding", lambda: nn.Embedding(8, 3, padding_idx=0), Long("idx", 3, 4, values=[0, 1, 2, 0, 3, 0, 7, 5, 0, 0, 1, 6]))
module("embedding_padding_negative", lambda: nn.Embedding(6, 3, padding_idx=-1), Long("idx", 5, values=[5, 1, 5, 2, 0]))
module("embedding_max_norm", lambda: nn.Embedding(6, 4, max_norm=1.0), Long("idx", 5, values=[0, 2, 2, 5, 1]))
module("embedding_pretrained",
       lambda: nn.Embedding.from_pretrained(torch.arange(12, dtype=torch.float32).reshape(4, 3) / 10, freeze=False),
       Long("idx", 4, values=[3, 0, 1, 3]))

group("reshape")
module("flatten", lambda: nn.Flatten(), T("x", 2, 3, 4))
module("flatten_range", lambda: nn.Flatten(0, 1), T("x", 2, 3, 4))
module("unflatten", lambda: nn.Unflatten(1, (2, 6)), T("x", 3, 12))

group("activation")
for _name, _make in [
    ("relu", lambda: nn.ReLU()),
    ("relu6", lambda: nn.ReLU6()),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2)),
    ("gelu", lambda: nn.GELU()),
    ("gelu_tanh", lambda: nn.GELU(approximate="tanh")),
    ("silu", lambda: nn.SiLU()),
    ("mish", lambda: nn.Mish()),
    ("tanh", lambda: nn.Tanh()),
    ("sigmoid", lambda: nn.Sigmoid()),
    ("log_sigmoid", lambda: nn.LogSigmoid()),
    ("hardtanh", lambda: nn.Hardtanh(-0.5, 0.75)),
    ("hardswish", lambda: nn.Hardswish()),
    ("hardsigmoid", lambda: nn.Hardsigmoid()),
    ("elu", lambda: nn.ELU(0.5)),
    ("celu", lambda: nn.CELU(0.7)),
    ("selu", lambda: nn.SELU()),
    ("softplus", lambda: nn.Softplus(beta=2.0, threshold=1.5)),
    ("softsign", lambda: nn.Softsign()),
    ("tanhshrink", lambda: nn.Tanhshrink()),
    ("threshold", lambda: nn.Threshold(0.1, 20.0)),
    ("glu", lambda: nn.GLU(dim=1)),
    ("softmax", lambda: nn.Softmax(dim=1)),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1)),
    ("softmin", lambda: nn.Softmin(dim=0)),
]:
    module(_name, _make, T("x", 3, 4, low=-3, high=3))
module("prelu", lambda: nn.PReLU(3), T("x", 2, 3, 4, low=-3, high=3))
module("prelu_shared", lambda: nn.PReLU(init=0.1), T("x", 5, low=-3, high=3))
module("relu_inplace_repr", lambda: nn.ReLU(inplace=True), T("x", 3, 4, low=-3, high=3), grad=False)

group("containers")
module("sequential", lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), T("x", 3, 4))
module("sequential_named",
       lambda: nn.Sequential(collections.OrderedDict([("fc", nn.Linear(4, 3)), ("act", nn.Tanh()), ("out", nn.Linear(3, 2))])),
       T("x", 3, 4))


def _sequential_appended():
    s = nn.Sequential(nn.Linear(3, 3))
    s.append(nn.GELU())
    s.insert(0, nn.LayerNorm(3))
    return s


module("sequential_append_insert", _sequential_appended, T("x", 2, 3))


class ListAndDict(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.heads = nn.ModuleDict({"z": nn.Linear(4, 2), "a": nn.Linear(4, 1)})

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x))
        return [self.heads["z"](x), self.heads["a"](x)]


module("module_list_dict", ListAndDict, T("x", 2, 4))

group("attention")
module("mha_self", lambda: nn.MultiheadAttention(8, 2), T("x", 5, 3, 8), run=lambda m, x: list(m(x, x, x)))
module("mha_batch_first_padding", lambda: nn.MultiheadAttention(8, 4, batch_first=True), T("x", 3, 5, 8),
       Bool("pad", 3, 5, values=[0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
       run=lambda m, x, pad: list(m(x, x, x, key_padding_mask=pad)))
module("mha_attn_mask_float", lambda: nn.MultiheadAttention(6, 3), T("x", 4, 2, 6), T("mask", 4, 4, grad=False),
       run=lambda m, x, mask: list(m(x, x, x, attn_mask=mask)))
module("mha_attn_mask_bool_3d_per_head", lambda: nn.MultiheadAttention(6, 2, batch_first=True), T("x", 2, 4, 6),
       Bool("mask", 4, 4, 4, values=[1 if (j > i and (b + i) % 3 != 0) else 0 for b in range(4) for i in range(4) for j in range(4)]),
       run=lambda m, x, mask: list(m(x, x, x, attn_mask=mask, average_attn_weights=False)))
module("mha_no_weights_sdpa", lambda: nn.MultiheadAttention(8, 2, batch_first=True), T("x", 2, 5, 8),
       Bool("pad", 2, 5, values=[0, 0, 0, 0, 1, 0, 0, 1, 1, 1]),
       run=lambda m, x, pad: m(x, x, x, key_padding_mask=pad, need_weights=False)[0])
module("mha_causal_hint", lambda: nn.MultiheadAttention(8, 2, batch_first=True), T("x", 2, 4, 8),
       run=lambda m, x: m(x, x, x, attn_mask=nn.Transformer.generate_square_subsequent_mask(4), need_weights=False,
                          is_causal=True)[0])
module("mha_cross", lambda: nn.MultiheadAttention(8, 2), T("q", 3, 2, 8), T("kv", 5, 2, 8),
       run=lambda m, q, kv: list(m(q, kv, kv)))
module("mha_cross_separate_kv", lambda: nn.MultiheadAttention(8, 2), T("q", 3, 2, 8), T("k", 5, 2, 8), T("v", 5, 2, 8),
       run=lambda m, q, k, v: list(m(q, k, v)))
module("mha_kdim_vdim", lambda: nn.MultiheadAttention(8, 2, kdim=5, vdim=3), T("q", 3, 2, 8), T("k", 4, 2, 5), T("v", 4, 2, 3),
       run=lambda m, q, k, v: list(m(q, k, v)))
module("mha_bias_kv_zero_attn", lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True), T("x", 4, 2, 8),
       Bool("pad", 2, 4, values=[0, 0, 0, 1, 0, 0, 0, 0]), run=lambda m, x, pad: list(m(x, x, x, key_padding_mask=pad)))
module("mha_no_bias", lambda: nn.MultiheadAttention(8, 2, bias=False), T("x", 3, 2, 8), run=lambda m, x: list(m(x, x, x)))
module("mha_unbatched", lambda: nn.MultiheadAttention(8, 2), T("x", 4, 8), run=lambda m, x: list(m(x, x, x)))
module("mha_dropout_train", lambda: nn.MultiheadAttention(8, 2, dropout=0.3), T("x", 4, 2, 8), seed=21,
       run=lambda m, x: list(m(x, x, x)))
module("mha_fast_path", lambda: nn.MultiheadAttention(8, 2, batch_first=True), T("x", 2, 5, 8),
       Bool("pad", 2, 5, values=[0, 0, 0, 1, 1, 0, 0, 0, 0, 0]),
       run=lambda m, x, pad: list(m(x, x, x, key_padding_mask=pad)), mode="eval", no_grad=True)

module("mha_float64", lambda: nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64), T("x", 2, 4, 8),
       Bool("pad", 2, 4, values=[0, 0, 0, 1, 0, 0, 0, 0]), run=lambda m, x, pad: list(m(x, x, x, key_padding_mask=pad)), dtype="float64")

group("transformer")
module("transformer_encoder_layer", lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), T("x", 5, 2, 8))
module("transformer_encoder_layer_norm_first_gelu",
       lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, activation="gelu", batch_first=True,
                                          norm_first=True, layer_norm_eps=1e-6),
       T("x", 2, 4, 8), Bool("pad", 2, 4, values=[0, 0, 1, 1, 0, 0, 0, 0]),
       run=lambda m, x, pad: m(x, src_key_padding_mask=pad))
module("transformer_encoder_layer_dropout", lambda: nn.TransformerEncoderLayer(8, 4, dim_feedforward=16, dropout=0.2),
       T("x", 3, 2, 8), seed=31)
module("transformer_encoder_layer_causal",
       lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
       T("x", 2, 5, 8), run=lambda m, x: m(x, src_mask=nn.Transformer.generate_square_subsequent_mask(5), is_causal=True))
module("transformer_encoder_layer_fast_path",
       lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, batch_first=True),
       T("x", 2, 4, 8), Bool("pad", 2, 4, values=[0, 0, 0, 1, 0, 0, 0, 0]),
       run=lambda m, x, pad: m(x, src_key_padding_mask=pad), mode="eval", no_grad=True)
module("transformer_encoder",
       lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), num_layers=2,
                                     norm=nn.LayerNorm(8), enable_nested_tensor=False),
       T("x", 4, 2, 8), run=lambda m, x: m(x, mask=nn.Transformer.generate_square_subsequent_mask(4)))
module("transformer_encoder_batch_first_padding",
       lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, batch_first=True),
                                     num_layers=3),
       T("x", 2, 5, 8), Bool("pad", 2, 5, values=[0, 0, 0, 1, 1, 0, 0, 0, 0, 1]), seed=33,
       run=lambda m, x, pad: m(x, src_key_padding_mask=pad))
module("transformer_encoder_nested_fast_path",
       lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), num_layers=2),
       T("x", 2, 5, 8), Bool("pad", 2, 5, values=[0, 0, 0, 1, 1, 0, 0, 0, 0, 0]),
       run=lambda m, x, pad: m(x, src_key_padding_mask=pad), mode="eval", no_grad=True)

module("transformer_encoder_float64",
       lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                                                dtype=torch.float64), num_layers=2, enable_nested_tensor=False),
       T("x", 4, 2, 8), dtype="float64")

group("recurrent")


def _rnn_run(m, x, *hx):
    out, hidden = m(x, *hx) if hx else m(x)
    return [out] + (list(hidden) if isinstance(hidden, tuple) else [hidden])


module("lstm", lambda: nn.LSTM(4, 5), T("x", 6, 2, 4), run=_rnn_run)
module("lstm_deep_bidirectional_batch_first", lambda: nn.LSTM(4, 3, num_layers=2, batch_first=True, bidirectional=True),
       T("x", 2, 5, 4), run=_rnn_run)
module("lstm_initial_state", lambda: nn.LSTM(3, 4, num_layers=2), T("x", 5, 2, 3), T("h0", 2, 2, 4), T("c0", 2, 2, 4),
       run=lambda m, x, h, c: _rnn_run(m, x, (h, c)))
module("lstm_proj", lambda: nn.LSTM(4, 6, proj_size=3, num_layers=2, bidirectional=True), T("x", 4, 2, 4), run=_rnn_run)
module("lstm_no_bias", lambda: nn.LSTM(3, 4, bias=False), T("x", 4, 2, 3), run=_rnn_run)
module("lstm_dropout_train", lambda: nn.LSTM(4, 5, num_layers=3, dropout=0.4), T("x", 5, 3, 4), seed=41, run=_rnn_run)
module("lstm_unbatched", lambda: nn.LSTM(4, 5, num_layers=2, batch_first=True), T("x", 6, 4), run=_rnn_run)
module("lstm_eval", lambda: nn.LSTM(4, 5, num_layers=2, dropout=0.5), T("x", 5, 2, 4), run=_rnn_run, mode="eval")
module("lstm_float64", lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64), T("x", 5, 2, 3),
       run=_rnn_run, dtype="float64")
module("gru", lambda: nn.GRU(4, 5), T("x", 6, 2, 4), run=_rnn_run)
module("gru_deep_bidirectional", lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True),
       T("x", 2, 5, 3), run=_rnn_run)
module("gru_initial_state", lambda: nn.GRU(3, 4), T("x", 5, 2, 3), T("h0", 1, 2, 4), run=lambda m, x, h: _rnn_run(m, x, h))
module("gru_unbatched", lambda: nn.GRU(3, 4, num_layers=2), T("x", 5, 3), run=_rnn_run)
module("gru_dropout_train", lambda: nn.GRU(4, 5, num_layers=2, dropout=0.3), T("x", 5, 3, 4), seed=42, run=_rnn_run)
module("rnn_tanh", lambda: nn.RNN(4, 5, num_layers=2), T("x", 6, 2, 4), run=_rnn_run)
module("rnn_relu_bidirectional", lambda: nn.RNN(3, 4, nonlinearity="relu", bidirectional=True, batch_first=True),
       T("x", 2, 5, 3), run=_rnn_run)

group("loss_modules")
module("cross_entropy_loss_module", lambda: nn.CrossEntropyLoss(weight=torch.tensor([0.2, 1.0, 2.5]), label_smoothing=0.1),
       T("x", 5, 3), Long("y", 5, low=0, high=3), run=lambda m, x, y: m(x, y))
module("nll_loss_module", lambda: nn.NLLLoss(weight=torch.tensor([1.0, 0.5, 2.0, 1.5]), ignore_index=1),
       T("x", 6, 4, low=-3, high=-0.1), Long("y", 6, values=[0, 1, 2, 3, 1, 2]), run=lambda m, x, y: m(x, y))
module("mse_loss_module", lambda: nn.MSELoss(reduction="sum"), T("x", 3, 4), T("y", 3, 4), run=lambda m, x, y: m(x, y))
module("l1_loss_module", lambda: nn.L1Loss(), T("x", 3, 4), T("y", 3, 4), run=lambda m, x, y: m(x, y))
module("smooth_l1_loss_module", lambda: nn.SmoothL1Loss(beta=0.5), T("x", 3, 4), T("y", 3, 4), run=lambda m, x, y: m(x, y))
module("huber_loss_module", lambda: nn.HuberLoss(reduction="none", delta=0.7), T("x", 3, 4), T("y", 3, 4),
       run=lambda m, x, y: m(x, y))
module("bce_loss_module", lambda: nn.BCELoss(weight=torch.tensor([0.5, 2.0, 1.0])), Pos("x", 4, 3, low=0.05, high=0.95),
       T("y", 4, 3, low=0, high=1, grad=False), run=lambda m, x, y: m(x, y))
module("bce_with_logits_loss_module",
       lambda: nn.BCEWithLogitsLoss(weight=torch.tensor([1.0, 0.5, 2.0]), pos_weight=torch.tensor([3.0, 1.0, 0.5])),
       T("x", 4, 3), T("y", 4, 3, low=0, high=1, grad=False), run=lambda m, x, y: m(x, y))
module("kl_div_loss_module", lambda: nn.KLDivLoss(reduction="batchmean", log_target=True), T("x", 3, 5, low=-4, high=-0.2),
       T("y", 3, 5, low=-4, high=-0.2), run=lambda m, x, y: m(x, y))
module("cosine_similarity_module", lambda: nn.CosineSimilarity(dim=0, eps=1e-6), T("a", 4, 3), T("b", 4, 3),
       run=lambda m, a, b: m(a, b))
module("pairwise_distance_module", lambda: nn.PairwiseDistance(p=3.0, keepdim=True), T("a", 4, 3), T("b", 4, 3),
       run=lambda m, a, b: m(a, b))

# MARK: - Composite models


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.dropout = nn.Dropout(0.25)
        self.classifier = nn.Linear(8, 3)

    def forward(self, x):
        return self.classifier(self.dropout(self.features(x)))


class SequenceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
        self.blocks = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])
        self.heads = nn.ModuleDict({"tag": nn.Linear(8, 5), "score": nn.Linear(8, 1)})

    def forward(self, tokens):
        x = self.embed(tokens)
        x, _ = self.lstm(x)
        x = self.encoder(x, src_key_padding_mask=tokens == 0)
        for block in self.blocks:
            x = torch.relu(block(x))
        return [self.heads["tag"](x), self.heads["score"](x).squeeze(-1)]


group("composite")
module("small_cnn", SmallCNN, T("x", 2, 1, 8, 8), seed=51)
module("small_cnn_eval", SmallCNN, T("x", 2, 1, 8, 8), seed=52, mode="eval")
module("sequence_model", SequenceModel, Long("tokens", 2, 6, values=[3, 7, 1, 9, 0, 0, 4, 4, 18, 2, 11, 0]), seed=53)

# MARK: - Functional

group("functional_losses")
functional("cross_entropy", lambda x, y: F.cross_entropy(x, y), T("x", 5, 4), Long("y", 5, low=0, high=4))
functional("cross_entropy_weight_ignore", lambda x, y, w: F.cross_entropy(x, y, weight=w, ignore_index=2),
           T("x", 6, 4), Long("y", 6, values=[0, 2, 1, 3, 2, 1]), Pos("w", 4, grad=False))
functional("cross_entropy_label_smoothing", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), T("x", 5, 4),
           Long("y", 5, low=0, high=4))
functional("cross_entropy_smoothing_weight_ignore",
           lambda x, y, w: F.cross_entropy(x, y, weight=w, ignore_index=0, label_smoothing=0.15, reduction="sum"),
           T("x", 6, 3), Long("y", 6, values=[0, 1, 2, 2, 0, 1]), Pos("w", 3, grad=False))
functional("cross_entropy_none", lambda x, y: F.cross_entropy(x, y, reduction="none"), T("x", 5, 4),
           Long("y", 5, low=0, high=4))
functional("cross_entropy_probabilities", lambda x, p: F.cross_entropy(x, p.softmax(-1)), T("x", 4, 5), T("p", 4, 5))
functional("cross_entropy_probabilities_smoothing_weight",
           lambda x, p, w: F.cross_entropy(x, p.softmax(-1), weight=w, label_smoothing=0.1), T("x", 4, 5), T("p", 4, 5),
           Pos("w", 5, grad=False))
functional("cross_entropy_kdim", lambda x, y: F.cross_entropy(x, y, ignore_index=1), T("x", 2, 3, 4, 2),
           Long("y", 2, 4, 2, low=0, high=3))
functional("nll_loss", lambda x, y: F.nll_loss(F.log_softmax(x, 1), y), T("x", 5, 4), Long("y", 5, low=0, high=4))
functional("nll_loss_weight_ignore_sum", lambda x, y, w: F.nll_loss(x, y, weight=w, ignore_index=3, reduction="sum"),
           T("x", 6, 4), Long("y", 6, values=[3, 0, 1, 3, 2, 2]), Pos("w", 4, grad=False))
functional("nll_loss_kdim", lambda x, y: F.nll_loss(x, y, reduction="none"), T("x", 2, 3, 5), Long("y", 2, 5, low=0, high=3))
functional("mse_loss", lambda x, y: F.mse_loss(x, y), T("x", 3, 4), T("y", 3, 4))
functional("mse_loss_broadcast_sum", lambda x, y: F.mse_loss(x, y, reduction="sum"), T("x", 3, 4), T("y", 4))
functional("mse_loss_weight", lambda x, y, w: F.mse_loss(x, y, weight=w), T("x", 3, 4), T("y", 3, 4), Pos("w", 3, 4, grad=False))
functional("mse_loss_none", lambda x, y: F.mse_loss(x, y, reduction="none"), T("x", 3, 4), T("y", 3, 4))
functional("l1_loss", lambda x, y: F.l1_loss(x, y), T("x", 3, 4), T("y", 3, 4))
functional("l1_loss_weight_sum", lambda x, y, w: F.l1_loss(x, y, reduction="sum", weight=w), T("x", 3, 4), T("y", 3, 4),
           Pos("w", 3, 4, grad=False))
functional("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), T("x", 3, 4), T("y", 3, 4))
functional("smooth_l1_loss_beta0", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0, reduction="none"), T("x", 3, 4), T("y", 3, 4))
functional("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.6), T("x", 3, 4), T("y", 3, 4))
functional("huber_loss_weight", lambda x, y, w: F.huber_loss(x, y, delta=1.5, weight=w), T("x", 3, 4), T("y", 3, 4),
           Pos("w", 3, 4, grad=False))
functional("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x, y), Pos("x", 4, 3, low=0.05, high=0.95),
           T("y", 4, 3, low=0, high=1, grad=False))
functional("binary_cross_entropy_weight_sum", lambda x, y, w: F.binary_cross_entropy(x, y, weight=w, reduction="sum"),
           Pos("x", 4, 3, low=0.05, high=0.95), T("y", 4, 3, low=0, high=1, grad=False), Pos("w", 3, grad=False))
functional("binary_cross_entropy_with_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y), T("x", 4, 3),
           T("y", 4, 3, low=0, high=1, grad=False))
functional("binary_cross_entropy_with_logits_pos_weight",
           lambda x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction="none"),
           T("x", 4, 3), T("y", 4, 3, low=0, high=1, grad=False), Pos("w", 4, 1, grad=False), Pos("pw", 3, grad=False))
for _reduction in ("batchmean", "mean", "sum", "none"):
    functional(f"kl_div_{_reduction}", lambda x, y, r=_reduction: F.kl_div(x, y, reduction=r), T("x", 3, 5, low=-4, high=-0.2),
               Pos("y", 3, 5, low=0.01, high=1))
functional("kl_div_log_target", lambda x, y: F.kl_div(x, y, reduction="batchmean", log_target=True),
           T("x", 3, 5, low=-4, high=-0.2), T("y", 3, 5, low=-4, high=-0.2))
functional("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), T("a", 4, 5), T("b", 4, 5))
functional("cosine_similarity_dim_eps", lambda a, b: F.cosine_similarity(a, b, dim=0, eps=0.5), T("a", 4, 5), T("b", 1, 5))
functional("cosine_embedding_loss", lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2), T("a", 4, 5), T("b", 4, 5),
           Long("y", 4, values=[1, -1, -1, 1]))
functional("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.1), T("a", 5), T("b", 5),
           Long("y", 5, values=[1, -1, 1, 1, -1]))

group("functional_layers")
functional("f_linear", lambda x, w, b: F.linear(x, w, b), T("x", 3, 4), T("w", 2, 4), T("b", 2))
functional("f_bilinear", lambda a, b, w: F.bilinear(a, b, w), T("a", 3, 2), T("b", 3, 4), T("w", 5, 2, 4))
functional("f_conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding=1), T("x", 2, 3, 7), T("w", 4, 3, 3))
functional("f_conv2d_same", lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2), T("x", 1, 2, 6, 6),
           T("w", 3, 2, 3, 3), T("b", 3))
functional("f_conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
           T("x", 1, 3, 3, 3), T("w", 3, 2, 3, 3))
functional("f_max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), T("x", 1, 2, 6, 5))
functional("f_max_pool2d_indices", lambda x: F.max_pool2d(x, 2, return_indices=True), T("x", 1, 2, 4, 4))
functional("f_avg_pool2d", lambda x: F.avg_pool2d(x, (2, 3), stride=1, count_include_pad=False, padding=1), T("x", 1, 2, 4, 5))
functional("f_adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), T("x", 2, 3, 5, 7))
functional("f_batch_norm_training", lambda x, rm, rv, w, b: [F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3), rm, rv],
           T("x", 4, 3), T("rm", 3, grad=False), Pos("rv", 3, grad=False), T("w", 3), T("b", 3))
functional("f_batch_norm_eval", lambda x, rm, rv: F.batch_norm(x, rm, rv, eps=1e-3), T("x", 4, 3, 2), T("rm", 3, grad=False),
           Pos("rv", 3, grad=False))
functional("f_layer_norm", lambda x, w, b: F.layer_norm(x, [2, 3], w, b, eps=1e-4), T("x", 4, 2, 3), T("w", 2, 3), T("b", 2, 3))
functional("f_group_norm", lambda x: F.group_norm(x, 3), T("x", 2, 6, 4))
functional("f_rms_norm", lambda x, w: F.rms_norm(x, [4], w), T("x", 3, 4), T("w", 4))
functional("f_dropout_training", lambda x: F.dropout(x, 0.4), T("x", 6, 7), seed=61)
functional("f_dropout_eval", lambda x: F.dropout(x, 0.4, training=False), T("x", 6, 7))
functional("f_embedding", lambda i, w: F.embedding(i, w, padding_idx=2), Long("i", 2, 3, values=[0, 2, 4, 2, 1, 3]), T("w", 5, 3))
functional("f_embedding_max_norm", lambda i, w: [F.embedding(i, w, max_norm=0.8, norm_type=1.5), w],
           Long("i", 4, values=[0, 3, 3, 1]), T("w", 5, 3, grad=False), grad=False)
functional("f_relu", lambda x: F.relu(x), T("x", 3, 4))
functional("f_leaky_relu", lambda x: F.leaky_relu(x, 0.3), T("x", 3, 4))
functional("f_gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), T("x", 3, 4))
functional("f_silu", lambda x: F.silu(x), T("x", 3, 4))
functional("f_softmax", lambda x: F.softmax(x, dim=0), T("x", 3, 4))
functional("f_softmax_dtype", lambda x: F.softmax(x, dim=1, dtype=torch.float64), T("x", 3, 4))
functional("f_log_softmax", lambda x: F.log_softmax(x, dim=1), T("x", 3, 4))
functional("f_pad_constant", lambda x: F.pad(x, (1, 2, 0, 1), value=-1.5), T("x", 2, 3, 4))
functional("f_pad_reflect", lambda x: F.pad(x, (2, 1), mode="reflect"), T("x", 2, 3, 4))
functional("f_pad_replicate", lambda x: F.pad(x, (1, 1, 2, 0), mode="replicate"), T("x", 1, 2, 3, 4))
functional("f_pad_circular", lambda x: F.pad(x, (1, 2, 1, 1), mode="circular"), T("x", 1, 2, 3, 4))
functional("f_normalize", lambda x: F.normalize(x, p=1.5, dim=0), T("x", 3, 4))
functional("f_one_hot", lambda i: F.one_hot(i, 5), Long("i", 2, 3, low=0, high=5), grad=False)
functional("f_scaled_dot_product_attention", lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
           T("q", 2, 2, 3, 4), T("k", 2, 2, 5, 4), T("v", 2, 2, 5, 4), Bool("m", 3, 5, values=[1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0]))
functional("f_scaled_dot_product_attention_causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
           T("q", 1, 2, 4, 4), T("k", 1, 2, 4, 4), T("v", 1, 2, 4, 4))
functional("f_pairwise_distance", lambda a, b: F.pairwise_distance(a, b, p=1.0), T("a", 4, 3), T("b", 4, 3))
functional("f_multi_head_attention_forward",
           lambda q, k, v, w, b, ow, ob: list(F.multi_head_attention_forward(q, k, v, 6, 2, w, b, None, None, False, 0.0, ow, ob,
                                                                            training=False)),
           T("q", 3, 2, 6), T("k", 4, 2, 6), T("v", 4, 2, 6), T("w", 18, 6), T("b", 18), T("ow", 6, 6), T("ob", 6))

group("init")
init_case("uniform", lambda t, g: init.uniform_(t, -3.0, 1.0, generator=g), (4, 5))
init_case("normal", lambda t, g: init.normal_(t, 0.5, 2.0, generator=g), (4, 5))
init_case("trunc_normal", lambda t, g: init.trunc_normal_(t, mean=0.2, std=0.5, a=-0.5, b=1.0, generator=g), (60,))
init_case("trunc_normal_default", lambda t, g: init.trunc_normal_(t, generator=g), (6, 7))
init_case("xavier_uniform", lambda t, g: init.xavier_uniform_(t, gain=1.5, generator=g), (5, 7))
init_case("xavier_normal", lambda t, g: init.xavier_normal_(t, generator=g), (6, 3, 2, 2))
init_case("kaiming_uniform", lambda t, g: init.kaiming_uniform_(t, generator=g), (4, 6))
init_case("kaiming_uniform_sqrt5", lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g), (8, 5))
init_case("kaiming_uniform_relu_fan_out",
          lambda t, g: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=g), (4, 3, 3))
init_case("kaiming_normal", lambda t, g: init.kaiming_normal_(t, a=0.2, mode="fan_out", generator=g), (5, 4))
init_case("kaiming_normal_tanh", lambda t, g: init.kaiming_normal_(t, nonlinearity="tanh", generator=g), (3, 2, 4))
init_case("orthogonal_wide", lambda t, g: init.orthogonal_(t, gain=2.0, generator=g), (4, 6))
init_case("orthogonal_tall", lambda t, g: init.orthogonal_(t, generator=g), (6, 4))
init_case("orthogonal_conv", lambda t, g: init.orthogonal_(t, generator=g), (3, 2, 2, 2))
init_case("zeros", lambda t, g: init.zeros_(t), (2, 3))
init_case("ones", lambda t, g: init.ones_(t), (2, 3))
init_case("constant", lambda t, g: init.constant_(t, 0.37), (2, 3))
init_case("eye", lambda t, g: init.eye_(t), (3, 5))
init_case("dirac", lambda t, g: init.dirac_(t, groups=2), (4, 3, 3, 3))
functional("calculate_gain", lambda: torch.tensor([
    init.calculate_gain(n, p) for n, p in [
        ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
        ("conv_transpose2d", None)]], dtype=torch.float64), grad=False)


# MARK: - Running cases


def tensor_with_name(name: str, t: torch.Tensor) -> dict:
    record = base.tensor_record(t)
    return {"name": name, **record}


def as_list(result) -> list:
    if result is None:
        return []
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        flat = []
        for r in result:
            flat.extend(as_list(r))
        return flat
    raise SystemExit(f"unexpected result type {type(result)}")


def make_inputs(c: NNCase):
    tensors, records = [], []
    for spec in c.inputs:
        kind, data = spec.make(c.name, c.dtype)
        t = torch.tensor(data, dtype=base.DTYPES[kind])
        wants_grad = spec.grad and c.grad and t.dtype.is_floating_point
        if wants_grad:
            t.requires_grad_(True)
        tensors.append(t)
        records.append({"name": spec.name, "dtype": kind, "shape": list(data.shape), "requiresGrad": wants_grad,
                        "data": base.encode(data)})
    return tensors, records


def backpropagate(c: NNCase, outputs: list, entry: dict) -> Optional[list]:
    """One backward of sum_i sum(output_i * w_i); records the weights. Returns False without gradients."""
    weights, total = [], None
    for index, o in enumerate(outputs):
        if o.requires_grad:
            w = base.rng_for(c.name, f"weight{index}").uniform(-1, 1, size=tuple(o.shape))
            w = torch.tensor(w.astype(np.float32), dtype=o.dtype).to(torch.float64).numpy()
            weights.append(base.encode(w))
            term = (o * torch.tensor(w, dtype=o.dtype)).sum()
            total = term if total is None else total + term
        else:
            weights.append(None)
    if total is None:
        return False
    total.backward()
    entry["gradWeights"] = weights
    return True


def grad_values(t: torch.Tensor) -> list:
    if t.grad is None:
        return base.encode(np.zeros(tuple(t.shape)))
    return base.encode(t.grad.detach().to(torch.float64).numpy())


def run_case(c: NNCase) -> dict:
    entry = {"id": c.name, "name": c.name, "kind": c.kind, "dtype": c.dtype, "seed": c.seed}
    if c.kind == "init":
        t = torch.empty(c.shape)
        if c.generator:
            c.run(t, torch.Generator().manual_seed(c.seed))
        else:
            torch.manual_seed(c.seed)
            c.run(t, None)
        entry.update({"generator": c.generator, "inputs": [], "outputs": [base.tensor_record(t)]})
        return entry

    tensors, records = make_inputs(c)
    entry["inputs"] = records
    if c.kind == "module":
        torch.manual_seed(c.seed)
        m = c.make()
        if c.mode == "eval":
            m.eval()
        entry["mode"] = c.mode
        entry["noGrad"] = c.no_grad
        entry["repr"] = repr(m)
        entry["state"] = [tensor_with_name(k, v.clone()) for k, v in m.state_dict().items()]
        entry["parameters"] = [k for k, _ in m.named_parameters()]
        with torch.no_grad() if c.no_grad else contextlib.nullcontext():
            outputs = as_list(c.run(m, *tensors))
        entry["outputs"] = [base.tensor_record(o) for o in outputs]
        if c.grad and backpropagate(c, outputs, entry):
            entry["grads"] = {r["name"]: grad_values(t) for r, t in zip(records, tensors) if t.requires_grad}
            entry["paramGrads"] = {k: grad_values(p) for k, p in m.named_parameters()}
        # Only the entries the forward changed (running statistics, renormalized embeddings, …).
        initial = {r["name"]: r for r in entry["state"]}
        entry["stateAfter"] = [tensor_with_name(k, v) for k, v in m.state_dict().items()
                               if tensor_with_name(k, v)["data"] != initial.get(k, {}).get("data")]
        return entry

    if c.seed is not None:
        torch.manual_seed(c.seed)
    outputs = as_list(c.run(*tensors))
    entry["outputs"] = [base.tensor_record(o) for o in outputs]
    if c.grad and backpropagate(c, outputs, entry):
        entry["grads"] = {r["name"]: grad_values(t) for r, t in zip(records, tensors) if t.requires_grad}
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", default=os.path.join(root, "Tests", "TorchTests", "Fixtures", "nn_layers"),
                        help="folder for the JSON files (default: Tests/TorchTests/Fixtures/nn_layers)")
    parser.add_argument("--only", default=None, help="comma-separated case names, for debugging")
    opts = parser.parse_args()
    if torch.__version__.split("+")[0] != base.EXPECTED_TORCH and os.environ.get("SWIFTLIGHTNING_ANY_TORCH") != "1":
        raise SystemExit(f"fixtures must come from torch {base.EXPECTED_TORCH}, found {torch.__version__}")
    torch.set_default_dtype(torch.float32)
    only = set(opts.only.split(",")) if opts.only else None

    files: dict[str, list] = {}
    for c in CASES:
        if only and c.name not in only:
            continue
        try:
            entry = run_case(c)
        except Exception as error:
            raise SystemExit(f"case {c.name} failed: {type(error).__name__}: {error}")
        files.setdefault(c.group, []).append(entry)

    os.makedirs(opts.out, exist_ok=True)
    total = 0
    for name, entries in files.items():
        doc = {"format": 1, "generator": "Tools/parity/make_nn_fixtures.py", "torch": torch.__version__,
               "cpuCapability": torch.backends.cpu.get_cpu_capability(), "group": name, "cases": entries}
        path = os.path.join(opts.out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        total += os.path.getsize(path)
    count = sum(len(e) for e in files.values())
    print(f"wrote {count} cases in {len(files)} files, {total / 1024:.0f} KiB, to {opts.out}")


if __name__ == "__main__":
    main()
