// executor.hpp: the host's threads. An Asio io_context run by a few threads for I/O and quick
// work, a separate pool for blocking work (disk, SQLite, waiting on a client), and timers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace switchboard::host {

class Executor {
 public:
    Executor(unsigned executor_threads, unsigned blocking_threads);
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Quick, non-blocking work.
    void post(std::function<void()> task);
    // Work that may block.
    void post_blocking(std::function<void()> task);
    // Runs `task` on an executor thread after `delay`. Returns an id (never 0) for cancel_timer.
    uint64_t post_after(std::chrono::milliseconds delay, std::function<void()> task);
    // True when the task will not run; false when it ran, is running or the id is unknown.
    bool cancel_timer(uint64_t id);

    boost::asio::io_context& io() { return io_; }

    // Stops taking work and joins every thread. Idempotent.
    void stop();

 private:
    struct Timer;

    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> io_threads_;
    boost::asio::thread_pool blocking_;

    std::mutex timers_mutex_;
    std::map<uint64_t, std::shared_ptr<Timer>> timers_;  // guarded by timers_mutex_
    std::atomic<uint64_t> next_timer_id_{1};
    std::atomic<bool> stopped_{false};
};

}  // namespace switchboard::host
