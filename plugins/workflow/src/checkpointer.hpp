// checkpointer.hpp: group commit. State changes queue up as writes with a continuation; one
// flusher on the blocking pool applies every queued write in one transaction, commits, and only
// then runs the continuations. So nothing acts on a state change before it is durable, and
// concurrent runs share commits.
#pragma once

#include "engine_host.hpp"
#include "store.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace workflow {

class Checkpointer {
 public:
    using Write = std::function<void(Store&)>;
    using Then = std::function<void()>;

    // `store_mutex` guards `store` for everyone (readers too).
    Checkpointer(EngineHost& host, Store& store, std::mutex& store_mutex)
        : host_(host), store_(store), store_mutex_(store_mutex) {}

    // Queues `write`; `then` runs after the commit that contains it, in queue order.
    void submit(Write write, Then then);
    // Blocks until the queue is empty and no flush is running; later submits are dropped.
    void drain_and_stop();

 private:
    struct Entry {
        Write write;
        Then then;
    };
    void flush();

    EngineHost& host_;
    Store& store_;
    std::mutex& store_mutex_;

    std::mutex mutex_;
    std::condition_variable idle_;
    std::vector<Entry> queue_;  // guarded by mutex_
    bool flushing_ = false;     // guarded by mutex_
    bool stopped_ = false;      // guarded by mutex_
};

}  // namespace workflow
