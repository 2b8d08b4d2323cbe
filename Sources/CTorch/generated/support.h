// Conversions from the C encodings of ctorch_generated.h to the argument types of at::_ops::*::call.
// Used by the generated ops_*.cpp files (Tools/generate-ops/generate.py); not a public header.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "../core/internal.h"

namespace ctorch {

/// `has ? value : none` for the (value, has_value) pairs of int?, SymInt? and float?.
template <typename T>
inline std::optional<T> optional_value(bool has, T value) {
    if (!has) return std::nullopt;
    return std::optional<T>(std::move(value));
}

/// bool?: -1 none, 0 false, 1 true.
inline std::optional<bool> optional_bool(int32_t code) {
    if (code < 0) return std::nullopt;
    return code != 0;
}

inline std::optional<at::Scalar> optional_scalar(ts_scalar s, bool has) {
    if (!has) return std::nullopt;
    return scalar(s);
}

inline std::vector<at::Scalar> scalar_vector(const ts_scalar *data, int64_t len) {
    std::vector<at::Scalar> result;
    result.reserve(static_cast<size_t>(len));
    for (int64_t i = 0; i < len; ++i) result.push_back(scalar(data[i]));
    return result;
}

inline at::IntArrayRef int_list(const int64_t *data, int64_t len) {
    return at::IntArrayRef(data, static_cast<size_t>(len));
}

/// SymInt[] from plain integers (no symbolic sizes cross the C boundary).
inline c10::SymIntArrayRef sym_int_list(const int64_t *data, int64_t len) {
    return c10::fromIntArrayRefSlow(int_list(data, len));
}

/// int[]?: a NULL data pointer is none.
inline at::OptionalIntArrayRef optional_int_list(const int64_t *data, int64_t len) {
    if (data == nullptr) return std::nullopt;
    return int_list(data, len);
}

inline at::OptionalSymIntArrayRef optional_sym_int_list(const int64_t *data, int64_t len) {
    if (data == nullptr) return std::nullopt;
    return sym_int_list(data, len);
}

inline std::optional<at::ArrayRef<double>> optional_double_list(const double *data, int64_t len) {
    if (data == nullptr) return std::nullopt;
    return at::ArrayRef<double>(data, static_cast<size_t>(len));
}

/// bool[N]: exactly N values.
template <size_t N>
inline std::array<bool, N> bool_array(const bool *data) {
    std::array<bool, N> result{};
    for (size_t i = 0; i < N; ++i) result[i] = data[i];
    return result;
}

/// Layout?: -1 none, otherwise a c10::Layout code.
inline std::optional<at::Layout> optional_layout(int32_t code) {
    if (code < 0) return std::nullopt;
    return static_cast<at::Layout>(code);
}

/// MemoryFormat?: -1 none, otherwise a c10::MemoryFormat code (0 contiguous, 1 preserve,
/// 2 channels last, 3 channels last 3d).
inline std::optional<at::MemoryFormat> optional_memory_format(int32_t code) {
    if (code < 0) return std::nullopt;
    return static_cast<at::MemoryFormat>(code);
}

/// Device?: type -1 is none.
inline std::optional<at::Device> optional_device(ts_device d) {
    if (d.type < 0) return std::nullopt;
    return device(d);
}

/// str?: NULL is none.
inline std::optional<c10::string_view> optional_string(const char *s) {
    if (s == nullptr) return std::nullopt;
    return c10::string_view(s);
}

}  // namespace ctorch
