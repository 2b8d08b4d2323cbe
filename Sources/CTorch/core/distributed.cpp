// c10d bindings: TCPStore, the Gloo process group, collectives and DDP's Reducer.
// The Gloo declarations come from the vendored headers in ../vendor (see vendor/README.md); the
// code is libtorch's own.

// SwiftPM defines DEBUG in debug builds; Gloo's logging header uses it as an enum case.
#undef DEBUG
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <cstdlib>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <cstring>
#include <mutex>

#include "ctorch_distributed.h"
#include "internal.h"

using StorePtr = c10::intrusive_ptr<c10d::Store>;
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;
using ReducerPtr = std::shared_ptr<c10d::Reducer>;
using ParameterNames = std::unordered_map<size_t, std::string>;

namespace {

StorePtr &store(ts_store s) { return *reinterpret_cast<StorePtr *>(s); }
GroupPtr &group(ts_process_group g) { return *reinterpret_cast<GroupPtr *>(g); }
ReducerPtr &reducer(ts_reducer r) { return *reinterpret_cast<ReducerPtr *>(r); }

c10d::ReduceOp reduce_op(int32_t op) {
    switch (op) {
    case 0: return c10d::ReduceOp(c10d::ReduceOp::SUM);
    case 1: return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
    case 2: return c10d::ReduceOp(c10d::ReduceOp::MIN);
    case 3: return c10d::ReduceOp(c10d::ReduceOp::MAX);
    case 4: return c10d::ReduceOp(c10d::ReduceOp::BAND);
    case 5: return c10d::ReduceOp(c10d::ReduceOp::BOR);
    case 6: return c10d::ReduceOp(c10d::ReduceOp::BXOR);
    default: TORCH_CHECK(false, "unknown reduce operation ", op);
    }
}

void wait(const c10::intrusive_ptr<c10d::Work> &work) {
    // Throws the collective's error (a peer that left, a timeout) as a C++ exception.
    work->wait();
}

// libtorch 2.11's flight recorder (on unless TORCH_FR_BUFFER_SIZE=0) adds each group to a std::map the
// first time the group enqueues a collective, before it takes its own lock
// (FlightRecorder::recordWithResetEnabled). Two groups of one process whose first collectives meet
// (ranks run as threads, several groups) corrupt the map and crash in _Rb_tree_insert_and_rebalance.
// So a new group makes its first collective here, a barrier, with the enqueue (which records) serialized
// process-wide; the barrier's wait, which needs the other ranks, runs outside the lock. The enqueue
// records before it queues the work, so no rank passes this barrier before every rank's group is in the map.
void make_first_collective(const GroupPtr &made) {
    static std::mutex enqueue_mutex;
    c10::intrusive_ptr<c10d::Work> first;
    {
        std::lock_guard<std::mutex> lock(enqueue_mutex);
        first = made->barrier();
    }
    wait(first);
}

}  // namespace

// MARK: Store

ts_error ts_tcp_store_new(const char *host, int32_t port, int32_t world_size, bool is_server, bool wait_workers,
                          int64_t timeout_ms, ts_store *out) {
    CTORCH_GUARD({
        TORCH_CHECK(port > 0 && port < 65536, "port ", port, " is out of range (1...65535)");
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(port);
        options.isServer = is_server;
        if (world_size > 0) options.numWorkers = static_cast<size_t>(world_size);
        options.waitWorkers = wait_workers;
        options.timeout = std::chrono::milliseconds(timeout_ms);
        StorePtr made = c10::make_intrusive<c10d::TCPStore>(std::string(host), options);
        *out = reinterpret_cast<ts_store>(new StorePtr(std::move(made)));
    })
}

ts_error ts_prefix_store_new(const char *prefix, ts_store base, ts_store *out) {
    CTORCH_GUARD({
        StorePtr made = c10::make_intrusive<c10d::PrefixStore>(std::string(prefix), store(base));
        *out = reinterpret_cast<ts_store>(new StorePtr(std::move(made)));
    })
}

void ts_store_free(ts_store s) { delete reinterpret_cast<StorePtr *>(s); }

ts_error ts_store_set(ts_store s, const char *key, const uint8_t *value, size_t length) {
    CTORCH_GUARD(store(s)->set(std::string(key), std::vector<uint8_t>(value, value + length)))
}

ts_error ts_store_get(ts_store s, const char *key, uint8_t **value, size_t *length) {
    CTORCH_GUARD({
        auto bytes = store(s)->get(std::string(key));
        auto *copy = static_cast<uint8_t *>(std::malloc(bytes.empty() ? 1 : bytes.size()));
        TORCH_CHECK(copy != nullptr, "out of memory reading store key ", key);
        if (!bytes.empty()) std::memcpy(copy, bytes.data(), bytes.size());
        *value = copy;
        *length = bytes.size();
    })
}

void ts_bytes_free(uint8_t *bytes) { std::free(bytes); }

ts_error ts_store_add(ts_store s, const char *key, int64_t delta, int64_t *out) {
    CTORCH_GUARD(*out = store(s)->add(std::string(key), delta))
}

ts_error ts_store_check(ts_store s, const char *const *keys, int64_t count, bool *out) {
    CTORCH_GUARD({
        std::vector<std::string> list(keys, keys + count);
        *out = store(s)->check(list);
    })
}

ts_error ts_store_set_timeout(ts_store s, int64_t timeout_ms) {
    CTORCH_GUARD(store(s)->setTimeout(std::chrono::milliseconds(timeout_ms)))
}

// MARK: Process group

