// CTorch: libtorch's distributed engine (c10d): the TCPStore rendezvous, the Gloo process group and
// its collectives, and the Reducer that all-reduces gradients in buckets during backward, as
// PyTorch's DistributedDataParallel uses it. Same conventions as ctorch_core.h.
#ifndef CTORCH_DISTRIBUTED_H
#define CTORCH_DISTRIBUTED_H

#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_store_s *ts_store;
typedef struct ts_process_group_s *ts_process_group;
typedef struct ts_reducer_s *ts_reducer;

// MARK: Store (a key-value rendezvous shared by every rank)

/// A TCPStore on host:port. The server (is_server) listens and waits for `world_size` clients when
/// `wait_workers`; clients retry connecting until `timeout_ms`.
ts_error ts_tcp_store_new(const char *host, int32_t port, int32_t world_size, bool is_server, bool wait_workers,
                          int64_t timeout_ms, ts_store *out);
/// A view of `store` whose keys all start with `prefix/` (c10d's PrefixStore).
ts_error ts_prefix_store_new(const char *prefix, ts_store store, ts_store *out);
void ts_store_free(ts_store store);
ts_error ts_store_set(ts_store store, const char *key, const uint8_t *value, size_t length);
/// Waits (up to the store's timeout) for `key`, then returns a malloc'ed copy of its value; free it
/// with ts_bytes_free.
ts_error ts_store_get(ts_store store, const char *key, uint8_t **value, size_t *length);
void ts_bytes_free(uint8_t *bytes);
/// Adds `delta` to the integer at `key` (0 when missing) and returns the new value.
ts_error ts_store_add(ts_store store, const char *key, int64_t delta, int64_t *out);
/// Whether every key exists now (no waiting).
ts_error ts_store_check(ts_store store, const char *const *keys, int64_t count, bool *out);
ts_error ts_store_set_timeout(ts_store store, int64_t timeout_ms);

// MARK: Process group

/// A process group whose CPU collectives run on Gloo. `interface` (may be NULL) picks the network
/// interface (GLOO_SOCKET_IFNAME); otherwise `hostname` (may be NULL) picks the address to bind,
/// else the machine's hostname, falling back to loopback. Every collective fails after `timeout_ms`
/// when a peer does not take part.
ts_error ts_process_group_gloo_new(ts_store store, int32_t rank, int32_t size, int64_t timeout_ms,
                                   const char *interface, const char *hostname, ts_process_group *out);
void ts_process_group_free(ts_process_group group);
int32_t ts_process_group_rank(ts_process_group group);
int32_t ts_process_group_size(ts_process_group group);

/// Reduce operations: 0 sum, 1 product, 2 min, 3 max, 4 bitwise and, 5 bitwise or, 6 bitwise xor.
/// Each collective waits for completion (and throws libtorch's error on failure or timeout).
ts_error ts_process_group_all_reduce(ts_process_group group, const ts_tensor *tensors, int64_t count, int32_t op);
ts_error ts_process_group_broadcast(ts_process_group group, const ts_tensor *tensors, int64_t count, int32_t root);
/// Gathers `input` from every rank into `outputs` (one tensor per rank, in rank order, each shaped
/// like `input`).
ts_error ts_process_group_all_gather(ts_process_group group, ts_tensor input, const ts_tensor *outputs, int64_t count);
ts_error ts_process_group_barrier(ts_process_group group);
/// Broadcasts many tensors from `root`, flattened into buffers of up to `buffer_bytes` (as DDP syncs
/// the module state at start).
ts_error ts_broadcast_coalesced(ts_process_group group, const ts_tensor *tensors, int64_t count, int64_t buffer_bytes,
                                int32_t root);

// MARK: Reducer (DistributedDataParallel's gradient synchronisation)

/// A Reducer over `params` (leaf tensors that require grad; `names` may be NULL): gradients are
/// averaged across the group in buckets of up to `bucket_bytes` as they become ready in backward.
/// With `find_unused`, parameters that the graph does not reach are marked ready too.
ts_error ts_reducer_new(const ts_tensor *params, const char *const *names, int64_t count, ts_process_group group,
                        int64_t bucket_bytes, int64_t first_bucket_bytes, bool find_unused, ts_reducer *out);
void ts_reducer_free(ts_reducer reducer);
/// Before a forward pass whose backward syncs gradients: rebuilds the buckets in gradient-ready order
/// after the first iteration (a collective), as DDP's forward does.
ts_error ts_reducer_prepare_for_forward(ts_reducer reducer);
/// After the forward pass: the next backward all-reduces gradients. `outputs` (the loss) is
/// searched for unused parameters when the reducer was made with `find_unused`.
ts_error ts_reducer_prepare_for_backward(ts_reducer reducer, const ts_tensor *outputs, int64_t count);

// MARK: Processes

/// Asks the kernel to send `signal` to this process when its parent exits (Linux; elsewhere a no-op),
/// so the ranks a launcher started never outlive it.
void ts_set_parent_death_signal(int32_t signal);

#ifdef __cplusplus
}
#endif

#endif  // CTORCH_DISTRIBUTED_H
