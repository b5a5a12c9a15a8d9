// recorder.cpp: see recorder.hpp.
#include "recorder.hpp"

#include <iterator>
#include <utility>

#include "cost.hpp"

namespace switchboard::metrics {

Recorder::Recorder(Store& store, PriceTable prices)
    : store_(store), prices_(std::move(prices)), price_version_(prices_.version()) {
    store_.remember_prices(price_version_, "", prices_.to_json().dump());
}

void Recorder::add_tool_call(ToolCall call) {
    std::lock_guard lock(queue_mutex_);
    queue_.tool_calls.push_back(std::move(call));
}

LlmCall Recorder::add_llm_call(LlmCall call) {
    price_call(call, prices_, price_version_);
    std::lock_guard lock(queue_mutex_);
    queue_.llm_calls.push_back(call);
    return call;
}

Recorder::Batch Recorder::flush() {
    std::lock_guard flushing(flush_mutex_);
    Batch batch;
    {
        std::lock_guard lock(queue_mutex_);
        std::swap(batch, queue_);
        // Room for a batch like this one, so the bus handler rarely reallocates.
        queue_.tool_calls.reserve(batch.tool_calls.size());
        queue_.llm_calls.reserve(batch.llm_calls.size());
    }
    if (batch.empty()) return batch;
    try {
        store_.insert(batch.llm_calls, batch.tool_calls);
    } catch (...) {
        std::lock_guard lock(queue_mutex_);
        queue_.llm_calls.insert(queue_.llm_calls.begin(), std::make_move_iterator(batch.llm_calls.begin()),
                                std::make_move_iterator(batch.llm_calls.end()));
        queue_.tool_calls.insert(queue_.tool_calls.begin(), std::make_move_iterator(batch.tool_calls.begin()),
                                 std::make_move_iterator(batch.tool_calls.end()));
        throw;
    }
    return batch;
}

size_t Recorder::pending() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.llm_calls.size() + queue_.tool_calls.size();
}

}  // namespace switchboard::metrics
