// recorder.cpp: see recorder.hpp.
#include "recorder.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "cost.hpp"
#include "record_parsing.hpp"

namespace switchboard::metrics {

Recorder::Recorder(Store& store, PriceTable prices)
    : store_(store), prices_(std::move(prices)), price_version_(prices_.version()) {
    store_.remember_prices(price_version_, "", prices_.to_json().dump());
}

bool Recorder::full_locked() const {
    return queue_.llm_calls.size() + queue_.tool_calls.size() + tool_events_.size() >= kMaxQueued;
}

void Recorder::add_tool_event(int64_t ts_ms, std::string_view payload_json) {
    std::lock_guard lock(queue_mutex_);
    if (full_locked()) {
        ++dropped_;
        return;
    }
    tool_events_.push_back({ts_ms, std::string(payload_json)});
}

void Recorder::add_tool_call(ToolCall call) {
    std::lock_guard lock(queue_mutex_);
    if (full_locked()) {
        ++dropped_;
        return;
    }
    queue_.tool_calls.push_back(std::move(call));
}

void Recorder::add_llm_call(LlmCall call) {
    price_call(call, prices_, price_version_);
    queue_llm_call(std::move(call));
}

LlmCall Recorder::add_llm_call_priced(LlmCall call) {
    price_call(call, prices_, price_version_);
    LlmCall priced = call;
    queue_llm_call(std::move(call));
    return priced;
}

void Recorder::queue_llm_call(LlmCall call) {
    std::lock_guard lock(queue_mutex_);
    if (full_locked()) {
        ++dropped_;
        return;
    }
    queue_.llm_calls.push_back(std::move(call));
}

Recorder::Batch Recorder::flush() {
    std::lock_guard flushing(flush_mutex_);
    Batch batch;
    std::vector<ToolEvent> events;
    {
        std::lock_guard lock(queue_mutex_);
        batch.llm_calls = queue_.llm_calls.take();
        std::swap(batch.tool_calls, queue_.tool_calls);
        std::swap(events, tool_events_);
        // Room for a batch like this one, so the handlers rarely reallocate.
        tool_events_.reserve(events.size());
    }
    // Parsed here, off the tool call's thread. A malformed event (not the host's) is skipped.
    batch.tool_calls.reserve(batch.tool_calls.size() + events.size());
    for (const ToolEvent& event : events) {
        const nlohmann::json payload = nlohmann::json::parse(event.payload_json, nullptr, false);
        if (payload.is_object()) batch.tool_calls.push_back(parse_tool_called(payload, event.ts_ms));
    }
    if (batch.empty()) return batch;
    try {
        std::vector<const LlmCall*> llm_calls;
        llm_calls.reserve(batch.llm_calls.size());
        batch.llm_calls.for_each([&](const LlmCall& call) { llm_calls.push_back(&call); });
        store_.insert(std::move(llm_calls), batch.tool_calls);
    } catch (...) {
        std::lock_guard lock(queue_mutex_);
        queue_.llm_calls.prepend(std::move(batch.llm_calls));
        queue_.tool_calls.insert(queue_.tool_calls.begin(), std::make_move_iterator(batch.tool_calls.begin()),
                                 std::make_move_iterator(batch.tool_calls.end()));
        throw;
    }
    return batch;
}

void Recorder::recycle(Batch&& written) {
    const size_t room = std::max(written.llm_calls.size(), kMinSpareRecords);
    written.llm_calls.clear();  // outside the lock: the bus thread may be queueing
    std::lock_guard lock(queue_mutex_);
    queue_.llm_calls.take_spares(written.llm_calls, room / RecordBlocks<LlmCall>::kBlockRecords + 1);
}

size_t Recorder::pending() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.llm_calls.size() + queue_.tool_calls.size() + tool_events_.size();
}

uint64_t Recorder::dropped() const {
    std::lock_guard lock(queue_mutex_);
    return dropped_;
}

}  // namespace switchboard::metrics
