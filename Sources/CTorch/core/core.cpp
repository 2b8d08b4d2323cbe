// The hand-written core of CTorch: errors, lifecycle, data in and out, queries, autograd, modes,
// random numbers, threads and CUDA loading. Every fallible entry point is wrapped in CTORCH_GUARD.
#include "internal.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/anomaly_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <pthread.h>

namespace ctorch {

std::atomic<int64_t> live_tensors{0};
thread_local int64_t thread_tensor_balance = 0;

std::string trim_message(const char *what) {
    std::string message = what ? what : "unknown error";
    // c10::Error::what() appends the C++ backtrace after the message; keep only the message.
    for (const char *marker : {"\nException raised from ", "Exception raised from "}) {
        auto position = message.find(marker);
        if (position != std::string::npos) message.erase(position);
    }
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
}

at::Device device(ts_device d) {
    switch (d.type) {
    case 0: return at::Device(at::kCPU);
    case 1: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(d.index));
    default: throw std::invalid_argument("unknown device type code " + std::to_string(d.type));
    }
}

ts_device to_ts_device(const at::Device &d) {
    if (d.is_cuda()) return ts_device{1, d.index()};
    if (d.is_cpu()) return ts_device{0, -1};
    return ts_device{-1, d.index()};
}

at::Generator &generator(ts_generator g) { return *reinterpret_cast<at::Generator *>(g); }

ts_tensor *wrap_list(const std::vector<at::Tensor> &list, int64_t *len) {
    auto *result = static_cast<ts_tensor *>(std::malloc(sizeof(ts_tensor) * (list.size() + 1)));
    if (result == nullptr) throw std::bad_alloc();
    for (size_t i = 0; i < list.size(); ++i) result[i] = wrap_optional(list[i]);
    result[list.size()] = nullptr;
    *len = static_cast<int64_t>(list.size());
    return result;
}

}  // namespace ctorch

using ctorch::tensor;
using ctorch::wrap;

extern "C" {

// MARK: Errors

const char *ts_error_message(ts_error error) { return error ? error->message.c_str() : ""; }
void ts_error_free(ts_error error) { delete error; }

// MARK: Lifecycle

void ts_tensor_free(ts_tensor t) {
    if (t == nullptr) return;
    ctorch::live_tensors.fetch_sub(1, std::memory_order_relaxed);
    --ctorch::thread_tensor_balance;
    delete reinterpret_cast<at::Tensor *>(t);
}

int64_t ts_live_tensor_count(void) { return ctorch::live_tensors.load(std::memory_order_relaxed); }
int64_t ts_thread_tensor_balance(void) { return ctorch::thread_tensor_balance; }

ts_error ts_tensor_alias(ts_tensor t, ts_tensor *out) { CTORCH_GUARD(*out = wrap(tensor(t))) }

void ts_tensor_list_free(ts_tensor *list) { std::free(list); }

ts_tensor ts_tensor_new_undefined(void) { return wrap(at::Tensor()); }

// MARK: Data in and out

ts_error ts_tensor_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                             int32_t dtype, ts_device device, ts_tensor *out) {
    CTORCH_GUARD({
        auto options = at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype));
        auto result = at::empty(at::IntArrayRef(shape, static_cast<size_t>(ndim)), options);
        size_t expected = static_cast<size_t>(result.numel()) * result.element_size();
        TORCH_CHECK(expected == nbytes, "the data holds ", nbytes, " bytes but a tensor of shape ",
                    result.sizes(), " and dtype ", result.scalar_type(), " needs ", expected);
        if (nbytes > 0) std::memcpy(result.data_ptr(), data, nbytes);
        auto target = ctorch::device(device);
        if (!target.is_cpu()) result = result.to(target);
        *out = wrap(std::move(result));
    })
}

ts_error ts_tensor_copy_to(ts_tensor t, void *dst, size_t nbytes) {
    CTORCH_GUARD({
        auto source = tensor(t).detach();
        // A ZeroTensor (what some backward formulas return, e.g. for sgn) has no storage to copy from.
        if (source._is_zerotensor()) source = at::zeros(source.sizes(), source.options());
        if (!source.device().is_cpu()) source = source.to(at::kCPU);
        source = source.contiguous();
        size_t expected = static_cast<size_t>(source.numel()) * source.element_size();
        TORCH_CHECK(expected == nbytes, "the destination holds ", nbytes, " bytes but the tensor has ",
                    expected);
        if (nbytes > 0) std::memcpy(dst, source.data_ptr(), nbytes);
    })
}

