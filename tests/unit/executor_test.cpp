// executor_test.cpp: the host's pools and timers: post, post_blocking, post_after and cancel_timer.
#include "executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "test_support.hpp"

namespace switchboard::host {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using switchboard::testing::eventually;

TEST(Executor, PostRunsOnAnExecutorThread) {
    Executor executor(2, 1);
    std::promise<std::thread::id> ran;
    executor.post([&] { ran.set_value(std::this_thread::get_id()); });
    auto future = ran.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST(Executor, PostBlockingRunsConcurrentlyOnItsOwnPool) {
    Executor executor(1, 3);
    // Three tasks that each wait for the others prove three blocking threads run them at once,
    // and that waiting there does not stall post().
    std::atomic<int> arrived{0};
    std::atomic<int> finished{0};
    for (int i = 0; i < 3; ++i) {
        executor.post_blocking([&] {
            ++arrived;
            eventually([&] { return arrived == 3; });
            ++finished;
        });
    }
    std::promise<void> quick;
    executor.post([&] { quick.set_value(); });
    EXPECT_EQ(quick.get_future().wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(eventually([&] { return finished == 3; }));
}

TEST(Executor, PostAfterWaitsAtLeastTheDelay) {
    Executor executor(2, 1);
    const auto start = Clock::now();
    std::promise<Clock::time_point> ran;
    const uint64_t id = executor.post_after(80ms, [&] { ran.set_value(Clock::now()); });
    EXPECT_NE(id, 0u);
    auto future = ran.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_GE(future.get() - start, 80ms);
}

TEST(Executor, TimerIdsAreDistinctAndNonZero) {
    Executor executor(1, 1);
    std::set<uint64_t> ids;
    for (int i = 0; i < 100; ++i) ids.insert(executor.post_after(1h, [] {}));
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_EQ(ids.count(0), 0u);
}

TEST(Executor, CancelBeforeTheTimerFiresMeansItNeverRuns) {
    Executor executor(2, 1);
    std::atomic<bool> ran{false};
    const uint64_t id = executor.post_after(100ms, [&] { ran = true; });
    EXPECT_TRUE(executor.cancel_timer(id));
    EXPECT_FALSE(executor.cancel_timer(id)) << "a second cancel must report that nothing was stopped";
    std::this_thread::sleep_for(250ms);
    EXPECT_FALSE(ran);
}

TEST(Executor, CancelAfterTheTaskRanReturnsFalse) {
    Executor executor(2, 1);
    std::atomic<bool> ran{false};
    const uint64_t id = executor.post_after(1ms, [&] { ran = true; });
    ASSERT_TRUE(eventually([&] { return ran.load(); }));
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(executor.cancel_timer(id));
}

TEST(Executor, CancelWhileTheTaskRunsReturnsFalse) {
    Executor executor(2, 1);
    std::atomic<bool> started{false};
    std::atomic<bool> release{false};
    const uint64_t id = executor.post_after(1ms, [&] {
        started = true;
        eventually([&] { return release.load(); });
    });
    ASSERT_TRUE(eventually([&] { return started.load(); }));
    EXPECT_FALSE(executor.cancel_timer(id)) << "cancel_timer claimed to stop a task that is running";
    release = true;
}

TEST(Executor, CancelUnknownIdReturnsFalse) {
    Executor executor(1, 1);
    EXPECT_FALSE(executor.cancel_timer(0));
    EXPECT_FALSE(executor.cancel_timer(123456));
}

TEST(Executor, ManyTimersRunOrCancelExactlyAsAsked) {
    Executor executor(3, 1);
    constexpr int count = 200;
    std::atomic<int> runs[count] = {};
    std::vector<uint64_t> ids;
    for (int i = 0; i < count; ++i)
        ids.push_back(executor.post_after(std::chrono::milliseconds(20 + i % 30), [&runs, i] { ++runs[i]; }));
    std::vector<bool> cancelled(count);
    for (int i = 0; i < count; i += 2) cancelled[i] = executor.cancel_timer(ids[i]);
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < count; ++i) {
        if (i % 2 == 0 && cancelled[i])
            EXPECT_EQ(runs[i], 0) << "timer " << i << " ran after a successful cancel";
        else
            EXPECT_EQ(runs[i], 1) << "timer " << i;
    }
}

TEST(Executor, StopIsIdempotentAndDropsPendingTimers) {
    std::atomic<bool> ran{false};
    {
        Executor executor(2, 2);
        executor.post_after(1h, [&] { ran = true; });
        std::atomic<bool> blocking_done{false};
        executor.post_blocking([&] {
            std::this_thread::sleep_for(20ms);
            blocking_done = true;
        });
        executor.stop();
        EXPECT_TRUE(blocking_done) << "stop must wait for blocking work";
        executor.stop();
    }
    EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace switchboard::host
