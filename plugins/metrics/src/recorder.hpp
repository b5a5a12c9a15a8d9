// recorder.hpp: the write path. Records are priced and queued in memory by cheap calls on the
// caller's thread; flush() writes the queue to the store in one transaction.
//
// Thread safety: all methods may be called from any thread. flush() calls are serialized so
// records reach the database in arrival order.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "price_table.hpp"
#include "records.hpp"
#include "store.hpp"

namespace switchboard::metrics {

class Recorder {
 public:
    Recorder(Store& store, PriceTable prices);

    // O(1) and allocation-light: runs on the bus delivery thread of every tool call.
    void add_tool_call(ToolCall call);
    // Prices the call (see price_call) and queues it; returns the priced call.
    LlmCall add_llm_call(LlmCall call);

    struct Batch {
        std::vector<LlmCall> llm_calls;
        std::vector<ToolCall> tool_calls;
        bool empty() const { return llm_calls.empty() && tool_calls.empty(); }
    };
    // Writes everything queued. Returns what was written. On a database error the batch goes
    // back to the front of the queue (nothing is lost) and the error propagates.
    Batch flush();
    size_t pending() const;

    const PriceTable& prices() const { return prices_; }
    const std::string& price_version() const { return price_version_; }

 private:
    Store& store_;
    const PriceTable prices_;
    const std::string price_version_;

    std::mutex flush_mutex_;  // serializes flush()
    mutable std::mutex queue_mutex_;
    Batch queue_;  // guarded by queue_mutex_
};

}  // namespace switchboard::metrics
