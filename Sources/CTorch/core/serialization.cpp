// Storage helpers for the Swift file formats: strided views over a storage (loading PyTorch's format,
// which stores storages and rebuilds tensors as views of them) and a tensor's storage identity and
// bytes (saving, so that tensors sharing memory share one storage record, as torch.save does).
#include "internal.h"
#include "ctorch_serialization.h"

#include <cstring>

using ctorch::tensor;
using ctorch::wrap;

extern "C" {

ts_error ts_tensor_as_strided(ts_tensor base, const int64_t *sizes, const int64_t *strides, int64_t ndim,
                              int64_t storage_offset, ts_tensor *out) {
    CTORCH_GUARD({
        auto &self = tensor(base);
        auto size_list = at::IntArrayRef(sizes, static_cast<size_t>(ndim));
        auto stride_list = at::IntArrayRef(strides, static_cast<size_t>(ndim));
        TORCH_CHECK(storage_offset >= 0, "a storage offset must not be negative, got ", storage_offset);
        for (int64_t i = 0; i < ndim; ++i) {
            TORCH_CHECK(sizes[i] >= 0, "a size must not be negative, got ", size_list);
            TORCH_CHECK(strides[i] >= 0, "a stride must not be negative, got ", stride_list);
        }
        // The largest element the view touches must lie inside the storage.
        int64_t last = storage_offset;
        bool empty = false;
        for (int64_t i = 0; i < ndim; ++i) {
            if (sizes[i] == 0) empty = true;
            else last += (sizes[i] - 1) * strides[i];
        }
        auto elements = static_cast<int64_t>(self.storage().nbytes() / self.element_size());
        TORCH_CHECK(empty || last < elements, "a view of sizes ", size_list, ", strides ", stride_list,
                    " and offset ", storage_offset, " reaches element ", last, " of a storage of ", elements,
                    " elements");
        at::Tensor result = at::empty({0}, self.options());
        result.set_(self.storage(), storage_offset, size_list, stride_list);
        *out = wrap(std::move(result));
    })
}

ts_error ts_tensor_storage_info(ts_tensor t, uint64_t *identity, int64_t *nbytes) {
    CTORCH_GUARD({
        auto &self = tensor(t);
        if (!self.has_storage()) {
            *identity = 0;
            *nbytes = 0;
            return nullptr;
        }
        const auto &storage = self.storage();
        *identity = reinterpret_cast<uint64_t>(storage.unsafeGetStorageImpl());
        *nbytes = static_cast<int64_t>(storage.nbytes());
    })
}

ts_error ts_tensor_storage_copy_to(ts_tensor t, void *dst, size_t nbytes) {
    CTORCH_GUARD({
        auto &self = tensor(t);
        TORCH_CHECK(self.has_storage(), "this tensor has no storage to copy");
        const auto &storage = self.storage();
        TORCH_CHECK(storage.nbytes() == nbytes, "the destination holds ", nbytes, " bytes but the storage has ",
                    storage.nbytes());
        if (nbytes == 0) return nullptr;
        // A flat uint8 view over the whole storage, moved to the CPU when needed.
        at::Tensor whole = at::empty({0}, self.options().dtype(at::kByte));
        whole.set_(storage, 0, {static_cast<int64_t>(nbytes)}, {1});
        if (!whole.device().is_cpu()) whole = whole.to(at::kCPU);
        std::memcpy(dst, whole.data_ptr(), nbytes);
    })
}

}  // extern "C"
