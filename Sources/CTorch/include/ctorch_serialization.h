// CTorch: the few tensor-storage helpers that the Swift file formats (PyTorch's zip/pickle format,
// NumPy's Fortran order) need beyond the core: strided views over a storage, and a tensor's storage
// identity and bytes. Same conventions as ctorch_core.h.
#ifndef CTORCH_SERIALIZATION_H
#define CTORCH_SERIALIZATION_H

#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A view of `base`'s storage with the given sizes, strides and storage offset, in elements
/// (Tensor.as_strided). It shares memory with `base`. Out-of-bounds views are an error.
ts_error ts_tensor_as_strided(ts_tensor base, const int64_t *sizes, const int64_t *strides, int64_t ndim,
                              int64_t storage_offset, ts_tensor *out);

/// The identity of a tensor's storage (equal for tensors that share memory; 0 for none) and its size
/// in bytes.
ts_error ts_tensor_storage_info(ts_tensor tensor, uint64_t *identity, int64_t *nbytes);

/// Copies the tensor's whole storage (from its first byte, whatever the tensor's offset and strides)
/// into `dst`, from any device. `nbytes` must equal the storage size.
ts_error ts_tensor_storage_copy_to(ts_tensor tensor, void *dst, size_t nbytes);

#ifdef __cplusplus
}
#endif

#endif  // CTORCH_SERIALIZATION_H
