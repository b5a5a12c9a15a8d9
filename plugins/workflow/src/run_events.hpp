// run_events.hpp: live SSE streams of a run's history (GET /api/v1/workflow/runs/{id}/events).
//
// A stream first replays the stored events after the client's last seq, then follows new ones
// as the engine commits them, and ends after the run's terminal event (run.succeeded, run.failed,
// run.cancelled). Each event is `id: <seq>`, `event: <type>`, `data: <the history event as
// JSON>`, so a client that reconnects with Last-Event-ID resumes without gaps or duplicates.
//
// Nothing polls: the engine publishes workflow.run.* and workflow.task.* on the bus after each
// commit, and those wake the streams of that run, which then read the history after the last seq
// they sent. A slow heartbeat (an SSE comment) keeps proxies from cutting quiet streams and also
// re-reads, in case a wake-up was missed.
#pragma once

#include "engine.hpp"

#include <switchboard/sdk.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace workflow {

class RunEvents {
 public:
    RunEvents(switchboard::Plugin& plugin, Engine& engine, EngineHost& host);
    // Ends every stream; no stream work runs after it returns.
    ~RunEvents();
    RunEvents(const RunEvents&) = delete;
    RunEvents& operator=(const RunEvents&) = delete;

    // Begins `stream` (200, text/event-stream) and follows run `run_id` from after `after_seq`.
    // The run must exist.
    void follow(const std::string& run_id, int64_t after_seq, switchboard::HttpStreamPtr stream);

 private:
    struct Follower;
    // Shared with posted work and timers, which may outlive this object: they hold `mutex`
    // shared while they run and do nothing once `stopped` is set (under `mutex`, exclusively).
    struct Lifetime {
        std::shared_mutex mutex;
        std::atomic<bool> stopped{false};
    };

    void wake_run(const std::string& run_id);
    void wake(const std::shared_ptr<Follower>& follower);
    // Sends what the store holds after the follower's last seq; repeats while woken meanwhile.
    void pump(const std::shared_ptr<Follower>& follower);
    // Sends one page of events; returns true when the stream is over (terminal event sent, run
    // already finished, or client gone).
    bool send_page(Follower& follower, bool& more);
    void finish(const std::shared_ptr<Follower>& follower);
    void arm_heartbeat();
    void heartbeat();

    switchboard::Plugin& plugin_;
    Engine& engine_;
    EngineHost& host_;
    std::shared_ptr<Lifetime> lifetime_ = std::make_shared<Lifetime>();
    uint64_t subscription_ = 0;

    std::mutex mutex_;
    std::multimap<std::string, std::shared_ptr<Follower>> followers_;  // by run id; guarded by mutex_
    uint64_t heartbeat_timer_ = 0;                                     // 0: not armed; guarded by mutex_
};

}  // namespace workflow
