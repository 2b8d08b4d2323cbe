// CTorch: a flat C ABI over libtorch. Hand-written core (lifecycle, data, autograd, modes, devices).
//
// Conventions (the generated op layer in ctorch_generated.h follows them too):
// - Every fallible function returns a `ts_error`: NULL on success, otherwise an error the caller
//   owns and must release with ts_error_free. No C++ exception ever crosses this boundary.
// - Results come back through out-parameters. Each returned ts_tensor is a fresh handle the caller
//   owns and releases with ts_tensor_free; inputs are borrowed.
// - Optional tensors are NULL handles; optional numbers are (value, has_value) pairs; optional lists
//   are NULL pointers; dtypes are c10::ScalarType codes with -1 meaning "none".
#ifndef CTORCH_CORE_H
#define CTORCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_error_s *ts_error;
typedef struct ts_tensor_s *ts_tensor;
typedef struct ts_generator_s *ts_generator;
typedef struct ts_guard_s *ts_guard;

/// A number that crosses the boundary by value: kind 0 = floating (f), 1 = integer (i), 2 = bool (i).
typedef struct {
    int32_t kind;
    double f;
    int64_t i;
} ts_scalar;

/// A device: type 0 = CPU, 1 = CUDA; index -1 = the current device of that type.
typedef struct {
    int32_t type;
    int32_t index;
} ts_device;

// MARK: Errors

/// The message of an error (libtorch's text without its C++ backtrace). Valid until ts_error_free.
const char *ts_error_message(ts_error error);
void ts_error_free(ts_error error);

// MARK: Lifecycle

void ts_tensor_free(ts_tensor tensor);
/// The number of tensor handles alive now (created and not yet freed); for leak tests.
int64_t ts_live_tensor_count(void);
/// Handles created minus handles freed on the calling thread: a leak check that other threads
/// (tests running in parallel) cannot disturb.
int64_t ts_thread_tensor_balance(void);
/// A second handle to the same tensor (same storage, same autograd identity).
ts_error ts_tensor_alias(ts_tensor tensor, ts_tensor *out);
/// Frees the array that a list-returning function allocated (not the handles in it, which the
/// caller owns).
void ts_tensor_list_free(ts_tensor *list);
/// An undefined tensor handle (libtorch's `Tensor()`), used where an op needs "no tensor".
ts_tensor ts_tensor_new_undefined(void);

// MARK: Data in and out

/// A new CPU-or-device tensor holding a copy of `data` (nbytes = numel * element size of dtype).
ts_error ts_tensor_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                             int32_t dtype, ts_device device, ts_tensor *out);
/// Copies the elements, in row-major order, into `dst` (nbytes must equal numel * element size).
/// Works for any device and any strides.
ts_error ts_tensor_copy_to(ts_tensor tensor, void *dst, size_t nbytes);
/// The first element as a scalar (the tensor must have exactly one element).
ts_error ts_tensor_item(ts_tensor tensor, ts_scalar *out);
/// The address of the first element of a CPU tensor; for the Torch layer's internal fast paths.
void *ts_tensor_data_ptr(ts_tensor tensor);

// MARK: Queries (valid handles only; these cannot fail)

bool ts_tensor_defined(ts_tensor tensor);
int64_t ts_tensor_dim(ts_tensor tensor);
/// Writes min(dim, capacity) sizes; returns dim.
int64_t ts_tensor_sizes(ts_tensor tensor, int64_t *out, int64_t capacity);
int64_t ts_tensor_strides(ts_tensor tensor, int64_t *out, int64_t capacity);
int64_t ts_tensor_numel(ts_tensor tensor);
int64_t ts_tensor_storage_offset(ts_tensor tensor);
int64_t ts_tensor_element_size(ts_tensor tensor);
int32_t ts_tensor_dtype(ts_tensor tensor);
ts_device ts_tensor_device(ts_tensor tensor);
bool ts_tensor_is_contiguous(ts_tensor tensor);
bool ts_tensor_is_pinned(ts_tensor tensor);
bool ts_tensor_requires_grad(ts_tensor tensor);
bool ts_tensor_is_leaf(ts_tensor tensor);
/// True when both handles refer to the same TensorImpl.
bool ts_tensor_same(ts_tensor a, ts_tensor b);
/// The name of the autograd node that made this tensor ("AddBackward0"), or "" for leaves.
/// Writes at most capacity-1 bytes and a terminating zero; returns the full length.
int64_t ts_tensor_grad_fn_name(ts_tensor tensor, char *out, int64_t capacity);

