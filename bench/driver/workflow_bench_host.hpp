// workflow_bench_host.hpp: an EngineHost for driving the workflow engine in-process. A tool call
// answers at once but asynchronously (its reply is posted to an Asio io_context, as a real
// plugin's reply comes back later on a host thread), blocking work goes to a second io_context
// (or the same one, for a single-threaded run), and the bus events tell the driver what the
// engine committed and when a run ends.
#pragma once

#include "engine_host.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace wfbench {

namespace asio = boost::asio;

class BenchHost : public workflow::EngineHost {
 public:
    // Runs on the thread that commits the run's last checkpoint, once per run.
    using RunEnded = std::function<void(const std::string& run_id, const std::string& status)>;

    BenchHost(asio::io_context& io, asio::io_context& blocking, RunEnded run_ended)
        : io_(io), blocking_(blocking), run_ended_(std::move(run_ended)) {}

    // A no-op tool: a successful empty result, posted so that it arrives after call_tool returns.
    uint64_t call_tool(std::string, std::function<void(bool, workflow::Json)> done) override {
        calls_.fetch_add(1, std::memory_order_relaxed);
        asio::post(io_, [done = std::move(done)] { done(true, workflow::Json(reply())); });
        return next_call_.fetch_add(1, std::memory_order_relaxed);
    }
    void cancel_call(uint64_t) override {}

    void post_blocking(std::function<void()> task) override {
        blocking_posts_.fetch_add(1, std::memory_order_relaxed);
        asio::post(blocking_, std::move(task));
    }

    uint64_t run_after(int64_t delay_ms, std::function<void()> task) override {
        std::lock_guard lock(mutex_);
        const uint64_t id = ++next_timer_;  // from 2: the engine takes 1 for "being armed"
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
        timers_[id] = timer;
        timer->async_wait([this, id, timer, task = std::move(task)](const boost::system::error_code& error) {
            {
                std::lock_guard inner(mutex_);
                timers_.erase(id);
            }
            if (!error) task();
        });
        return id;
    }
    void cancel_timer(uint64_t timer_id) override {
        std::lock_guard lock(mutex_);
        if (auto found = timers_.find(timer_id); found != timers_.end()) found->second->cancel();
    }

    void publish(std::string_view topic, const workflow::Json& payload) override {
        publishes_.fetch_add(1, std::memory_order_relaxed);
        // One workflow.task.updated per task checkpoint, published after its commit.
        if (topic == "workflow.task.updated") {
            task_checkpoints_.fetch_add(1, std::memory_order_relaxed);
        } else if (topic.starts_with("workflow.run.") && topic != "workflow.run.started") {
            run_ended_(payload.at("run_id").get<std::string>(), payload.at("status").get<std::string>());
        }
    }
    void publish_serialized(std::string_view topic, std::string_view) override {
        publishes_.fetch_add(1, std::memory_order_relaxed);
        if (topic == "workflow.task.updated") task_checkpoints_.fetch_add(1, std::memory_order_relaxed);
    }
    void resource_updated(std::string_view) override {}
    void log_error(std::string_view message) override {
        errors_.fetch_add(1, std::memory_order_relaxed);
        std::fprintf(stderr, "workflow engine: %.*s\n", static_cast<int>(message.size()), message.data());
    }

    uint64_t calls() const { return calls_.load(); }
    uint64_t blocking_posts() const { return blocking_posts_.load(); }
    uint64_t publishes() const { return publishes_.load(); }
    uint64_t task_checkpoints() const { return task_checkpoints_.load(); }
    uint64_t errors() const { return errors_.load(); }

 private:
    static const workflow::Json& reply() {
        static const workflow::Json kReply = {{"content", workflow::Json::array()},
                                              {"structuredContent", workflow::Json::object()}};
        return kReply;
    }

    asio::io_context& io_;
    asio::io_context& blocking_;
    RunEnded run_ended_;
    std::atomic<uint64_t> next_call_{1};
    std::atomic<uint64_t> calls_{0};
    std::atomic<uint64_t> blocking_posts_{0};
    std::atomic<uint64_t> publishes_{0};
    std::atomic<uint64_t> task_checkpoints_{0};
    std::atomic<uint64_t> errors_{0};

    std::mutex mutex_;
    uint64_t next_timer_ = 1;                                         // guarded by mutex_
    std::map<uint64_t, std::shared_ptr<asio::steady_timer>> timers_;  // guarded by mutex_
};

}  // namespace wfbench