ts_error ts_tensor_item(ts_tensor t, ts_scalar *out) {
    CTORCH_GUARD({
        auto value = tensor(t);
        if (value._is_zerotensor()) value = at::zeros(value.sizes(), value.options());
        *out = ctorch::to_ts_scalar(value.item());
    })
}

void *ts_tensor_data_ptr(ts_tensor t) { return tensor(t).data_ptr(); }

// MARK: Queries

bool ts_tensor_defined(ts_tensor t) { return tensor(t).defined(); }
int64_t ts_tensor_dim(ts_tensor t) { return tensor(t).dim(); }
int64_t ts_tensor_sizes(ts_tensor t, int64_t *out, int64_t capacity) {
    auto sizes = tensor(t).sizes();
    for (int64_t i = 0; i < static_cast<int64_t>(sizes.size()) && i < capacity; ++i) out[i] = sizes[i];
    return static_cast<int64_t>(sizes.size());
}
int64_t ts_tensor_strides(ts_tensor t, int64_t *out, int64_t capacity) {
    auto strides = tensor(t).strides();
    for (int64_t i = 0; i < static_cast<int64_t>(strides.size()) && i < capacity; ++i) out[i] = strides[i];
    return static_cast<int64_t>(strides.size());
}
int64_t ts_tensor_numel(ts_tensor t) { return tensor(t).numel(); }
int64_t ts_tensor_storage_offset(ts_tensor t) { return tensor(t).storage_offset(); }
int64_t ts_tensor_element_size(ts_tensor t) { return static_cast<int64_t>(tensor(t).element_size()); }
int32_t ts_tensor_dtype(ts_tensor t) { return static_cast<int32_t>(tensor(t).scalar_type()); }
ts_device ts_tensor_device(ts_tensor t) { return ctorch::to_ts_device(tensor(t).device()); }
bool ts_tensor_is_contiguous(ts_tensor t) { return tensor(t).is_contiguous(); }
bool ts_tensor_is_pinned(ts_tensor t) {
    try {
        return tensor(t).is_pinned();
    } catch (...) {
        return false;
    }
}
bool ts_tensor_requires_grad(ts_tensor t) { return tensor(t).requires_grad(); }
bool ts_tensor_is_leaf(ts_tensor t) { return tensor(t).is_leaf(); }
bool ts_tensor_same(ts_tensor a, ts_tensor b) { return tensor(a).is_same(tensor(b)); }
int64_t ts_tensor_grad_fn_name(ts_tensor t, char *out, int64_t capacity) {
    std::string name;
    if (auto fn = tensor(t).grad_fn()) name = fn->name();
    // Names come as "torch::autograd::AddBackward0"; keep Python's short form.
    auto colon = name.rfind("::");
    if (colon != std::string::npos) name = name.substr(colon + 2);
    if (capacity > 0) {
        auto n = std::min<int64_t>(capacity - 1, static_cast<int64_t>(name.size()));
        std::memcpy(out, name.data(), static_cast<size_t>(n));
        out[n] = 0;
    }
    return static_cast<int64_t>(name.size());
}

// MARK: Conversion

ts_error ts_tensor_to(ts_tensor t, ts_device device, int32_t dtype, bool non_blocking, bool copy, ts_tensor *out) {
    CTORCH_GUARD({
        auto &self = tensor(t);
        auto target_device = device.type < 0 ? self.device() : ctorch::device(device);
        auto target_dtype = dtype < 0 ? self.scalar_type() : static_cast<at::ScalarType>(dtype);
        *out = wrap(self.to(target_device, target_dtype, non_blocking, copy));
    })
}

ts_error ts_tensor_set_data(ts_tensor t, ts_tensor data) { CTORCH_GUARD(tensor(t).set_data(tensor(data))) }

ts_error ts_tensor_copy_(ts_tensor dst, ts_tensor src, bool non_blocking) {
    CTORCH_GUARD(tensor(dst).copy_(tensor(src), non_blocking))
}

// MARK: Autograd

ts_error ts_tensor_set_requires_grad(ts_tensor t, bool requires_grad) {
    CTORCH_GUARD(tensor(t).set_requires_grad(requires_grad))
}

ts_error ts_tensor_grad(ts_tensor t, ts_tensor *out) { CTORCH_GUARD(*out = ctorch::wrap_optional(tensor(t).grad())) }

