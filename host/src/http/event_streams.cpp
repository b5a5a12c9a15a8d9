// event_streams.cpp: buffering, replay and live delivery of SSE events.
#include "http/event_streams.hpp"

#include <charconv>
#include <utility>

namespace switchboard::host::http {

std::string format_sse_event(std::string_view id, std::string_view data, std::optional<uint64_t> retry_ms) {
    std::string out;
    out.reserve(data.size() + id.size() + 32);
    out += "id: ";
    out += id;
    out += '\n';
    if (retry_ms) out += "retry: " + std::to_string(*retry_ms) + "\n";
    // JSON text has no raw newlines, but a data line must never carry one.
    size_t start = 0;
    do {
        const size_t newline = data.find('\n', start);
        out += "data: ";
        out += data.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        out += '\n';
        start = newline == std::string_view::npos ? data.size() + 1 : newline + 1;
    } while (start <= data.size());
    out += '\n';
    return out;
}

std::optional<std::pair<uint64_t, uint64_t>> parse_event_id(std::string_view id) {
    const size_t underscore = id.find('_');
    if (underscore == std::string_view::npos) return std::nullopt;
    uint64_t stream = 0;
    uint64_t seq = 0;
    const char* end = id.data() + id.size();
    auto first = std::from_chars(id.data(), id.data() + underscore, stream);
    auto second = std::from_chars(id.data() + underscore + 1, end, seq);
    if (first.ec != std::errc() || first.ptr != id.data() + underscore || second.ec != std::errc() || second.ptr != end)
        return std::nullopt;
    return std::pair(stream, seq);
}

EventStreams::EventStreams(size_t max_events, uint64_t retry_ms) : max_events_(max_events), retry_ms_(retry_ms) {
    streams_[standalone];
}

void EventStreams::set_priming(bool priming) {
    std::lock_guard lock(mutex_);
    priming_ = priming;
}

uint64_t EventStreams::open_stream() {
    std::lock_guard lock(mutex_);
    const uint64_t id = next_stream_++;
    streams_[id];
    return id;
}

std::string EventStreams::priming_event(uint64_t id, Stream& stream) {
    if (!priming_) return {};
    // The priming event takes a sequence number, so a client may resume from it, but is not
    // buffered: replaying it would carry nothing.
    const uint64_t seq = stream.next_seq++;
    return format_sse_event(std::to_string(id) + "_" + std::to_string(seq), "", retry_ms_);
}

bool EventStreams::attach(uint64_t id, const std::shared_ptr<SseSink>& sink, std::optional<uint64_t> after) {
    std::lock_guard lock(mutex_);
    auto found = streams_.find(id);
    if (found == streams_.end()) return false;
    Stream& stream = found->second;
    if (stream.sink && stream.sink != sink) stream.sink->finish();
    stream.sink = sink;
    std::string bytes;
    const std::optional<uint64_t> first =
        after ? std::optional<uint64_t>(*after + 1) : std::exchange(stream.undelivered_from, std::nullopt);
    if (first) {
        for (const Event& event : events_)
            if (event.stream == id && event.seq >= *first) bytes += event.bytes;
    }
    stream.undelivered_from.reset();
    // Priming after the replay, so that its id is the newest: a client that loses this connection
    // right after it resumes without skipping replayed events. One write: a long replay is not a
    // client that fell behind (http.max_pending_write_bytes).
    if (!stream.ended) bytes += priming_event(id, stream);
    if (!bytes.empty()) sink->write(std::move(bytes));
    if (stream.ended) {
        sink->finish();
        stream.sink.reset();
    }
    return true;
}

void EventStreams::append(uint64_t id, std::string data, bool last) {
    std::lock_guard lock(mutex_);
    auto found = streams_.find(id);
    if (found == streams_.end()) found = streams_.find(standalone);
    Stream& stream = found->second;
    const uint64_t seq = stream.next_seq++;
    std::string bytes = format_sse_event(std::to_string(found->first) + "_" + std::to_string(seq), data);
    if (stream.sink)
        stream.sink->write(bytes);
    else if (!stream.undelivered_from)
        stream.undelivered_from = seq;
    events_.push_back({found->first, seq, std::move(bytes)});
    ++stream.buffered;
    if (last && found->first != standalone) {
        stream.ended = true;
        if (stream.sink) {
            stream.sink->finish();
            stream.sink.reset();
        }
    }
    trim();
}

void EventStreams::trim() {
    while (events_.size() > max_events_) {
        const uint64_t id = events_.front().stream;
        events_.pop_front();
        auto found = streams_.find(id);
        if (found == streams_.end()) continue;
        Stream& stream = found->second;
        --stream.buffered;
        // An ended stream with nothing left to replay is forgotten.
        if (stream.ended && stream.buffered == 0 && !stream.sink) streams_.erase(found);
    }
}

void EventStreams::end_stream(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto found = streams_.find(id);
    if (found == streams_.end() || id == standalone) return;
    if (found->second.sink) found->second.sink->finish();
    streams_.erase(found);
}

void EventStreams::detach(uint64_t id, const SseSink* sink) {
    std::lock_guard lock(mutex_);
    auto found = streams_.find(id);
    if (found != streams_.end() && found->second.sink.get() == sink) found->second.sink.reset();
}

void EventStreams::disconnect(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto found = streams_.find(id);
    if (found == streams_.end() || !found->second.sink) return;
    found->second.sink->finish();
    found->second.sink.reset();
}

void EventStreams::heartbeat() {
    std::lock_guard lock(mutex_);
    for (auto& [id, stream] : streams_)
        if (stream.sink) stream.sink->write(": keepalive\n\n");
}

void EventStreams::close_all() {
    std::lock_guard lock(mutex_);
    for (auto& [id, stream] : streams_) {
        if (!stream.sink) continue;
        stream.sink->finish();
        stream.sink.reset();
    }
}

bool EventStreams::has_live_sinks() const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, stream] : streams_)
        if (stream.sink) return true;
    return false;
}

}  // namespace switchboard::host::http