// MARK: Indexing (PyTorch's subscripts: integers, slices, ellipsis, None, booleans, index tensors)

/// One entry of a subscript. kind: 0 integer (start), 1 slice (start, stop, step; flags bit 0 =
/// has start, bit 1 = has stop), 2 ellipsis, 3 new axis (None), 4 boolean (start != 0),
/// 5 tensor (index or mask).
typedef struct {
    int32_t kind;
    int32_t flags;
    int64_t start;
    int64_t stop;
    int64_t step;
    ts_tensor tensor;
} ts_index;

/// tensor[indices] (a view for basic indexing, a copy for advanced indexing).
ts_error ts_tensor_index(ts_tensor tensor, const ts_index *indices, int64_t count, ts_tensor *out);
/// tensor[indices] = value (value is a tensor, or NULL with `scalar` used instead).
ts_error ts_tensor_index_put(ts_tensor tensor, const ts_index *indices, int64_t count, ts_tensor value,
                             ts_scalar scalar);

// MARK: Conversion

/// dtype -1 keeps the dtype; device.type -1 keeps the device.
ts_error ts_tensor_to(ts_tensor tensor, ts_device device, int32_t dtype, bool non_blocking, bool copy,
                      ts_tensor *out);

/// Replaces the data of `tensor` with that of `data` (PyTorch's `tensor.data = data`), keeping the
/// tensor's identity, so references held elsewhere (optimizers) see the new device or dtype.
ts_error ts_tensor_set_data(ts_tensor tensor, ts_tensor data);

/// dst.copy_(src) (broadcasting, converting dtype and device).
ts_error ts_tensor_copy_(ts_tensor dst, ts_tensor src, bool non_blocking);

// MARK: Autograd

ts_error ts_tensor_set_requires_grad(ts_tensor tensor, bool requires_grad);
/// The accumulated gradient; *out is NULL when there is none.
ts_error ts_tensor_grad(ts_tensor tensor, ts_tensor *out);
/// Sets (grad non-NULL) or clears (grad NULL) the gradient.
ts_error ts_tensor_set_grad(ts_tensor tensor, ts_tensor grad);
ts_error ts_tensor_retain_grad(ts_tensor tensor);
/// tensor.backward(gradient, retain_graph, create_graph); gradient may be NULL for scalars.
/// retain_graph: -1 = default (same as create_graph), 0 = false, 1 = true.
ts_error ts_tensor_backward(ts_tensor tensor, ts_tensor gradient, int32_t retain_graph, bool create_graph);
/// torch.autograd.grad. grad_outputs entries may be NULL. out[i] is NULL where an input is unused
/// and allow_unused is true. retain_graph: -1 = default.
ts_error ts_autograd_grad(const ts_tensor *outputs, int64_t n_outputs, const ts_tensor *inputs,
                          int64_t n_inputs, const ts_tensor *grad_outputs, int32_t retain_graph,
                          bool create_graph, bool allow_unused, ts_tensor *out);

// MARK: Thread-local modes (grad mode, inference mode, anomaly detection)

bool ts_grad_mode_is_enabled(void);
void ts_grad_mode_set_enabled(bool enabled);
/// Enters inference mode (or leaves it, enabled = false) until ts_guard_free on the same thread.
ts_error ts_inference_mode_enter(bool enabled, ts_guard *out);
bool ts_inference_mode_is_enabled(void);
void ts_guard_free(ts_guard guard);
void ts_anomaly_mode_set_enabled(bool enabled, bool check_nan);
bool ts_anomaly_mode_is_enabled(void);

// MARK: Autocast (mixed precision)

/// device_type 0 = CPU, 1 = CUDA.
bool ts_autocast_is_enabled(int32_t device_type);
void ts_autocast_set_enabled(int32_t device_type, bool enabled);
int32_t ts_autocast_get_dtype(int32_t device_type);
void ts_autocast_set_dtype(int32_t device_type, int32_t dtype);
int64_t ts_autocast_increment_nesting(void);
int64_t ts_autocast_decrement_nesting(void);
void ts_autocast_clear_cache(void);
bool ts_autocast_is_cache_enabled(void);
void ts_autocast_set_cache_enabled(bool enabled);

// MARK: Random numbers

