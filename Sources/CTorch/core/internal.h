// Internal helpers shared by the hand-written core and the generated op layer. Not a public header.
#pragma once

#ifdef CTORCH_GENERATED_OPS
// The generated op files (Sources/CTorch/generated) include only the ATen/ops/*_ops.h headers they
// call, so they take the core types here instead of all of ATen (a large share of compile time).
#include <ATen/core/Generator.h>
#include <ATen/core/List.h>
#include <ATen/core/Tensor.h>
#include <c10/core/SymIntArrayRef.h>
#else
#include <ATen/ATen.h>
#include <ATen/Operators.h>
#endif
#include <atomic>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "ctorch_core.h"

struct ts_error_s {
    std::string message;
};

namespace ctorch {

extern std::atomic<int64_t> live_tensors;
extern thread_local int64_t thread_tensor_balance;

/// libtorch's message without the C++ backtrace ("Exception raised from ... frame #0 ...").
std::string trim_message(const char *what);

inline ts_error make_error(const char *what) { return new ts_error_s{trim_message(what)}; }

inline at::Tensor &tensor(ts_tensor t) { return *reinterpret_cast<at::Tensor *>(t); }

inline ts_tensor wrap(at::Tensor &&t) {
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    ++thread_tensor_balance;
    return reinterpret_cast<ts_tensor>(new at::Tensor(std::move(t)));
}
inline ts_tensor wrap(const at::Tensor &t) {
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    ++thread_tensor_balance;
    return reinterpret_cast<ts_tensor>(new at::Tensor(t));
}
/// Like wrap, but an undefined tensor becomes a NULL handle.
inline ts_tensor wrap_optional(const at::Tensor &t) { return t.defined() ? wrap(t) : nullptr; }

inline std::optional<at::Tensor> optional_tensor(ts_tensor t) {
    if (t == nullptr) return std::nullopt;
    return tensor(t);
}

inline at::Scalar scalar(ts_scalar s) {
    switch (s.kind) {
    case 1: return at::Scalar(s.i);
    case 2: return at::Scalar(s.i != 0);
    default: return at::Scalar(s.f);
    }
}

inline ts_scalar to_ts_scalar(const at::Scalar &s) {
    if (s.isBoolean()) return ts_scalar{2, 0, s.toBool() ? 1 : 0};
    if (s.isIntegral(false)) return ts_scalar{1, 0, s.toLong()};
    return ts_scalar{0, s.toDouble(), 0};
}

at::Device device(ts_device d);
ts_device to_ts_device(const at::Device &d);
at::Generator &generator(ts_generator g);
inline std::optional<at::Generator> optional_generator(ts_generator g) {
    if (g == nullptr) return std::nullopt;
    return generator(g);
}

inline std::optional<at::ScalarType> optional_dtype(int32_t code) {
    if (code < 0) return std::nullopt;
    return static_cast<at::ScalarType>(code);
}

inline std::vector<at::Tensor> tensor_vector(const ts_tensor *data, int64_t len) {
    std::vector<at::Tensor> result;
    result.reserve(static_cast<size_t>(len));
    for (int64_t i = 0; i < len; ++i) result.push_back(tensor(data[i]));
    return result;
}

inline c10::List<std::optional<at::Tensor>> optional_tensor_list(const ts_tensor *data, int64_t len) {
    c10::List<std::optional<at::Tensor>> result;
    result.reserve(static_cast<size_t>(len));
    for (int64_t i = 0; i < len; ++i) result.push_back(optional_tensor(data[i]));
    return result;
}

/// Returns a malloc'ed array of fresh handles for a list result (the caller frees it with
/// ts_tensor_list_free after taking ownership of the handles).
ts_tensor *wrap_list(const std::vector<at::Tensor> &list, int64_t *len);

}  // namespace ctorch

/// Runs `body`, turning every C++ exception into a returned ts_error. Every fallible entry point uses it.
#define CTORCH_GUARD(body)                                                                          \
    try {                                                                                           \
        body;                                                                                       \
        return nullptr;                                                                             \
    } catch (const std::exception &e) {                                                             \
        return ctorch::make_error(e.what());                                                        \
    } catch (...) {                                                                                 \
        return ctorch::make_error("unknown C++ exception in libtorch");                             \
    }