ts_error ts_tensor_set_grad(ts_tensor t, ts_tensor grad) {
    CTORCH_GUARD(tensor(t).mutable_grad() = grad ? tensor(grad) : at::Tensor())
}

ts_error ts_tensor_retain_grad(ts_tensor t) { CTORCH_GUARD(tensor(t).retain_grad()) }

ts_error ts_tensor_backward(ts_tensor t, ts_tensor gradient, int32_t retain_graph, bool create_graph) {
    CTORCH_GUARD({
        std::optional<bool> retain;
        if (retain_graph >= 0) retain = retain_graph != 0;
        tensor(t).backward(gradient ? tensor(gradient) : at::Tensor(), retain, create_graph);
    })
}

ts_error ts_autograd_grad(const ts_tensor *outputs, int64_t n_outputs, const ts_tensor *inputs, int64_t n_inputs,
                          const ts_tensor *grad_outputs, int32_t retain_graph, bool create_graph, bool allow_unused,
                          ts_tensor *out) {
    CTORCH_GUARD({
        auto outs = ctorch::tensor_vector(outputs, n_outputs);
        auto ins = ctorch::tensor_vector(inputs, n_inputs);
        std::vector<at::Tensor> grads;
        if (grad_outputs != nullptr) {
            for (int64_t i = 0; i < n_outputs; ++i)
                grads.push_back(grad_outputs[i] ? tensor(grad_outputs[i]) : at::Tensor());
        }
        std::optional<bool> retain;
        if (retain_graph >= 0) retain = retain_graph != 0;
        auto result = torch::autograd::grad(outs, ins, grads, retain, create_graph, allow_unused);
        for (size_t i = 0; i < result.size(); ++i) out[i] = ctorch::wrap_optional(result[i]);
    })
}

// MARK: Modes

bool ts_grad_mode_is_enabled(void) { return at::GradMode::is_enabled(); }
void ts_grad_mode_set_enabled(bool enabled) { at::GradMode::set_enabled(enabled); }

ts_error ts_inference_mode_enter(bool enabled, ts_guard *out) {
    CTORCH_GUARD(*out = reinterpret_cast<ts_guard>(new c10::InferenceMode(enabled)))
}
bool ts_inference_mode_is_enabled(void) { return c10::InferenceMode::is_enabled(); }
void ts_guard_free(ts_guard guard) { delete reinterpret_cast<c10::InferenceMode *>(guard); }

void ts_anomaly_mode_set_enabled(bool enabled, bool check_nan) {
    torch::autograd::AnomalyMode::set_enabled(enabled, check_nan);
}
bool ts_anomaly_mode_is_enabled(void) { return torch::autograd::AnomalyMode::is_enabled(); }

// MARK: Autocast

static at::DeviceType autocast_device(int32_t device_type) { return device_type == 1 ? at::kCUDA : at::kCPU; }
bool ts_autocast_is_enabled(int32_t device_type) { return at::autocast::is_autocast_enabled(autocast_device(device_type)); }
void ts_autocast_set_enabled(int32_t device_type, bool enabled) {
    at::autocast::set_autocast_enabled(autocast_device(device_type), enabled);
}
int32_t ts_autocast_get_dtype(int32_t device_type) {
    return static_cast<int32_t>(at::autocast::get_autocast_dtype(autocast_device(device_type)));
}
void ts_autocast_set_dtype(int32_t device_type, int32_t dtype) {
    at::autocast::set_autocast_dtype(autocast_device(device_type), static_cast<at::ScalarType>(dtype));
}
int64_t ts_autocast_increment_nesting(void) { return at::autocast::increment_nesting(); }
int64_t ts_autocast_decrement_nesting(void) { return at::autocast::decrement_nesting(); }
void ts_autocast_clear_cache(void) { at::autocast::clear_cache(); }
bool ts_autocast_is_cache_enabled(void) { return at::autocast::is_autocast_cache_enabled(); }
void ts_autocast_set_cache_enabled(bool enabled) { at::autocast::set_autocast_cache_enabled(enabled); }

// MARK: Random numbers

void ts_manual_seed(uint64_t seed) { at::manual_seed(seed); }
uint64_t ts_initial_seed(void) { return at::detail::getDefaultCPUGenerator().current_seed(); }

