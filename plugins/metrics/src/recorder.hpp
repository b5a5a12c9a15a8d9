// recorder.hpp: the write path. Records are priced and queued in memory by cheap calls on the
// caller's thread; flush() writes the queue to the store in one transaction.
//
// host.tool.called events are queued as the host's JSON text and parsed by flush(), so the
// thread that answered the tool call only copies a string. The queue is bounded: past
// kMaxQueued records new ones are dropped and counted (dropped()), so a database that keeps
// failing cannot exhaust memory.
//
// Thread safety: all methods may be called from any thread. flush() calls are serialized so
// records reach the database in arrival order.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "price_table.hpp"
#include "record_blocks.hpp"
#include "records.hpp"
#include "store.hpp"

namespace switchboard::metrics {

class Recorder {
 public:
    Recorder(Store& store, PriceTable prices);

    static constexpr size_t kMaxQueued = 1'000'000;
    // recycle() keeps room for as many records as the last batch held, and for at least this many:
    // a full default batch (flush_batch 5,000), ~5 MiB. After a burst, the next batch trims it.
    static constexpr size_t kMinSpareRecords = 8'192;

    // O(1), one copy of the text: runs on the thread that answered the tool call.
    void add_tool_event(int64_t ts_ms, std::string_view payload_json);
    void add_tool_call(ToolCall call);
    // Prices the call (see price_call) and queues it.
    void add_llm_call(LlmCall call);
    // The same, returning the priced call (a copy).
    LlmCall add_llm_call_priced(LlmCall call);

    struct Batch {
        RecordBlocks<LlmCall> llm_calls;
        std::vector<ToolCall> tool_calls;
        bool empty() const { return llm_calls.empty() && tool_calls.empty(); }
    };
    // Writes everything queued. Returns what was written. On a database error the batch goes
    // back to the front of the queue (nothing is lost) and the error propagates.
    Batch flush();
    // Hands a written batch back, so later records reuse its blocks (see record_blocks.hpp). The
    // spare room follows the batches: a burst's blocks are kept while batches stay that large.
    void recycle(Batch&& written);
    size_t pending() const;
    // Records dropped because the queue was full, since the start.
    uint64_t dropped() const;

    const PriceTable& prices() const { return prices_; }
    const std::string& price_version() const { return price_version_; }

 private:
    Store& store_;
    const PriceTable prices_;
    const std::string price_version_;

    struct ToolEvent {
        int64_t ts_ms;
        std::string payload_json;
    };
    void queue_llm_call(LlmCall call);
    bool full_locked() const;  // caller holds queue_mutex_

    std::mutex flush_mutex_;  // serializes flush()
    mutable std::mutex queue_mutex_;
    Batch queue_;                         // guarded by queue_mutex_
    std::vector<ToolEvent> tool_events_;  // guarded by queue_mutex_; parsed by flush()
    uint64_t dropped_ = 0;                // guarded by queue_mutex_
};

}  // namespace switchboard::metrics
