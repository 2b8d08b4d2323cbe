// A caching allocator for CPU tensor memory: freed blocks are kept, by size, for the next tensor of
// that size, as PyTorch's CUDA caching allocator does on the GPU. A training step allocates and
// frees the same sizes in the same pattern every step; with glibc's malloc the blocks of large
// tensors (a weight's gradient, a batch) land at shifting addresses from step to step, depending on
// the order of frees and allocations, and a step pays for cache misses and page faults that a
// stable placement does not. Real allocations go to c10's default CPU allocator (so its alignment,
// profiling and NUMA handling stay), and blocks below kMinCachedBytes go straight to it (glibc's
// per-thread caches already serve small sizes well).
#include "internal.h"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kMinCachedBytes = 16 * 1024;

/// Requests round up to a size class so that nearby sizes (a last, smaller batch; variable sequence
/// lengths) share blocks: multiples of 512 bytes below 1 MiB, of 64 KiB from there (at most 6.25%
/// more than asked).
size_t size_class(size_t n) {
    size_t step = n < (1u << 20) ? 512 : (64u << 10);
    return (n + step - 1) / step * step;
}

/// The default limit on idle cached bytes: an eighth of physical memory, at most 1 GiB.
size_t default_limit() {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t physical = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
    return std::min<size_t>(physical / 8, size_t(1) << 30);
}

class CachingCPUAllocator final : public c10::Allocator {
public:
    // Data pointers are their own context, as c10's default CPU allocator's are: ideep (oneDNN)
    // allocates through raw_allocate/raw_deallocate, which need that and a raw deleter.
    c10::DataPtr allocate(size_t n) override {
        if (n < kMinCachedBytes) return base()->allocate(n);
        size_t size = size_class(n);
        void *data = nullptr;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (enabled_) {
                auto found = idle_.find(size);
                if (found != idle_.end() && !found->second.empty()) {
                    data = found->second.back();  // the most recently freed: likeliest still in cache
                    found->second.pop_back();
                    idle_bytes_ -= size;
                    hits_ += 1;
                    live_[data] = size;
                } else {
                    misses_ += 1;
                }
            }
        }
        if (!data) {
            data = base()->raw_allocate(size);  // outside the lock: it may take a system call
            std::lock_guard<std::mutex> lock(mutex_);
            live_[data] = size;
        }
        return c10::DataPtr(data, data, &CachingCPUAllocator::release, c10::Device(c10::DeviceType::CPU));
    }

    c10::DeleterFnPtr raw_deleter() const override { return &CachingCPUAllocator::release; }

    void copy_data(void *dest, const void *src, std::size_t count) const override { default_copy_data(dest, src, count); }

    void set_enabled(bool enabled) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            enabled_ = enabled;
        }
        if (!enabled) empty();
    }

    void set_limit(size_t limit) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            limit_ = limit;
        }
        trim();
    }

    /// Frees every idle block.
    void empty() {
        std::vector<void *> freed;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto &entry : idle_) freed.insert(freed.end(), entry.second.begin(), entry.second.end());
            idle_.clear();
            idle_bytes_ = 0;
        }
        for (auto *data : freed) base()->raw_deallocate(data);
    }

    void stats(int64_t *out) {
        std::lock_guard<std::mutex> lock(mutex_);
        out[0] = enabled_;
        out[1] = static_cast<int64_t>(limit_);
        out[2] = static_cast<int64_t>(idle_bytes_);
        out[3] = static_cast<int64_t>(hits_);
        out[4] = static_cast<int64_t>(misses_);
    }

    /// Idle blocks of the size class of `n` bytes.
    int64_t idle_blocks(size_t n) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = idle_.find(size_class(n));
        return found == idle_.end() ? 0 : static_cast<int64_t>(found->second.size());
    }

    static CachingCPUAllocator &shared() {
        // Never destroyed: tensors may be freed by other static destructors at exit.
        static auto *allocator = new CachingCPUAllocator();
        return *allocator;
    }

private:
    CachingCPUAllocator() : limit_(default_limit()) {
        const char *setting = std::getenv("SWIFTLIGHTNING_CPU_MEMORY_CACHE");
        enabled_ = !(setting && std::strcmp(setting, "0") == 0);
    }

    /// c10's default CPU allocator, which makes and frees the blocks.
    static c10::Allocator *base() { return c10::GetDefaultCPUAllocator(); }

    /// The deleter of every tensor this allocator made: keeps a cached-size block when the cache is
    /// on and has room; gives a small block (made by the default allocator) back to it.
    static void release(void *data) {
        auto &self = shared();
        {
            std::lock_guard<std::mutex> lock(self.mutex_);
            auto found = self.live_.find(data);
            if (found != self.live_.end()) {
                size_t size = found->second;
                self.live_.erase(found);
                if (self.enabled_ && self.idle_bytes_ + size <= self.limit_) {
                    self.idle_[size].push_back(data);
                    self.idle_bytes_ += size;
                    return;
                }
            }
        }
        base()->raw_deallocate(data);
    }

    /// Frees idle blocks, largest sizes first, until the idle bytes are within the limit.
    void trim() {
        std::vector<void *> freed;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            while (idle_bytes_ > limit_) {
                auto largest = idle_.begin();
                for (auto it = idle_.begin(); it != idle_.end(); ++it)
                    if (it->first > largest->first) largest = it;
                idle_bytes_ -= largest->first * largest->second.size();
                freed.insert(freed.end(), largest->second.begin(), largest->second.end());
                idle_.erase(largest);
            }
        }
        for (auto *data : freed) base()->raw_deallocate(data);
    }

    std::mutex mutex_;
    std::unordered_map<void *, size_t> live_;              // blocks in use: their size class
    std::unordered_map<size_t, std::vector<void *>> idle_;  // freed blocks by size class
    size_t idle_bytes_ = 0;
    size_t limit_;
    bool enabled_;
    uint64_t hits_ = 0, misses_ = 0;
};

/// Installs the cache as libtorch's CPU allocator when the library loads (c10 registered its
/// default before: libc10 initialises first), so every CPU tensor made afterwards uses it.
struct Installer {
    Installer() { c10::SetCPUAllocator(&CachingCPUAllocator::shared(), /*priority=*/1); }
} installer;

}  // namespace

extern "C" {

void ts_cpu_memory_cache_stats(int64_t *out) { CachingCPUAllocator::shared().stats(out); }
void ts_cpu_memory_cache_set_enabled(bool enabled) { CachingCPUAllocator::shared().set_enabled(enabled); }
void ts_cpu_memory_cache_set_limit(int64_t bytes) { CachingCPUAllocator::shared().set_limit(static_cast<size_t>(bytes < 0 ? 0 : bytes)); }
void ts_cpu_memory_cache_empty(void) { CachingCPUAllocator::shared().empty(); }
int64_t ts_cpu_memory_cache_idle_blocks(int64_t bytes) { return CachingCPUAllocator::shared().idle_blocks(static_cast<size_t>(bytes)); }

}  // extern "C"