ts_error ts_process_group_gloo_new(ts_store s, int32_t rank, int32_t size, int64_t timeout_ms, const char *interface,
                                   const char *hostname, ts_process_group *out) {
    CTORCH_GUARD({
        TORCH_CHECK(size > 0 && rank >= 0 && rank < size, "rank ", rank, " is not in a world of size ", size);
        auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(timeout_ms));
        if (interface != nullptr) {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
        } else if (hostname != nullptr) {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
        } else {
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        }
        // As torch.distributed: the backend's keys live under the group's prefix in the shared store.
        StorePtr prefixed = c10::make_intrusive<c10d::PrefixStore>("default_pg/0", store(s));
        auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank, size, options);
        auto made = c10::make_intrusive<c10d::ProcessGroup>(prefixed, rank, size);
        made->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
        made->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
        make_first_collective(made);
        *out = reinterpret_cast<ts_process_group>(new GroupPtr(std::move(made)));
    })
}

void ts_process_group_free(ts_process_group g) { delete reinterpret_cast<GroupPtr *>(g); }
int32_t ts_process_group_rank(ts_process_group g) { return group(g)->getRank(); }
int32_t ts_process_group_size(ts_process_group g) { return group(g)->getSize(); }

ts_error ts_process_group_all_reduce(ts_process_group g, const ts_tensor *tensors, int64_t count, int32_t op) {
    CTORCH_GUARD({
        auto list = ctorch::tensor_vector(tensors, count);
        c10d::AllreduceOptions options;
        options.reduceOp = reduce_op(op);
        wait(group(g)->allreduce(list, options));
    })
}

ts_error ts_process_group_broadcast(ts_process_group g, const ts_tensor *tensors, int64_t count, int32_t root) {
    CTORCH_GUARD({
        auto list = ctorch::tensor_vector(tensors, count);
        c10d::BroadcastOptions options;
        options.rootRank = root;
        wait(group(g)->broadcast(list, options));
    })
}

ts_error ts_process_group_all_gather(ts_process_group g, ts_tensor input, const ts_tensor *outputs, int64_t count) {
    CTORCH_GUARD({
        TORCH_CHECK(count == group(g)->getSize(), "all_gather needs one output tensor per rank (", group(g)->getSize(),
                    "), got ", count);
        std::vector<std::vector<at::Tensor>> out{ctorch::tensor_vector(outputs, count)};
        std::vector<at::Tensor> in{ctorch::tensor(input)};
        wait(group(g)->allgather(out, in));
    })
}

ts_error ts_process_group_barrier(ts_process_group g) { CTORCH_GUARD(wait(group(g)->barrier())) }

ts_error ts_broadcast_coalesced(ts_process_group g, const ts_tensor *tensors, int64_t count, int64_t buffer_bytes,
                                int32_t root) {
    CTORCH_GUARD({
        auto list = ctorch::tensor_vector(tensors, count);
        c10d::broadcast_coalesced(group(g), list, static_cast<size_t>(buffer_bytes), root);
    })
}

// MARK: Reducer

namespace {

ReducerPtr make_reducer(std::vector<at::Tensor> parameters, const char *const *names, const GroupPtr &process_group,
                        int64_t bucket_bytes, int64_t first_bucket_bytes, bool find_unused) {
    std::vector<bool> sparse(parameters.size(), false);
    ParameterNames param_names;
    if (names != nullptr) {
        for (size_t i = 0; i < parameters.size(); ++i) param_names[i] = names[i];
    }
    // As DistributedDataParallel: without unused-parameter search, one bucket for the first
    // iteration, rebuilt in gradient-ready order afterwards; with it, size-limited buckets.
    std::vector<size_t> limits{std::numeric_limits<size_t>::max()};
    if (find_unused) limits = {static_cast<size_t>(first_bucket_bytes), static_cast<size_t>(bucket_bytes)};
    auto buckets = std::get<0>(c10d::compute_bucket_assignment_by_size(parameters, limits, sparse));
    std::reverse(buckets.begin(), buckets.end());
    return std::make_shared<c10d::Reducer>(std::move(parameters), std::move(buckets), process_group, sparse, bucket_bytes,
                                           find_unused, /*gradient_as_bucket_view=*/false, std::move(param_names),
                                           first_bucket_bytes, /*skip_all_reduce_unused_params=*/false,
                                           /*use_python_reducer=*/false, std::vector<int64_t>{});
}

}  // namespace

ts_error ts_reducer_new(const ts_tensor *params, const char *const *names, int64_t count, ts_process_group g,
                        int64_t bucket_bytes, int64_t first_bucket_bytes, bool find_unused, ts_reducer *out) {
    CTORCH_GUARD({
        auto made = make_reducer(ctorch::tensor_vector(params, count), names, group(g), bucket_bytes,
                                 first_bucket_bytes, find_unused);
        *out = reinterpret_cast<ts_reducer>(new ReducerPtr(std::move(made)));
    })
}

void ts_reducer_free(ts_reducer r) {
    try {
        delete reinterpret_cast<ReducerPtr *>(r);
    } catch (...) {
        // ~Reducer is noexcept(false); a failing peer must not terminate this process.
    }
}

ts_error ts_reducer_prepare_for_forward(ts_reducer r) {
    CTORCH_GUARD({
        reducer(r)->rebuild_buckets();
        reducer(r)->prepare_for_forward();
    })
}

ts_error ts_reducer_prepare_for_backward(ts_reducer r, const ts_tensor *outputs, int64_t count) {
    CTORCH_GUARD(reducer(r)->prepare_for_backward(ctorch::tensor_vector(outputs, count)))
}

void ts_set_parent_death_signal(int32_t signal) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(signal), 0, 0, 0);
#else
    (void)signal;
#endif
}