ts_error ts_generator_new(ts_device device, uint64_t seed, ts_generator *out) {
    CTORCH_GUARD({
        auto d = ctorch::device(device);
        at::Generator g;
        if (d.is_cuda()) {
            TORCH_CHECK(at::hasCUDA(), "a CUDA generator needs CUDA; call Torch.CUDA.load() first");
            g = at::detail::getCUDAHooks().getNewGenerator(d.index());
        } else {
            g = at::detail::createCPUGenerator(seed);
        }
        g.set_current_seed(seed);
        *out = reinterpret_cast<ts_generator>(new at::Generator(std::move(g)));
    })
}

ts_error ts_generator_default(ts_device device, ts_generator *out) {
    CTORCH_GUARD({
        auto d = ctorch::device(device);
        at::Generator g = d.is_cuda() ? at::detail::getCUDAHooks().getDefaultGenerator(d.index())
                                      : at::detail::getDefaultCPUGenerator();
        *out = reinterpret_cast<ts_generator>(new at::Generator(g));
    })
}

void ts_generator_free(ts_generator g) { delete reinterpret_cast<at::Generator *>(g); }

ts_error ts_generator_set_seed(ts_generator g, uint64_t seed) {
    CTORCH_GUARD({
        auto &gen = ctorch::generator(g);
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
    })
}

uint64_t ts_generator_seed(ts_generator g) { return ctorch::generator(g).current_seed(); }

ts_error ts_generator_get_state(ts_generator g, ts_tensor *out) {
    CTORCH_GUARD({
        auto &gen = ctorch::generator(g);
        std::lock_guard<std::mutex> lock(gen.mutex());
        *out = wrap(gen.get_state());
    })
}

ts_error ts_generator_set_state(ts_generator g, ts_tensor state) {
    CTORCH_GUARD({
        auto &gen = ctorch::generator(g);
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(tensor(state));
    })
}

// MARK: Threads, determinism, information

void ts_set_num_threads(int32_t n) { at::set_num_threads(n); }
int32_t ts_get_num_threads(void) { return at::get_num_threads(); }
void ts_set_current_thread_name(const char *name) {
    char truncated[16] = {0};  // Linux keeps 15 characters and the terminator
    std::strncpy(truncated, name, sizeof(truncated) - 1);
#if defined(__APPLE__)
    pthread_setname_np(truncated);
#else
    pthread_setname_np(pthread_self(), truncated);
#endif
}

void ts_set_thread_intraop_threads(int32_t n) {
    // at::set_num_threads would also change the process-wide default that new threads copy; the
    // OpenMP and MKL settings below are per calling thread. at::get_num_threads() first runs ATen's
    // lazy per-thread initialisation, which would otherwise overwrite them on the first parallel op.
    (void)at::get_num_threads();
    using SetThreads = void (*)(int);
    static auto omp_set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    static auto mkl_set_local = reinterpret_cast<int (*)(int)>(dlsym(RTLD_DEFAULT, "MKL_Set_Num_Threads_Local"));
    if (omp_set) omp_set(n);
    if (mkl_set_local) mkl_set_local(n);
}
ts_error ts_set_num_interop_threads(int32_t n) { CTORCH_GUARD(at::set_num_interop_threads(n)) }
int32_t ts_get_num_interop_threads(void) { return at::get_num_interop_threads(); }
ts_error ts_set_deterministic_algorithms(bool enabled, bool warn_only) {
    CTORCH_GUARD(at::globalContext().setDeterministicAlgorithms(enabled, warn_only))
}
bool ts_deterministic_algorithms_enabled(void) { return at::globalContext().deterministicAlgorithms(); }
void ts_set_cudnn_benchmark(bool enabled) { at::globalContext().setBenchmarkCuDNN(enabled); }
bool ts_cudnn_benchmark_enabled(void) { return at::globalContext().benchmarkCuDNN(); }
const char *ts_torch_version(void) { return TORCH_VERSION; }
char *ts_show_config(void) { return strdup(at::show_config().c_str()); }
void ts_string_free(char *string) { std::free(string); }

// MARK: CUDA

static std::mutex cuda_load_mutex;
static bool cuda_loaded = false;

