// run_events.cpp: see run_events.hpp.
#include "run_events.hpp"

#include <utility>
#include <vector>

namespace workflow {

namespace {

constexpr int64_t kPageSize = 500;       // history events read (and written) at once
constexpr int64_t kHeartbeatMs = 15000;  // SSE comment on every stream, and a re-read

bool is_finished(RunStatus status) {
    return status == RunStatus::succeeded || status == RunStatus::failed || status == RunStatus::cancelled;
}

}  // namespace

struct RunEvents::Follower {
    std::string run_id;
    switchboard::HttpStreamPtr stream;
    int64_t last_seq = 0;  // only the pump touches it, and one pump runs at a time
    bool pumping = false;  // a pump is posted or running; guarded by RunEvents::mutex_
    bool woken = false;    // woken while pumping: read again; guarded by RunEvents::mutex_
    bool over = false;     // the stream ended; guarded by RunEvents::mutex_
};

RunEvents::RunEvents(switchboard::Plugin& plugin, Engine& engine, EngineHost& host)
    : plugin_(plugin), engine_(engine), host_(host) {
    // The engine publishes after each commit, so what a wake-up reads is already stored.
    subscription_ = plugin_.subscribe("workflow.#", [this](std::string_view, const Json& payload) {
        if (payload.contains("run_id") && payload["run_id"].is_string()) wake_run(payload["run_id"].get<std::string>());
    });
}

RunEvents::~RunEvents() {
    plugin_.unsubscribe(subscription_);
    {
        std::unique_lock stop(lifetime_->mutex);  // waits for running pumps and heartbeats
        lifetime_->stopped = true;
    }
    std::multimap<std::string, std::shared_ptr<Follower>> followers;
    uint64_t timer = 0;
    {
        std::lock_guard lock(mutex_);
        followers.swap(followers_);
        timer = std::exchange(heartbeat_timer_, 0);
    }
    if (timer != 0) host_.cancel_timer(timer);
    for (auto& [run_id, follower] : followers) follower->stream->end();
}

void RunEvents::follow(const std::string& run_id, int64_t after_seq, switchboard::HttpStreamPtr stream) {
    auto follower = std::make_shared<Follower>();
    follower->run_id = run_id;
    follower->stream = stream;
    follower->last_seq = after_seq;
    // The pump notices closed() and ends the stream; safe to hold `this`: every stream ends
    // before this object goes, and on_closed never runs after its stream ended.
    stream->on_closed([this, weak = std::weak_ptr<Follower>(follower)] {
        if (auto alive = weak.lock()) wake(alive);
    });
    {
        // Registered before it begins, so that a client leaving at once finds it to remove.
        std::lock_guard lock(mutex_);
        followers_.emplace(run_id, follower);
    }
    if (!stream->begin(200, "", {{"X-Accel-Buffering", "no"}})) return finish(follower);
    arm_heartbeat();
    wake(follower);
}

void RunEvents::wake_run(const std::string& run_id) {
    std::vector<std::shared_ptr<Follower>> woken;
    {
        std::lock_guard lock(mutex_);
        auto [first, last] = followers_.equal_range(run_id);
        for (auto it = first; it != last; ++it) woken.push_back(it->second);
    }
    for (const auto& follower : woken) wake(follower);
}

void RunEvents::wake(const std::shared_ptr<Follower>& follower) {
    if (lifetime_->stopped) return;  // no lock: a caller may already hold it shared
    {
        std::lock_guard lock(mutex_);
        if (follower->over) return;
        if (follower->pumping) {
            follower->woken = true;
            return;
        }
        follower->pumping = true;
    }
    plugin_.post_blocking([this, life = lifetime_, follower] {
        std::shared_lock alive(life->mutex);
        if (!life->stopped) pump(follower);
    });
}

void RunEvents::pump(const std::shared_ptr<Follower>& follower) {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            follower->woken = false;
        }
        bool over = true;
        bool more = false;
        try {
            over = send_page(*follower, more);
        } catch (const std::exception& e) {
            plugin_.log(switchboard::LogLevel::error,
                        "event stream of run " + follower->run_id + " ended: " + std::string(e.what()));
        }
        if (over) return finish(follower);
        if (more) continue;
        std::lock_guard lock(mutex_);
        if (!follower->woken) {
            follower->pumping = false;
            return;
        }
    }
}

bool RunEvents::send_page(Follower& follower, bool& more) {
    if (follower.stream->closed()) return true;
    Json events;
    bool finished = false;
    engine_.read([&](Store& store) {
        events = store.history(follower.run_id, follower.last_seq, kPageSize);
        // Read together: a run's terminal event and its final status commit in one transaction.
        const auto run = store.run(follower.run_id);
        finished = !run || is_finished(run->status);
    });
    std::string out;
    for (Json& event : events) {
        const int64_t seq = event.at("seq").get<int64_t>();
        const std::string type = event.at("type").get<std::string>();
        event["run_id"] = follower.run_id;
        out += switchboard::format_sse_event(std::to_string(seq), type, event.dump());
        follower.last_seq = seq;
    }
    more = static_cast<int64_t>(events.size()) == kPageSize;
    if (!out.empty() && !follower.stream->write(out)) return true;
    // A finished run ends its stream once everything up to its terminal event is out. A run that
    // is retried later is followed again by reconnecting with Last-Event-ID.
    return finished && !more;
}

void RunEvents::finish(const std::shared_ptr<Follower>& follower) {
    {
        std::lock_guard lock(mutex_);
        follower->over = true;
        auto [first, last] = followers_.equal_range(follower->run_id);
        for (auto it = first; it != last; ++it) {
            if (it->second == follower) {
                followers_.erase(it);
                break;
            }
        }
    }
    follower->stream->end();
}

void RunEvents::arm_heartbeat() {
    std::lock_guard lock(mutex_);
    if (heartbeat_timer_ != 0 || followers_.empty()) return;
    heartbeat_timer_ = host_.run_after(kHeartbeatMs, [this, life = lifetime_] {
        std::shared_lock alive(life->mutex);
        if (!life->stopped) heartbeat();
    });
}

void RunEvents::heartbeat() {
    std::vector<std::shared_ptr<Follower>> all;
    {
        std::lock_guard lock(mutex_);
        heartbeat_timer_ = 0;
        for (const auto& [run_id, follower] : followers_) all.push_back(follower);
    }
    for (const auto& follower : all) {
        follower->stream->send_comment("heartbeat");
        wake(follower);  // also catches a wake-up that was missed
    }
    arm_heartbeat();
}

}  // namespace workflow
