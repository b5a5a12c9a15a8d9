// checkpointer.hpp: group commit. State changes queue up as writes with a continuation; one
// flusher on the blocking pool applies every queued write in one transaction, commits, and only
// then runs the continuations. So nothing acts on a state change before it is durable, and
// concurrent runs share commits.
#pragma once

#include "engine_host.hpp"
#include "store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace workflow {

struct CheckpointerOptions {
    // false: writes are dropped, continuations still run in queue order after each (empty)
    // flush. Only the benchmarks use it, to time the engine without SQLite.
    bool durable = true;
    // Most writes per transaction; 0: no limit (group commit). 1 is one commit per state change,
    // the naive baseline that bench/ compares group commit with.
    size_t max_batch = 0;
};

// What has been flushed so far (read by the benchmarks).
struct CheckpointStats {
    uint64_t commits = 0;  // transactions committed
    uint64_t writes = 0;   // writes flushed (one per state change): committed, or dropped when not durable
};

class Checkpointer {
 public:
    using Write = std::function<void(Store&)>;
    using Then = std::function<void()>;

    // `store_mutex` guards `store` for everyone (readers too).
    Checkpointer(EngineHost& host, Store& store, std::mutex& store_mutex, CheckpointerOptions options = {})
        : host_(host), store_(store), store_mutex_(store_mutex), options_(options) {}

    // Queues `write`; `then` runs after the commit that contains it, in queue order.
    void submit(Write write, Then then);
    // False in the benchmarks' engine-only mode: callers may then submit dropped_write instead
    // of building a write that would be dropped (it still counts as one).
    bool durable() const { return options_.durable; }
    static void dropped_write(Store&) {}
    // Blocks until the queue is empty and no flush is running; later submits are dropped.
    void drain_and_stop();
    CheckpointStats stats() const { return {commits_.load(), writes_.load()}; }

 private:
    struct Entry {
        Write write;
        Then then;
    };
    void flush();
    // The next batch, taken from queue_ (mutex_ held): all of it, or up to options_.max_batch writes.
    std::vector<Entry> take_batch();

    EngineHost& host_;
    Store& store_;
    std::mutex& store_mutex_;
    const CheckpointerOptions options_;
    std::atomic<uint64_t> commits_{0};
    std::atomic<uint64_t> writes_{0};

    std::mutex mutex_;
    std::condition_variable idle_;
    std::vector<Entry> queue_;  // guarded by mutex_
    bool flushing_ = false;     // guarded by mutex_
    bool stopped_ = false;      // guarded by mutex_
};

}  // namespace workflow