/// Seeds the default generators of every device (torch.manual_seed).
void ts_manual_seed(uint64_t seed);
uint64_t ts_initial_seed(void);
/// A new CPU (device.type 0) or CUDA generator seeded with `seed`.
ts_error ts_generator_new(ts_device device, uint64_t seed, ts_generator *out);
/// The default generator of a device (a new handle to it; free it as usual).
ts_error ts_generator_default(ts_device device, ts_generator *out);
void ts_generator_free(ts_generator generator);
ts_error ts_generator_set_seed(ts_generator generator, uint64_t seed);
uint64_t ts_generator_seed(ts_generator generator);
/// The full state as a uint8 tensor (torch.Generator.get_state()).
ts_error ts_generator_get_state(ts_generator generator, ts_tensor *out);
ts_error ts_generator_set_state(ts_generator generator, ts_tensor state);

// MARK: Threads, determinism, library information

void ts_set_num_threads(int32_t n);
int32_t ts_get_num_threads(void);
/// Sets the intra-op thread count of the calling thread only (OpenMP and MKL), as PyTorch's
/// DataLoader workers do with torch.set_num_threads(1) in their own processes.
void ts_set_thread_intraop_threads(int32_t n);
/// Names the calling thread (for debuggers and backtraces; Linux keeps 15 characters).
void ts_set_current_thread_name(const char *name);
ts_error ts_set_num_interop_threads(int32_t n);
int32_t ts_get_num_interop_threads(void);
ts_error ts_set_deterministic_algorithms(bool enabled, bool warn_only);
bool ts_deterministic_algorithms_enabled(void);
void ts_set_cudnn_benchmark(bool enabled);
bool ts_cudnn_benchmark_enabled(void);
/// "2.11.0" (TORCH_VERSION of the headers CTorch was compiled with).
const char *ts_torch_version(void);
/// The libtorch build description (at::show_config()). Caller frees with ts_string_free.
char *ts_show_config(void);
void ts_string_free(char *string);

// MARK: CPU memory cache (core/cpu_memory.cpp)

/// The number of values ts_cpu_memory_cache_stats writes.
#define TS_CPU_MEMORY_CACHE_STAT_COUNT 5
/// The CPU caching allocator's state: enabled (0/1), limit on idle bytes, idle bytes now, hits
/// (allocations served from the cache), misses (allocations of a cached size it could not serve).
void ts_cpu_memory_cache_stats(int64_t *out);
/// Turns caching on or off (off frees the idle blocks; blocks in use are freed when released).
void ts_cpu_memory_cache_set_enabled(bool enabled);
/// Sets the limit on idle cached bytes, freeing the largest idle blocks down to it.
void ts_cpu_memory_cache_set_limit(int64_t bytes);
/// Frees every idle block.
void ts_cpu_memory_cache_empty(void);
/// The idle blocks that a request of `bytes` could reuse (for tests).
int64_t ts_cpu_memory_cache_idle_blocks(int64_t bytes);

// MARK: CUDA (loaded at run time)

/// Loads libtorch_cuda.so (and libc10_cuda.so) with global symbol visibility from the folder that
/// holds libtorch_cpu.so. Idempotent. Fails with the loader's message when the CUDA libraries or the
/// driver are missing.
ts_error ts_cuda_load(void);
bool ts_cuda_is_available(void);
int64_t ts_cuda_device_count(void);
ts_error ts_cuda_synchronize(int32_t device_index);
ts_error ts_cuda_manual_seed_all(uint64_t seed);

/// The number of values ts_cuda_memory_stats writes.
#define TS_CUDA_MEMORY_STAT_COUNT 122
/// The CUDA caching allocator's statistics for `device_index` (torch.cuda.memory_stats), through
/// c10's DeviceAllocator interface. Writes TS_CUDA_MEMORY_STAT_COUNT values to `out`: for each of
/// allocation, segment, active, inactive_split, allocated_bytes, reserved_bytes, active_bytes,
/// inactive_split_bytes, requested_bytes and each pool (all, small_pool, large_pool): current,
/// peak, allocated, freed (108 values); then oversize_allocations and oversize_segments (4 each);
/// then num_alloc_retries, num_ooms, num_sync_all_streams, num_device_alloc, num_device_free,
/// max_split_size. `*initialized` is false (and nothing is written) before CUDA allocated anything.
ts_error ts_cuda_memory_stats(int32_t device_index, int64_t *out, bool *initialized);
/// Returns the cached, unused CUDA memory to the driver (torch.cuda.empty_cache).
ts_error ts_cuda_empty_cache(void);
/// Free and total memory of the GPU in bytes (torch.cuda.mem_get_info).
ts_error ts_cuda_memory_info(int32_t device_index, int64_t *free_bytes, int64_t *total_bytes);

#ifdef __cplusplus
}
#endif

#endif  // CTORCH_CORE_H