ts_error ts_cuda_load(void) {
    CTORCH_GUARD({
        std::lock_guard<std::mutex> lock(cuda_load_mutex);
        if (cuda_loaded) return nullptr;
        // Find the folder that holds libtorch_cpu.so from one of its symbols.
        Dl_info info;
        TORCH_CHECK(dladdr(reinterpret_cast<void *>(&at::manual_seed), &info) != 0 && info.dli_fname != nullptr,
                    "cannot locate libtorch_cpu.so to find the CUDA libraries beside it");
        std::string folder(info.dli_fname);
        folder = folder.substr(0, folder.rfind('/'));
        for (const char *name : {"libc10_cuda.so", "libtorch_cuda.so"}) {
            std::string path = folder + "/" + name;
            if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
                const char *reason = dlerror();
                TORCH_CHECK(false, "CUDA is not available: loading ", path, " failed: ",
                            reason ? reason : "unknown reason",
                            ". A CUDA machine needs the full torch install (LIBTORCH_USE_PYTORCH=1).");
            }
        }
        cuda_loaded = true;
    })
}

bool ts_cuda_is_available(void) {
    try {
        return at::hasCUDA() && at::detail::getCUDAHooks().deviceCount() > 0;
    } catch (...) {
        return false;
    }
}

int64_t ts_cuda_device_count(void) {
    try {
        return at::hasCUDA() ? at::detail::getCUDAHooks().deviceCount() : 0;
    } catch (...) {
        return 0;
    }
}

ts_error ts_cuda_synchronize(int32_t device_index) {
    CTORCH_GUARD(at::detail::getCUDAHooks().deviceSynchronize(static_cast<c10::DeviceIndex>(device_index)))
}

ts_error ts_cuda_manual_seed_all(uint64_t seed) {
    CTORCH_GUARD({
        auto count = at::detail::getCUDAHooks().deviceCount();
        for (c10::DeviceIndex i = 0; i < count; ++i) {
            auto g = at::detail::getCUDAHooks().getDefaultGenerator(i);
            std::lock_guard<std::mutex> lock(g.mutex());
            g.set_current_seed(seed);
        }
    })
}

// What ts_cuda_memory_stats writes, checked when this file compiles (a libtorch with more pool
// types would otherwise write past the caller's buffer): 9 stat arrays of 4 values per pool, 2
// single stats of 4 values, 6 counters.
static_assert(9 * 4 * std::tuple_size<c10::CachingAllocator::StatArray>::value + 2 * 4 + 6 == TS_CUDA_MEMORY_STAT_COUNT,
              "TS_CUDA_MEMORY_STAT_COUNT no longer matches c10's DeviceStats; update it and CUDA.memoryStats");

ts_error ts_cuda_memory_stats(int32_t device_index, int64_t *out, bool *initialized) {
    CTORCH_GUARD({
        auto *allocator = c10::getDeviceAllocator(c10::DeviceType::CUDA);
        *initialized = allocator->initialized();
        if (!*initialized) return nullptr;
        auto stats = allocator->getDeviceStats(static_cast<c10::DeviceIndex>(device_index));
        size_t i = 0;
        auto put = [&](const c10::CachingAllocator::Stat &stat) {
            out[i++] = stat.current;
            out[i++] = stat.peak;
            out[i++] = stat.allocated;
            out[i++] = stat.freed;
        };
        for (const auto *array : {&stats.allocation, &stats.segment, &stats.active, &stats.inactive_split,
                                  &stats.allocated_bytes, &stats.reserved_bytes, &stats.active_bytes,
                                  &stats.inactive_split_bytes, &stats.requested_bytes}) {
            for (const auto &stat : *array) put(stat);
        }
        put(stats.oversize_allocations);
        put(stats.oversize_segments);
        for (int64_t value : {stats.num_alloc_retries, stats.num_ooms, stats.num_sync_all_streams,
                              stats.num_device_alloc, stats.num_device_free, stats.max_split_size}) {
            out[i++] = value;
        }
    })
}

ts_error ts_cuda_empty_cache(void) {
    CTORCH_GUARD({
        auto *allocator = c10::getDeviceAllocator(c10::DeviceType::CUDA);
        if (allocator->initialized()) allocator->emptyCache();
    })
}

ts_error ts_cuda_memory_info(int32_t device_index, int64_t *free_bytes, int64_t *total_bytes) {
    CTORCH_GUARD({
        auto info = c10::getDeviceAllocator(c10::DeviceType::CUDA)->getMemoryInfo(static_cast<c10::DeviceIndex>(device_index));
        *free_bytes = static_cast<int64_t>(info.first);
        *total_bytes = static_cast<int64_t>(info.second);
    })
}

}  // extern "C"
