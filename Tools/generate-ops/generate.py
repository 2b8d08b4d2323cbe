#!/usr/bin/env python3
"""Generates SwiftLightning's operator layer from ATen's native_functions.yaml.

Outputs (all committed, so a normal build needs no generator):
  Sources/CTorch/include/ctorch_generated.h    C declarations, one `tsg_*` function per bound overload
  Sources/CTorch/generated/ops_N.cpp           their C++ definitions, split for parallel compilation
  Sources/Torch/Generated/Tensor+OpsN.swift    the Swift API on `Tensor`
  docs/generated-ops.md                        what is bound and what is skipped, and why

Usage: generate.py --yaml native_functions.yaml --torch-include TORCH/include --out REPO_ROOT

The ATen headers are read only to find, for every schema, the `at::_ops` struct that binds it (its
`schema_str` equals the yaml `func`) and the header that declares it. The output depends only on
the yaml and the headers, so two runs on the same libtorch give identical files.

The file is organised by concern:
  1. schema parsing             (Schema, Arg, Return, parse_schema)
  2. skip rules                 (skip_reason and the deny lists above it)
  3. the type-mapping table     (TYPES: one ArgType per schema type: C params, C++ conversion,
                                 Swift type, Swift-to-C conversion, default translation)
  4. C emission                 (emit_c_*)
  5. Swift naming and emission  (swift_*, emit_swift_*)
  6. the report                 (emit_doc)
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import re
import sys
from typing import Callable, Optional

import yaml

CPP_CHUNKS = 8
SWIFT_CHUNKS = 8
REGENERATE = "Scripts/generate-ops.sh"

# ================================================================================================
# 1. Schema parsing
# ================================================================================================


@dataclasses.dataclass
class Arg:
    name: str
    type: str  # normalised type key without alias annotations: "Tensor", "int[]?", "SymInt[2]", ...
    size: Optional[int]  # N of `int[N]` / `bool[N]`
    default: Optional[str]
    kwarg_only: bool
    mutable: bool  # `Tensor(a!)`


@dataclasses.dataclass
class Return:
    type: str
    name: Optional[str]
    mutable: bool


@dataclasses.dataclass
class Schema:
    func: str  # the schema text, as in the yaml
    name: str  # "add_"
    overload: str  # "Tensor", or "" for none
    args: list[Arg]
    returns: list[Return]
    tuple_return: bool  # written as "(...)" (two or more results)
    entry: dict  # the yaml entry (dispatch keys, ...)
    index: int  # position in the yaml

    @property
    def full_name(self) -> str:
        return f"{self.name}.{self.overload}" if self.overload else self.name

    @property
    def cpp_name(self) -> str:
        """The at::_ops struct: `add_Tensor`, `add__Tensor`, `relu`."""
        return f"{self.name}_{self.overload}" if self.overload else self.name


def split_top_level(text: str) -> list[str]:
    """Splits on commas that are outside brackets, parentheses and quotes."""
    parts, depth, quote, current, i = [], 0, None, "", 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                current += text[i : i + 2]
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            i += 1
            continue
        current += c
        i += 1
    if current.strip():
        parts.append(current.strip())
    return parts


TYPE_RE = re.compile(r"^(?P<base>\w+)(?P<annotation>\([^)]*\))?(?P<suffix>.*)$")


def parse_type(text: str) -> tuple[str, Optional[int], bool]:
    """`Tensor(a!)[]` -> ("Tensor[]", None, True); `int[2]` -> ("int[N]", 2, False)."""
    m = TYPE_RE.match(text.strip())
    if not m:
        raise ValueError(f"cannot parse type {text!r}")
    suffix = m.group("suffix")
    size = None
    sized = re.match(r"^\[(\d+)\](.*)$", suffix)
    if sized:
        size = int(sized.group(1))
        suffix = "[N]" + sized.group(2)
    mutable = "!" in (m.group("annotation") or "")
    return m.group("base") + suffix, size, mutable


def parse_schema(entry: dict, index: int) -> Schema:
    func = entry["func"]
    m = re.match(r"^(?P<name>\w+)(?:\.(?P<overload>\w+))?\((?P<args>.*)\) -> (?P<returns>.+)$", func)
    if not m:
        raise ValueError(f"cannot parse schema {func!r}")
    args, kwarg_only = [], False
    for part in split_top_level(m.group("args")):
        if part == "*":
            kwarg_only = True
            continue
        decl, default = (part.split("=", 1) + [None])[:2]
        type_text, name = decl.strip().rsplit(" ", 1)
        type_key, size, mutable = parse_type(type_text)
        args.append(Arg(name, type_key, size, default, kwarg_only, mutable))
    returns_text = m.group("returns").strip()
    tuple_return = returns_text.startswith("(")
    inner = returns_text[1:-1] if tuple_return else returns_text
    returns = []
    for part in split_top_level(inner):
        pieces = part.rsplit(" ", 1)
        if len(pieces) == 2 and not pieces[1].startswith(("(", "[")) and "(" not in pieces[1]:
            type_text, ret_name = pieces
        else:
            type_text, ret_name = part, None
        type_key, _, mutable = parse_type(type_text)
        returns.append(Return(type_key, ret_name, mutable))
    return Schema(func, m.group("name"), m.group("overload") or "", args, returns, tuple_return, entry, index)


# ================================================================================================
# 2. Skip rules. Every overload that is not bound gets exactly one reason; the report counts them.
# ================================================================================================

# Bound by hand in Sources/CTorch/core and Sources/Torch/Core (or to be): skipped entirely, so
# the generated layer never shadows or duplicates them.
HAND_WRITTEN = {
    "to", "item", "backward", "retain_grad", "retains_grad", "is_leaf", "requires_grad_", "numel", "dim",
    "size", "stride", "is_contiguous", "element_size", "storage_offset", "is_complex", "is_floating_point",
    "data", "set_requires_grad", "output_nr", "_version", "is_pinned", "cpu", "cuda",
    # Not in the brief's list but Tensor+Properties.swift already has `alias()` (a second handle,
    # not ATen's view op), so ATen's `alias` would be an invalid redeclaration.
    "alias",
}

# Overloads (or whole names) that parse and map but that we choose not to bind, with the reason.
# Keys are "name" (every overload) or "name.overload".
DENY = {
    # Nothing has been needed yet: every mapped overload compiles against torch 2.11.0.
}

# Name-based families that are out of scope: (reason, predicate on the op name).
FAMILY_RULES: list[tuple[str, Callable[[str], bool]]] = [
    ("sparse tensors", lambda n: "sparse" in n or re.search(r"(^|_)(coo|csr|csc|bsr|bsc)(_|$)", n) is not None
     or n in {"to_dense", "_to_dense", "coalesce", "_coalesce", "is_coalesced", "_coalesced_", "indices",
              "_indices", "values", "_values", "crow_indices", "col_indices", "ccol_indices", "row_indices",
              "_nnz", "dense_dim", "_dimI", "_dimV", "sparse_dim", "smm", "sspaddmm", "hspmm",
              "_validate_compressed_sparse_indices", "_convert_indices_from_coo_to_csr",
              "_convert_indices_from_csr_to_coo"}),
    ("quantized tensors", lambda n: "quantized" in n or n.startswith(("q_", "_q_")) or n in {
        "int_repr", "qscheme", "dequantize", "quantize_per_tensor", "quantize_per_tensor_dynamic",
        "quantize_per_channel", "_make_per_tensor_quantized_tensor", "_make_per_channel_quantized_tensor",
        "_choose_qparams_per_tensor", "choose_qparams_optimized", "_saturate_weight_to_fp16",
        "_make_per_channel_quantized_tensor"}),
    ("mkldnn", lambda n: "mkldnn" in n),
    ("miopen", lambda n: "miopen" in n),
    ("nested tensors", lambda n: "nested" in n or n.startswith("_nt_") or n == "to_padded_tensor"),
    ("test-only ops (_test_*)", lambda n: "_test_" in n or n.startswith("test_")),
    ("symbolic sizes (sym_*)", lambda n: n.startswith(("sym_", "_sym_"))),
    ("fbgemm", lambda n: "fbgemm" in n),
]

# Dispatch keys of backends that are out of scope; an op implemented only for them is skipped.
FAMILY_DISPATCH = [
    ("sparse tensors", ("Sparse",)),
    ("quantized tensors", ("Quantized",)),
    ("mkldnn", ("Mkldnn",)),
    ("nested tensors", ("NestedTensor",)),
]

# Argument types that have no mapping, with the reason shown in the report.
UNSUPPORTED_ARG_REASONS = {
    "Dimname": "named tensors (Dimname arguments)",
    "Dimname[]": "named tensors (Dimname arguments)",
    "Dimname[N]": "named tensors (Dimname arguments)",
    "Dimname[]?": "named tensors (Dimname arguments)",
    "Storage": "Storage arguments",
    "Stream": "Stream arguments",
    "ScalarType[]": "ScalarType[] arguments",
    "Layout": "non-optional Layout arguments",
}

# Tuple results whose elements may legitimately be undefined tensors even though the op has no
# `bool[N]` output mask: their Swift tuple elements are `Tensor?`.
OPTIONAL_RESULTS = {"_efficient_attention_backward", "_flash_attention_backward",
                    "_scaled_dot_product_efficient_attention_backward",
                    "_scaled_dot_product_flash_attention_backward", "_cudnn_attention_backward",
                    "_scaled_dot_product_cudnn_attention_backward", "_scaled_dot_product_fused_attention_overrideable_backward",
                    "_thnn_differentiable_lstm_cell_backward", "_thnn_differentiable_gru_cell_backward",
                    "_thnn_fused_lstm_cell_backward", "_thnn_fused_lstm_cell_backward_impl",
                    "_thnn_fused_gru_cell_backward"}


def is_out_variant(s: Schema) -> bool:
    """out= variants: write into caller-provided tensors. Swift code uses the functional form."""
    if s.overload == "out" or s.overload.endswith("_out"):
        return True
    return any(a.mutable and a.kwarg_only for a in s.args)


def family_reason(s: Schema) -> Optional[str]:
    for reason, predicate in FAMILY_RULES:
        if predicate(s.name):
            return reason
    # An op whose only kernels are for these backends. A `structured_delegate` op has its dense
    # kernels on the delegate (`asinh` -> `asinh.out`), so its dispatch table lists only the rest.
    keys = [k.strip() for key in (s.entry.get("dispatch") or {}) for k in key.split(",")]
    if keys and "structured_delegate" not in s.entry:
        for reason, prefixes in FAMILY_DISPATCH:
            if all(k.startswith(prefixes) for k in keys):
                return reason
    return None


def return_reason(s: Schema) -> Optional[str]:
    """Why the results cannot be mapped, or None."""
    types = [r.type for r in s.returns]
    if not types:
        return None
    if len(types) == 1 and not s.tuple_return:
        if types[0] in RETURN_TYPES:
            return None
        if types[0] in ("complex", "ComplexDouble"):
            return "complex results"
        return f"{types[0]} results"
    if all(t == "Tensor" for t in types):
        return None
    if any(t == "Tensor[]" for t in types):
        return "tuple results containing lists"
    return "tuples mixing tensors and numbers"


def skip_reason(s: Schema, ops_index: dict) -> Optional[str]:
    """The reason an overload is not bound, or None to bind it. Rules are checked in this order."""
    # Python's operator dunders (`__and__`, `__iand__`): the named ops (`bitwise_and`) are bound.
    if s.name.startswith("__"):
        return "Python dunder operators (__and__ etc.; the named op is bound)"
    if s.name in HAND_WRITTEN:
        return "hand-written in the Torch core"
    for key in (s.full_name, s.name):
        if key in DENY:
            return f"deny list: {DENY[key]}"
    if is_out_variant(s):
        return "out= variants"
    family = family_reason(s)
    if family:
        return family
    for a in s.args:
        if a.type in UNSUPPORTED_ARG_REASONS:
            return UNSUPPORTED_ARG_REASONS[a.type]
        if a.type not in TYPES:
            return f"unmapped argument type {a.type}"
    reason = return_reason(s)
    if reason:
        return reason
    if s.func not in ops_index:
        return "no at::_ops binding in the headers"
    return None


# ================================================================================================
# 3. The type-mapping table
# ================================================================================================


@dataclasses.dataclass
class ArgType:
    """How one schema type crosses C and Swift.

    c_params:   the C parameters, as (C type, suffix appended to the argument name)
    cpp:        the C++ expression passed to `call`, with {n} = the C parameter name
    cpp_pre:    a C++ statement run before the call (to keep a converted list alive), or None
    swift:      the Swift parameter type, or None for arguments not exposed in Swift
    swift_c:    the Swift expressions passed to C, with {v} = the Swift value ({p} = closure prefix)
    swift_wrap: a `with...` call whose closure yields {p}Ptr and {p}Count, or None
    hidden_c:   the C arguments passed for an argument not exposed in Swift
    """

    c_params: list[tuple[str, str]]
    cpp: str
    swift: Optional[str]
    swift_c: list[str]
    cpp_pre: Optional[str] = None
    swift_wrap: Optional[str] = None
    hidden_c: Optional[list[str]] = None


TYPES: dict[str, ArgType] = {
    # Tensors: borrowed handles; NULL is "none"; lists are arrays of handles.
    "Tensor": ArgType([("ts_tensor", "")], "ctorch::tensor({n})", "Tensor", ["{v}.handle"]),
    "Tensor?": ArgType([("ts_tensor", "")], "ctorch::optional_tensor({n})", "Tensor?", ["{v}.handle"]),
    "Tensor[]": ArgType([("const ts_tensor *", ""), ("int64_t", "_len")], "at::TensorList({n}_list)", "[Tensor]",
                        ["{p}Ptr", "{p}Count"], cpp_pre="auto {n}_list = ctorch::tensor_vector({n}, {n}_len);",
                        swift_wrap="{v}.withHandles"),
    "Tensor?[]": ArgType([("const ts_tensor *", ""), ("int64_t", "_len")], "ctorch::optional_tensor_list({n}, {n}_len)",
                         "[Tensor?]", ["{p}Ptr", "{p}Count"], swift_wrap="{v}.withHandles"),
    # Integers.
    "int": ArgType([("int64_t", "")], "{n}", "Int", ["Int64({v})"]),
    "SymInt": ArgType([("int64_t", "")], "c10::SymInt({n})", "Int", ["Int64({v})"]),
    "DeviceIndex": ArgType([("int64_t", "")], "static_cast<c10::DeviceIndex>({n})", "Int", ["Int64({v})"]),
    "int?": ArgType([("int64_t", ""), ("bool", "_has")], "ctorch::optional_value<int64_t>({n}_has, {n})", "Int?",
                    ["Int64({v} ?? 0)", "{v} != nil"]),
    "SymInt?": ArgType([("int64_t", ""), ("bool", "_has")], "ctorch::optional_value<c10::SymInt>({n}_has, c10::SymInt({n}))",
                       "Int?", ["Int64({v} ?? 0)", "{v} != nil"]),
    # Integer lists: (data, length); for optional lists a NULL data pointer is "none".
    "int[]": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::int_list({n}, {n}_len)", "[Int]",
                     ["{p}Ptr", "{p}Count"], swift_wrap="withInt64Array({v})"),
    "int[N]": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::int_list({n}, {n}_len)", "[Int]",
                      ["{p}Ptr", "{p}Count"], swift_wrap="withInt64Array({v})"),
    "SymInt[]": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::sym_int_list({n}, {n}_len)", "[Int]",
                        ["{p}Ptr", "{p}Count"], swift_wrap="withInt64Array({v})"),
    "SymInt[N]": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::sym_int_list({n}, {n}_len)", "[Int]",
                         ["{p}Ptr", "{p}Count"], swift_wrap="withInt64Array({v})"),
    "int[]?": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::optional_int_list({n}, {n}_len)", "[Int]?",
                      ["{p}Ptr", "{p}Count"], swift_wrap="withOptionalInt64Array({v})"),
    "int[N]?": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::optional_int_list({n}, {n}_len)", "[Int]?",
                       ["{p}Ptr", "{p}Count"], swift_wrap="withOptionalInt64Array({v})"),
    "SymInt[]?": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::optional_sym_int_list({n}, {n}_len)",
                         "[Int]?", ["{p}Ptr", "{p}Count"], swift_wrap="withOptionalInt64Array({v})"),
    "SymInt[N]?": ArgType([("const int64_t *", ""), ("int64_t", "_len")], "ctorch::optional_sym_int_list({n}, {n}_len)",
                          "[Int]?", ["{p}Ptr", "{p}Count"], swift_wrap="withOptionalInt64Array({v})"),
    # Floating point.
    "float": ArgType([("double", "")], "{n}", "Double", ["{v}"]),
    "float?": ArgType([("double", ""), ("bool", "_has")], "ctorch::optional_value<double>({n}_has, {n})", "Double?",
                      ["{v} ?? 0", "{v} != nil"]),
    "float[]?": ArgType([("const double *", ""), ("int64_t", "_len")], "ctorch::optional_double_list({n}, {n}_len)",
                        "[Double]?", ["{p}Ptr", "{p}Count"], swift_wrap="withOptionalDoubleArray({v})"),
    # Booleans: bool? is -1 (none), 0 or 1; bool[N] is an array of exactly N.
    "bool": ArgType([("bool", "")], "{n}", "Bool", ["{v}"]),
    "bool?": ArgType([("int32_t", "")], "ctorch::optional_bool({n})", "Bool?", ["optionalBoolCode({v})"]),
    "bool[N]": ArgType([("const bool *", "")], "ctorch::bool_array<{size}>({n})", "[Bool]", ["{p}Ptr"],
                       swift_wrap="withBoolArray({v}, count: {size})"),
    # Scalars: a tagged number by value; optional scalars carry a has-value flag.
    "Scalar": ArgType([("ts_scalar", "")], "ctorch::scalar({n})", "some ScalarConvertible", ["{v}.scalar.cValue"]),
    "Scalar?": ArgType([("ts_scalar", ""), ("bool", "_has")], "ctorch::optional_scalar({n}, {n}_has)", "Scalar?",
                       ["{v}.cValue", "{v} != nil"]),
    "Scalar[]": ArgType([("const ts_scalar *", ""), ("int64_t", "_len")], "at::ArrayRef<at::Scalar>({n}_list)", "[Scalar]",
                        ["{p}Ptr", "{p}Count"], cpp_pre="auto {n}_list = ctorch::scalar_vector({n}, {n}_len);",
                        swift_wrap="withScalarArray({v})"),
    # Enumerations as int32 codes; -1 is "none".
    "ScalarType": ArgType([("int32_t", "")], "static_cast<at::ScalarType>({n})", "DType", ["{v}.rawValue"]),
    "ScalarType?": ArgType([("int32_t", "")], "ctorch::optional_dtype({n})", "DType?", ["{v}.code"]),
    "Layout?": ArgType([("int32_t", "")], "ctorch::optional_layout({n})", None, [], hidden_c=["-1"]),
    "MemoryFormat": ArgType([("int32_t", "")], "static_cast<at::MemoryFormat>({n})", "MemoryFormat", ["{v}.rawValue"]),
    "MemoryFormat?": ArgType([("int32_t", "")], "ctorch::optional_memory_format({n})", "MemoryFormat?", ["{v}.code"]),
    # Devices (type -1 is "none") and generators (NULL is "none").
    "Device": ArgType([("ts_device", "")], "ctorch::device({n})", "Device", ["{v}.cValue"]),
    "Device?": ArgType([("ts_device", "")], "ctorch::optional_device({n})", "Device?", ["{v}.cValue"]),
    "Generator?": ArgType([("ts_generator", "")], "ctorch::optional_generator({n})", "Generator?", ["{v}?.handle"]),
    # Strings: NUL-terminated UTF-8; NULL is "none".
    "str": ArgType([("const char *", "")], "c10::string_view({n})", "String", ["{v}"]),
    "str?": ArgType([("const char *", "")], "ctorch::optional_string({n})", "String?", ["{p}Ptr"],
                    swift_wrap="withOptionalCString({v})"),
}

# `int reduction` arguments are the loss reduction enum (at::Reduction::Reduction).
REDUCTION = ArgType([("int64_t", "")], "{n}", "Reduction", ["Int64({v}.rawValue)"])
# `bool? pin_memory` (of the TensorOptions quad) is not exposed in Swift; C gets "none".
PIN_MEMORY = dataclasses.replace(TYPES["bool?"], swift=None, swift_c=[], hidden_c=["-1"])


def arg_type(a: Arg) -> ArgType:
    if a.type == "int" and a.name == "reduction":
        return REDUCTION
    if a.type == "bool?" and a.name == "pin_memory":
        return PIN_MEMORY
    return TYPES[a.type]


# Result kinds. Each maps to C out-parameters, the C++ that fills them, and a Swift funnel.
RETURN_TYPES = {"Tensor", "Tensor[]", "Scalar", "bool", "int", "SymInt", "float", "ScalarType"}

SCALAR_RESULTS = {  # schema type -> (C out type, C++ conversion of `ret`, Swift type, Swift init, Swift zero)
    "Scalar": ("ts_scalar", "ctorch::to_ts_scalar(ret)", "Scalar", "Scalar(result)", "ts_scalar()"),
    "bool": ("bool", "ret", "Bool", "result", "false"),
    "int": ("int64_t", "ret", "Int", "Int(result)", "Int64(0)"),
    "SymInt": ("int64_t", "ret.guard_int(__FILE__, __LINE__)", "Int", "Int(result)", "Int64(0)"),
    "float": ("double", "ret", "Double", "result", "0.0"),
    "ScalarType": ("int32_t", "static_cast<int32_t>(ret)", "DType", "try DType(code: result)", "Int32(0)"),
}

SWIFT_DTYPES = {"long": ".int64", "int": ".int32", "float": ".float32", "double": ".float64", "bool": ".bool",
                "half": ".float16", "bfloat16": ".bfloat16", "uint8": ".uint8"}
SWIFT_MEMORY_FORMATS = {"contiguous_format": ".contiguous", "preserve_format": ".preserve",
                        "channels_last": ".channelsLast", "channels_last_3d": ".channelsLast3d"}
SWIFT_REDUCTIONS = {"Mean": ".mean", "Sum": ".sum", "None": ".none"}


def swift_default(a: Arg) -> Optional[str]:
    """The Swift default expression for a schema default (None when the argument has none)."""
    d = a.default
    if d is None:
        return None
    d = d.strip()
    t = a.type
    if t == "int" and a.name == "reduction":
        return SWIFT_REDUCTIONS[d]
    if d == "None":
        return "nil"
    if t in ("bool", "bool?"):
        return {"True": "true", "False": "false"}[d]
    if t in ("ScalarType", "ScalarType?"):
        return SWIFT_DTYPES[d]
    if t in ("MemoryFormat", "MemoryFormat?"):
        return SWIFT_MEMORY_FORMATS[d]
    if t in ("str", "str?"):
        return swift_string_literal(d)
    if t.startswith(("int[", "SymInt[", "float[", "bool[")):
        if d.startswith("["):
            items = [x.strip() for x in d[1:-1].split(",") if x.strip()]
            return "[" + ", ".join(items) + "]"
        count = a.size or 1  # `int[2] stride=1` means [1, 1]
        return "[" + ", ".join([d] * count) + "]"
    return d  # numbers: 1, -1, 1e-05, 0.125 are valid Swift literals


def swift_string_literal(text: str) -> str:
    """A schema string literal ('fro' or "valid") as a Swift string literal."""
    body = text[1:-1]
    body = body.replace("\\'", "'").replace('\\"', '"')
    return '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ================================================================================================
# Shared analysis: one BoundOp per bound overload, with C and Swift names resolved.
# ================================================================================================

C_RESERVED = {"out", "out_len", "ret", "std", "at", "c10", "ctorch", "auto", "char", "const", "default", "double",
              "float", "int", "long", "new", "delete", "register", "short", "signed", "template", "this", "union",
              "unsigned", "void", "volatile", "and", "or", "not", "xor", "bool", "true", "false", "operator",
              "class", "private", "public", "protected", "virtual", "friend", "inline", "static", "struct",
              "switch", "case", "do", "for", "while", "if", "else", "goto", "return", "sizeof", "typedef",
              "typename", "using", "namespace", "extern", "enum", "break", "continue", "try", "catch", "throw"}

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
    "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
    "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
    "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
    "while", "Any", "as", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "some", "any",
    "Type", "Protocol", "await", "async", "consume", "copy", "borrowing", "consuming", "discard", "each",
}

# Locals the Swift bodies declare; a parameter with one of these names is renamed internally.
SWIFT_LOCALS = {"out", "outCount", "r", "result", "handle"}

# First parameters that read naturally without a label (`x.matmul(y)`, `x.view([2, 3])`).
UNLABELED_FIRST = {"other", "tensors", "size", "shape", "dims", "exponent", "mat2", "vec", "vec2", "mat", "mat1",
                   "tensor", "indices"}
UNLABELED_FIRST_STATIC = {"size", "tensors"}


def lower_camel(snake: str) -> str:
    """`log_softmax` -> `logSoftmax`, `_foreach_add_` -> `_foreachAdd_`; the first word keeps its case."""
    lead = len(snake) - len(snake.lstrip("_"))
    trail = len(snake) - len(snake.rstrip("_")) if snake.strip("_") else 0
    words = [w for w in snake.strip("_").split("_") if w]
    if not words:
        return snake
    core = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return "_" * lead + core + "_" * trail


def upper_camel(snake: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in snake.split("_") if w)


def swift_ident(name: str) -> str:
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


@dataclasses.dataclass
class Param:
    arg: Arg
    type: ArgType
    c_name: str  # base name of its C parameters
    label: Optional[str] = None  # Swift label; "_" for unlabeled; None when hidden or the receiver
    local: Optional[str] = None  # Swift internal name
    prefix: Optional[str] = None  # closure parameter prefix for lists
    receiver: bool = False

    @property
    def hidden(self) -> bool:
        return self.type.swift is None


@dataclasses.dataclass
class BoundOp:
    schema: Schema
    header: str  # "add_ops.h"
    params: list[Param]
    c_func: str
    swift_name: str = ""
    is_method: bool = False
    optional_results: bool = False
    requires_grad_param: bool = False

    @property
    def swift_required_key(self) -> tuple:
        return tuple((p.label, p.type.swift) for p in self.params
                     if not p.receiver and not p.hidden and swift_default(p.arg) is None)

    @property
    def swift_full_key(self) -> tuple:
        return tuple((p.label, p.type.swift) for p in self.params if not p.receiver and not p.hidden)


def build_op(s: Schema, header: str) -> BoundOp:
    params = []
    for a in s.args:
        c_name = a.name + "_" if a.name in C_RESERVED else a.name
        params.append(Param(a, arg_type(a), c_name))
    c_names = [p.c_name + suffix for p in params for _, suffix in p.type.c_params]
    c_names += [p.c_name + "_list" for p in params if p.type.cpp_pre]  # locals of the C++ body
    assert len(c_names) == len(set(c_names)), f"C name clash in {s.func}"
    op = BoundOp(s, header, params, "tsg_" + s.cpp_name)
    first = params[0] if params else None
    op.is_method = bool(first and first.arg.type == "Tensor" and first.arg.name in ("self", "input"))
    if op.is_method:
        first.receiver = True
    visible = [p for p in params if not p.receiver and not p.hidden]
    for i, p in enumerate(visible):
        camel = lower_camel(p.arg.name)
        unlabeled = i == 0 and (camel in UNLABELED_FIRST or (not op.is_method and (
            camel in UNLABELED_FIRST_STATIC or p.arg.type == "Tensor")))
        p.label = "_" if unlabeled else camel
        local = camel
        if local in SWIFT_LOCALS or local == "self":
            local += "Arg"
        p.local = local
        p.prefix = local.strip("`")
    names = [p.local for p in visible] + [p.prefix + end for p in visible if p.type.swift_wrap for end in ("Ptr", "Count")]
    assert len(names) == len(set(names)), f"Swift name clash in {s.func}"
    op.optional_results = s.tuple_return and (any(a.type == "bool[N]" for a in s.args) or s.name in OPTIONAL_RESULTS)
    has_options = {a.name for a in s.args} >= {"layout", "pin_memory"}
    op.requires_grad_param = has_options and len(s.returns) == 1 and s.returns[0].type == "Tensor"
    return op


def resolve_swift_names(ops: list[BoundOp]) -> list[str]:
    """Names every op; overloads that Swift could not tell apart get their overload name as a suffix.

    Two overloads clash when they have the same base name and the same required parameters (labels
    and types): a call with only those arguments would be ambiguous. The one without an overload
    name (else the first in schema order) keeps the plain name. Returns notes for the report.
    """
    notes = []
    groups: dict[tuple, list[BoundOp]] = collections.defaultdict(list)
    for op in ops:
        op.swift_name = lower_camel(op.schema.name)
        groups[(op.is_method, op.swift_name)].append(op)
    for (_, base), members in groups.items():
        members.sort(key=lambda o: (o.schema.overload != "", o.schema.index))
        seen: set[tuple] = set()
        for op in members:
            key = op.swift_required_key
            if key in seen:
                trail = len(base) - len(base.rstrip("_"))
                stem = base[: len(base) - trail] if trail else base
                op.swift_name = stem + upper_camel(op.schema.overload) + "_" * trail
                notes.append(f"`{op.schema.full_name}` -> `{op.swift_name}`")
            else:
                seen.add(key)
    # A renamed op can still clash exactly with another declaration; that would be a generator bug.
    decls = collections.Counter((op.is_method, op.swift_name, op.swift_full_key) for op in ops)
    dupes = [k for k, n in decls.items() if n > 1]
    assert not dupes, f"duplicate Swift declarations: {dupes}"
    return notes


# ================================================================================================
# 4. C emission
# ================================================================================================


def c_params(op: BoundOp) -> list[str]:
    s = op.schema
    out: list[str] = []
    if s.returns:
        r = s.returns
        if len(r) == 1 and r[0].type == "Tensor[]":
            out = ["ts_tensor **out", "int64_t *out_len"]
        elif all(x.type == "Tensor" for x in r):
            out = ["ts_tensor *out"]
        else:
            out = [f"{SCALAR_RESULTS[r[0].type][0]} *out"]
    for p in op.params:
        for ctype, suffix in p.type.c_params:
            sep = "" if ctype.endswith("*") else " "
            out.append(f"{ctype}{sep}{p.c_name}{suffix}")
    return out


def c_declaration(op: BoundOp) -> str:
    return f"ts_error {op.c_func}({', '.join(c_params(op)) or 'void'})"


def c_definition(op: BoundOp) -> str:
    s = op.schema
    lines = [c_declaration(op) + " {", "    CTORCH_GUARD({"]
    for p in op.params:
        if p.type.cpp_pre:
            lines.append("        " + p.type.cpp_pre.format(n=p.c_name))
    args = ", ".join(p.type.cpp.format(n=p.c_name, size=p.arg.size) for p in op.params)
    call = f"at::_ops::{s.cpp_name}::call({args})"
    r = s.returns
    if not r:
        lines.append(f"        {call};")
    else:
        lines.append(f"        auto ret = {call};")
        if len(r) == 1 and r[0].type == "Tensor[]":
            lines.append("        *out = ctorch::wrap_list(ret, out_len);")
        elif len(r) == 1 and r[0].type == "Tensor":
            lines.append("        out[0] = ctorch::wrap_optional(ret);")
        elif all(x.type == "Tensor" for x in r):
            for i in range(len(r)):
                lines.append(f"        out[{i}] = ctorch::wrap_optional(std::get<{i}>(ret));")
        else:
            lines.append(f"        *out = {SCALAR_RESULTS[r[0].type][1]};")
    lines += ["    })", "}"]
    return "\n".join(lines)


GENERATED_NOTE = f"Generated by Tools/generate-ops/generate.py from ATen's native_functions.yaml. Do not edit;\n// regenerate with {REGENERATE}."


def emit_c_header(ops: list[BoundOp]) -> str:
    lines = [
        f"// {GENERATED_NOTE}",
        "//",
        "// One function per bound ATen overload: tsg_<name>[_<overload>], calling at::_ops::<same>::call.",
        "// Conventions (see ctorch_core.h): results come first as out-parameters (tensor results: an array",
        "// of fresh handles, NULL for an undefined tensor; Tensor[] results: a malloc'ed array freed with",
        "// ts_tensor_list_free plus its length). Optional numbers are (value, has) pairs; optional lists,",
        "// tensors, strings and generators are NULL; bool?, ScalarType?, Layout? and MemoryFormat? are",
        "// int32 codes with -1 for none; an optional device has type -1.",
        "#ifndef CTORCH_GENERATED_H",
        "#define CTORCH_GENERATED_H",
        "",
        '#include "ctorch_core.h"',
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
    ]
    for op in ops:
        lines.append(f"/// {op.schema.func}")
        lines.append(c_declaration(op) + ";")
    lines += ["", "#ifdef __cplusplus", "}", "#endif", "", "#endif  // CTORCH_GENERATED_H", ""]
    return "\n".join(lines)


def emit_c_source(ops: list[BoundOp], part: int, parts: int) -> str:
    headers = sorted({op.header for op in ops})
    lines = [
        f"// {GENERATED_NOTE}",
        f"// Part {part} of {parts} of the generated op layer (split for parallel compilation).",
        "",
        "// Only the operator headers this file needs, not all of ATen (compile time).",
        "#define CTORCH_GENERATED_OPS 1",
        '#include "../core/internal.h"',
        '#include "support.h"',
        "",
    ]
    lines += [f"#include <ATen/ops/{h}>" for h in headers]
    lines += ["", 'extern "C" {', ""]
    for op in ops:
        lines.append(f"// {op.schema.func}")
        lines.append(c_definition(op))
        lines.append("")
    lines += ['}  // extern "C"', ""]
    return "\n".join(lines)


# ================================================================================================
# 5. Swift emission
# ================================================================================================


def swift_return(op: BoundOp) -> tuple[str, str, list[Optional[str]]]:
    """(Swift return type, kind, tuple labels); kind is tensor / tuple / list / void / scalar."""
    r = op.schema.returns
    if not r:
        return "Void", "void", []
    if len(r) == 1 and not op.schema.tuple_return:
        t = r[0].type
        if t == "Tensor":
            return "Tensor", "tensor", []
        if t == "Tensor[]":
            return "[Tensor]", "list", []
        return SCALAR_RESULTS[t][2], "scalar", []
    element = "Tensor?" if op.optional_results else "Tensor"
    labels = [swift_ident(lower_camel(x.name)) if x.name else None for x in r]
    if not all(labels) or len(set(labels)) != len(labels):
        labels = [None] * len(r)
    return "(" + ", ".join(f"{n}: {element}" if n else element for n in labels) + ")", "tuple", labels


def swift_signature(op: BoundOp) -> str:
    parts = []
    for p in op.params:
        if p.receiver or p.hidden:
            continue
        label = swift_ident(p.label) if p.label != "_" else "_"
        local = swift_ident(p.local)
        head = local if label == local else f"{label} {local}"
        default = swift_default(p.arg)
        parts.append(f"{head}: {p.type.swift}" + (f" = {default}" if default is not None else ""))
    if op.requires_grad_param:
        parts.append("requiresGrad: Bool = false")
    return ", ".join(parts)


def swift_c_args(op: BoundOp) -> list[str]:
    args = []
    for p in op.params:
        if p.receiver:
            args.append("handle")
        elif p.hidden:
            args += p.type.hidden_c
        else:
            args += [e.format(v=swift_ident(p.local), p=p.prefix) for e in p.type.swift_c]
    return args


def swift_body(op: BoundOp) -> list[str]:
    """The statements of the function: `with...` closures around one C call through a funnel."""
    ret_type, kind, labels = swift_return(op)
    call_args = ", ".join(swift_c_args(op))
    sep = ", " if call_args else ""
    if kind == "tensor":
        grad = ".withRequiresGrad(requiresGrad)" if op.requires_grad_param else ""
        inner = [f"return try Tensor.make {{ out in {op.c_func}(out{sep}{call_args}) }}{grad}"]
    elif kind == "list":
        inner = [f"return try Tensor.makeList {{ out, outCount in {op.c_func}(out, outCount{sep}{call_args}) }}"]
    elif kind == "void":
        inner = [f"try check({op.c_func}({call_args}))"]
    elif kind == "tuple":
        funnel = "makeOptionals" if op.optional_results else "make"
        items = ", ".join(f"{lab}: r[{i}]" if lab else f"r[{i}]" for i, lab in enumerate(labels))
        inner = [f"let r = try Tensor.{funnel}(count: {len(labels)}) {{ out in {op.c_func}(out{sep}{call_args}) }}",
                 f"return ({items})"]
    else:
        _, _, _, init, zero = SCALAR_RESULTS[op.schema.returns[0].type]
        inner = [f"var result = {zero}", f"try check({op.c_func}(&result{sep}{call_args}))", f"return {init}"]
    # Each list argument wraps the call in a closure that keeps its C array alive.
    wraps = [p for p in op.params if not p.hidden and not p.receiver and p.type.swift_wrap]
    lines: list[str] = []
    for depth, p in enumerate(wraps):
        opener = p.type.swift_wrap.format(v=swift_ident(p.local), size=p.arg.size)
        has_count = p.type.c_params[-1][1] == "_len"
        closure_params = f"{p.prefix}Ptr, {p.prefix}Count" if has_count else f"{p.prefix}Ptr"
        ret = "return " if depth == 0 and kind != "void" else ""
        lines.append(f"{'    ' * depth}{ret}try {opener} {{ ({closure_params}) throws(TorchError) -> {ret_type} in")
    lines += ["    " * len(wraps) + line for line in inner]
    lines += ["    " * depth + "}" for depth in reversed(range(len(wraps)))]
    return lines


def emit_swift_function(op: BoundOp) -> str:
    ret_type, kind, _ = swift_return(op)
    name = swift_ident(op.swift_name)
    static = "" if op.is_method else "static "
    discardable = ""
    r = op.schema.returns
    if kind == "tensor" and r[0].mutable:
        discardable = "    @discardableResult\n"
    returns = "" if kind == "void" else f" -> {ret_type}"
    schema = op.schema.func.replace("`", "'")
    head = f"    /// ATen `{schema}`\n{discardable}    public {static}func {name}({swift_signature(op)}) throws(TorchError){returns} {{"
    body = swift_body(op)
    return head + "\n" + "\n".join("        " + line for line in body) + "\n    }"


def emit_swift_source(ops: list[BoundOp], part: int, parts: int) -> str:
    lines = [
        f"// {GENERATED_NOTE}",
        f"// Part {part} of {parts} of the generated Tensor operations.",
        "",
        "import CTorch",
        "",
        "extension Tensor {",
    ]
    body = "\n\n".join(emit_swift_function(op) for op in ops)
    lines.append(body)
    lines += ["}", ""]
    return "\n".join(lines)


# ================================================================================================
# 6. The report
# ================================================================================================


def emit_doc(schemas: list[Schema], bound: list[BoundOp], skipped: dict[str, list[Schema]], notes: list[str],
             c_lines: int, swift_lines: int) -> str:
    total = len(schemas)
    methods = sum(1 for op in bound if op.is_method)
    lines = [
        "# Generated operators",
        "",
        f"<!-- {GENERATED_NOTE.replace(chr(10) + '// ', ' ')} -->",
        "",
        "The C functions in `Sources/CTorch/include/ctorch_generated.h` (`Sources/CTorch/generated/ops_*.cpp`)",
        "and the `Tensor` methods in `Sources/Torch/Generated/` are generated from ATen's",
        "`native_functions.yaml` (torch 2.11.0) by `Tools/generate-ops/generate.py`; regenerate with",
        f"`{REGENERATE}`.",
        "",
        "## Summary",
        "",
        "| | overloads |",
        "|---|---:|",
        f"| in the schema | {total} |",
        f"| bound | {len(bound)} ({methods} `Tensor` methods, {len(bound) - methods} static functions) |",
        f"| skipped | {total - len(bound)} |",
        "",
        f"Generated code: {c_lines} lines of C/C++ (header and sources), {swift_lines} lines of Swift.",
        "",
        "## Swift naming",
        "",
        "- Op names become lowerCamelCase, keeping leading underscores and the trailing `_` of in-place",
        "  ops: `log_softmax` -> `logSoftmax`, `add_` -> `add_`, `_foreach_add_` -> `_foreachAdd_`.",
        "  Parameter labels are lowerCamelCase schema names; the first word keeps its case (`A`, `LU`).",
        "- A first `Tensor self`/`input` becomes the receiver (`x.conv2d(weight: w)`); other ops are",
        "  `static` (`Tensor.zeros([2, 3])`).",
        "- The first parameter after the receiver is unlabeled when it is one of "
        + ", ".join(f"`{n}`" for n in sorted(UNLABELED_FIRST)) + "; for static functions also when it is",
        "  a `Tensor` or named `size`/`tensors`.",
        "- Overloads that Swift cannot tell apart (same name, same required labels and types) get the",
        "  overload name as a suffix; the overload without a name (else the first) keeps the plain name:",
        "",
    ]
    lines += [f"  - {n}" for n in sorted(notes)]
    lines += ["", "## Type mapping", "", "| schema | C parameters | Swift |", "|---|---|---|"]
    for key, t in sorted(TYPES.items()):
        c = ", ".join(f"`{ctype}{'' if ctype.endswith('*') else ' '}x{suffix}`" for ctype, suffix in t.c_params)
        lines.append(f"| `{key}` | {c} | {f'`{t.swift}`' if t.swift else 'not exposed (none)'} |")
    lines += [
        "| `int reduction` | `int64_t x` | `Reduction` |",
        "| `bool? pin_memory` | `int32_t x` | not exposed (none) |",
        "",
        "Results: `Tensor` -> `Tensor`; `(Tensor, ...)` -> a Swift tuple labelled with the schema's result",
        "names (elements are `Tensor?` for ops with a `bool[N]` output mask and a few attention/RNN",
        "backward ops); `Tensor[]` -> `[Tensor]`; `Scalar`, `bool`, `int`, `float`, `ScalarType` ->",
        "`Scalar`, `Bool`, `Int`, `Double`, `DType`; `()` -> `Void`. Ops that take `layout` and",
        "`pin_memory` and return a tensor get a trailing `requiresGrad: Bool = false`.",
    ]
    lines += ["", "## Skipped overloads", "", "| reason | count |", "|---|---:|"]
    order = sorted(skipped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for reason, items in order:
        lines.append(f"| {reason} | {len(items)} |")
    lines.append("")
    for reason, items in order:
        examples = ", ".join(f"`{s.full_name}`" for s in items[:6])
        more = f" and {len(items) - 6} more" if len(items) > 6 else ""
        lines.append(f"- **{reason}** ({len(items)}): {examples}{more}")
    lines.append("")
    return "\n".join(lines)


# ================================================================================================
# Driver
# ================================================================================================


def index_ops_headers(include_dir: str) -> dict[str, tuple[str, str]]:
    """schema string -> (at::_ops struct name, header file name), from ATen/ops/*_ops.h."""
    ops_dir = os.path.join(include_dir, "ATen", "ops")
    result = {}
    struct_re = re.compile(r'struct TORCH_API (\w+) \{.*?schema_str = "((?:[^"\\]|\\.)*)";', re.S)
    for file in sorted(os.listdir(ops_dir)):
        if not file.endswith("_ops.h"):
            continue
        with open(os.path.join(ops_dir, file)) as f:
            text = f.read()
        for m in struct_re.finditer(text):
            schema = bytes(m.group(2), "utf-8").decode("unicode_escape")
            result[schema] = (m.group(1), file)
    return result


def chunk(items: list, parts: int, weight: Callable) -> list[list]:
    """Splits `items` in order into `parts` runs of similar total weight."""
    total = sum(weight(x) for x in items)
    result, current, acc = [], [], 0.0
    for x in items:
        current.append(x)
        acc += weight(x)
        if acc >= total * (len(result) + 1) / parts and len(result) < parts - 1:
            result.append(current)
            current = []
    result.append(current)
    return result


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--yaml", required=True, help="path to native_functions.yaml")
    parser.add_argument("--torch-include", required=True, help="libtorch's include folder")
    parser.add_argument("--out", required=True, help="the repository root")
    opts = parser.parse_args()

    with open(opts.yaml) as f:
        entries = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemas = [parse_schema(e, i) for i, e in enumerate(entries) if "func" in e]
    ops_index = index_ops_headers(opts.torch_include)

    bound: list[BoundOp] = []
    skipped: dict[str, list[Schema]] = collections.defaultdict(list)
    for s in schemas:
        reason = skip_reason(s, ops_index)
        if reason:
            skipped[reason].append(s)
            continue
        struct, header = ops_index[s.func]
        assert struct == s.cpp_name, (struct, s.cpp_name)
        bound.append(build_op(s, header))
    notes = resolve_swift_names(bound)
    bound.sort(key=lambda op: (op.schema.name.lstrip("_").lower(), op.schema.name, op.schema.index))

    root = opts.out
    header = emit_c_header(bound)
    write(os.path.join(root, "Sources/CTorch/include/ctorch_generated.h"), header)
    c_lines = header.count("\n")
    cpp_dir = os.path.join(root, "Sources/CTorch/generated")
    parts = chunk(bound, CPP_CHUNKS, lambda op: 4 + len(op.params))
    for i, part in enumerate(parts, 1):
        text = emit_c_source(part, i, len(parts))
        c_lines += text.count("\n")
        write(os.path.join(cpp_dir, f"ops_{i}.cpp"), text)
    swift_dir = os.path.join(root, "Sources/Torch/Generated")
    swift_lines = 0
    swift_parts = chunk(bound, SWIFT_CHUNKS, lambda op: 4 + len(op.params))
    for i, part in enumerate(swift_parts, 1):
        text = emit_swift_source(part, i, len(swift_parts))
        swift_lines += text.count("\n")
        write(os.path.join(swift_dir, f"Tensor+Ops{i}.swift"), text)
    for d, pattern in ((cpp_dir, r"ops_(\d+)\.cpp$"), (swift_dir, r"Tensor\+Ops(\d+)\.swift$")):
        for file in os.listdir(d):  # stale parts from a run with more chunks
            m = re.match(pattern, file)
            if m and int(m.group(1)) > (len(parts) if d == cpp_dir else len(swift_parts)):
                os.remove(os.path.join(d, file))
    doc = emit_doc(schemas, bound, skipped, notes, c_lines, swift_lines)
    write(os.path.join(root, "docs/generated-ops.md"), doc)
    print(f"{len(schemas)} overloads: {len(bound)} bound, {len(schemas) - len(bound)} skipped; "
          f"{c_lines} C/C++ lines, {swift_lines} Swift lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
