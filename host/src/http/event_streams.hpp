// event_streams.hpp: the SSE streams of one HTTP session, with replay for resumption.
//
// Every message for the client becomes an event on a stream: the stream of the POST request it
// belongs to, or the standalone stream (id 0) that a GET opens. Event ids are "<stream>_<seq>",
// unique within the session, so a Last-Event-ID names both the stream and the point to resume
// from. Events stay buffered (a bounded number per session, oldest dropped first) so a client that
// lost its connection replays what it missed and then reads on live.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace switchboard::host::http {

// Where a stream's bytes go: one HTTP response being streamed. Implementations must not block.
class SseSink {
 public:
    virtual ~SseSink() = default;
    virtual void write(std::string bytes) = 0;
    // Ends the response. Whether the stream is over or the client should resume it with
    // Last-Event-ID, the response ends the same clean way.
    virtual void finish() = 0;
};

// One SSE event in wire format; `retry_ms` is written when set.
std::string format_sse_event(std::string_view id, std::string_view data, std::optional<uint64_t> retry_ms = {});

// Parses "<stream>_<seq>".
std::optional<std::pair<uint64_t, uint64_t>> parse_event_id(std::string_view id);

class EventStreams {
 public:
    static constexpr uint64_t standalone = 0;

    EventStreams(size_t max_events, uint64_t retry_ms);

    // Priming events (an id and empty data) start every stream once the session negotiated a
    // protocol that knows them (2025-11-25 and later).
    void set_priming(bool priming);

    uint64_t open_stream();
    // Attaches `sink` as the live reader of `stream`, replacing any other. With `after`, first
    // replays the stream's buffered events after that sequence number, then primes; without, the
    // events still buffered that no sink was attached for. A stream that
    // already ended is finished right after the replay. Returns false when the stream is unknown.
    bool attach(uint64_t stream, const std::shared_ptr<SseSink>& sink, std::optional<uint64_t> after = {});
    // Appends one message; `last` ends the stream after it.
    void append(uint64_t stream, std::string data, bool last);
    // Ends `stream` with no further event (its request was cancelled).
    void end_stream(uint64_t stream);
    // The sink's connection went away; events keep being buffered.
    void detach(uint64_t stream, const SseSink* sink);
    // Closes the live connection of `stream` without ending the stream (the client resumes).
    void disconnect(uint64_t stream);
    // Writes an SSE comment to every live sink: keeps proxies from cutting quiet streams, and
    // makes the connection of a client that vanished fail its write and detach.
    void heartbeat();
    // Finishes every live sink; used when the session ends.
    void close_all();
    bool has_live_sinks() const;

 private:
    // One buffer for the whole session, oldest first, so a stream costs no buffer of its own:
    // most streams carry a single response.
    struct Event {
        uint64_t stream;
        uint64_t seq;
        std::string bytes;  // formatted
    };
    struct Stream {
        std::shared_ptr<SseSink> sink;
        uint64_t next_seq = 0;
        size_t buffered = 0;  // its events in events_
        // The first event appended while no sink was attached: a GET without Last-Event-ID
        // starts the standalone stream from there, so nothing sent meanwhile is lost.
        std::optional<uint64_t> undelivered_from;
        bool ended = false;
    };
    std::string priming_event(uint64_t id, Stream& stream);
    void trim();

    const size_t max_events_;
    const uint64_t retry_ms_;

    mutable std::mutex mutex_;
    bool priming_ = false;                // guarded by mutex_
    std::map<uint64_t, Stream> streams_;  // guarded by mutex_
    std::deque<Event> events_;            // guarded by mutex_
    uint64_t next_stream_ = 1;            // guarded by mutex_
};

}  // namespace switchboard::host::http
