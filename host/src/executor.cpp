// executor.cpp: thread pools and timers.
#include "executor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace switchboard::host {

// A timer runs its task at most once: whoever moves `state` away from pending first wins.
struct Executor::Timer {
    enum State { pending, running, cancelled };
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::atomic<int> state{pending};
};

Executor::Executor(unsigned executor_threads, unsigned blocking_threads)
    : work_(boost::asio::make_work_guard(io_)), blocking_(blocking_threads) {
    for (unsigned i = 0; i < executor_threads; ++i) io_threads_.emplace_back([this] { io_.run(); });
}

Executor::~Executor() { stop(); }

void Executor::post(std::function<void()> task) { boost::asio::post(io_, std::move(task)); }

void Executor::post_blocking(std::function<void()> task) {
    // Once stopping, the pool may already be joined and would drop the task unrun; a plugin's
    // task owns what it was given (the SDK frees its closure when it runs), so run it here.
    if (stopped_) return task();
    boost::asio::post(blocking_, std::move(task));
}

uint64_t Executor::post_after(std::chrono::milliseconds delay, std::function<void()> task) {
    const uint64_t id = next_timer_id_++;
    auto timer = std::make_shared<Timer>(io_);
    {
        std::lock_guard lock(timers_mutex_);
        timers_.emplace(id, timer);
    }
    timer->timer.expires_after(delay);
    timer->timer.async_wait([this, id, timer, task = std::move(task)](const boost::system::error_code&) {
        int expected = Timer::pending;
        if (timer->state.compare_exchange_strong(expected, Timer::running)) task();
        std::lock_guard lock(timers_mutex_);
        timers_.erase(id);
    });
    return id;
}

bool Executor::cancel_timer(uint64_t id) {
    std::shared_ptr<Timer> timer;
    {
        std::lock_guard lock(timers_mutex_);
        auto found = timers_.find(id);
        if (found == timers_.end()) return false;
        timer = found->second;
    }
    int expected = Timer::pending;
    if (!timer->state.compare_exchange_strong(expected, Timer::cancelled)) return false;
    boost::asio::post(io_, [timer] { timer->timer.cancel(); });  // the wait handler cleans up
    return true;
}

void Executor::stop() {
    if (stopped_.exchange(true)) return;
    blocking_.join();
    work_.reset();
    io_.stop();
    for (auto& thread : io_threads_) thread.join();
    std::lock_guard lock(timers_mutex_);
    timers_.clear();
}

}  // namespace switchboard::host
