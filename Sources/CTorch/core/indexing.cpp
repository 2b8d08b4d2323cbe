// Subscripts through libtorch's own C++ indexing (at::indexing), so every rule of Python's
// `tensor[...]` (views, negative indices, masks, broadcasting on assignment) is libtorch's.
#include "internal.h"

#include <ATen/TensorIndexing.h>

namespace {

std::vector<at::indexing::TensorIndex> convert(const ts_index *indices, int64_t count) {
    using namespace at::indexing;
    std::vector<TensorIndex> result;
    result.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        const auto &index = indices[i];
        switch (index.kind) {
        case 0: result.emplace_back(index.start); break;
        case 1: {
            std::optional<c10::SymInt> start, stop;
            if (index.flags & 1) start = c10::SymInt(index.start);
            if (index.flags & 2) stop = c10::SymInt(index.stop);
            result.emplace_back(Slice(start, stop, c10::SymInt(index.step)));
            break;
        }
        case 2: result.emplace_back(Ellipsis); break;
        case 3: result.emplace_back(None); break;
        case 4: result.emplace_back(index.start != 0); break;
        case 5: result.emplace_back(ctorch::tensor(index.tensor)); break;
        default: TORCH_CHECK(false, "unknown index kind ", index.kind);
        }
    }
    return result;
}

}  // namespace

extern "C" {

ts_error ts_tensor_index(ts_tensor t, const ts_index *indices, int64_t count, ts_tensor *out) {
    CTORCH_GUARD(*out = ctorch::wrap(ctorch::tensor(t).index(convert(indices, count))))
}

ts_error ts_tensor_index_put(ts_tensor t, const ts_index *indices, int64_t count, ts_tensor value, ts_scalar scalar) {
    CTORCH_GUARD({
        auto converted = convert(indices, count);
        if (value != nullptr)
            ctorch::tensor(t).index_put_(converted, ctorch::tensor(value));
        else
            ctorch::tensor(t).index_put_(converted, ctorch::scalar(scalar));
    })
}

}  // extern "C"
