// event_bus_test.cpp: topic matching, ordered delivery per subscription, and unsubscribe guarantees.
#include "event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "executor.hpp"
#include "test_support.hpp"

namespace switchboard::host {
namespace {

using namespace std::chrono_literals;
using switchboard::testing::eventually;

TEST(TopicMatching, ExactAndWildcards) {
    EXPECT_TRUE(topic_matches("host.tool.called", "host.tool.called"));
    EXPECT_FALSE(topic_matches("host.tool.called", "host.tool.calle"));
    EXPECT_FALSE(topic_matches("host.tool", "host.tool.called"));
    EXPECT_FALSE(topic_matches("host.tool.called.x", "host.tool.called"));

    // `*` is exactly one segment.
    EXPECT_TRUE(topic_matches("host.*.called", "host.tool.called"));
    EXPECT_TRUE(topic_matches("*.*.*", "llm.call.completed"));
    EXPECT_FALSE(topic_matches("host.*", "host.tool.called"));
    EXPECT_FALSE(topic_matches("host.*.called", "host.called"));
    EXPECT_FALSE(topic_matches("*", "host.tool"));

    // A final `#` is any number of trailing segments, including none.
    EXPECT_TRUE(topic_matches("workflow.#", "workflow.task.updated"));
    EXPECT_TRUE(topic_matches("workflow.#", "workflow.run"));
    EXPECT_TRUE(topic_matches("workflow.#", "workflow"));
    EXPECT_TRUE(topic_matches("#", "anything.at.all"));
    EXPECT_FALSE(topic_matches("workflow.#", "workflows.task"));
    EXPECT_FALSE(topic_matches("workflow.#", "comms.workflow.task"));
    EXPECT_TRUE(topic_matches("*.task.#", "workflow.task.updated.again"));
    EXPECT_FALSE(topic_matches("*.task.#", "workflow.run.updated"));
}

TEST(TopicMatching, ValidTopicsAndPatterns) {
    EXPECT_TRUE(valid_topic("host.tool.called"));
    EXPECT_TRUE(valid_topic("a_b-c.D9"));
    EXPECT_FALSE(valid_topic(""));
    EXPECT_FALSE(valid_topic("host..called"));
    EXPECT_FALSE(valid_topic("host.tool."));
    EXPECT_FALSE(valid_topic("host.*.called"));
    EXPECT_FALSE(valid_topic("host.#"));
    EXPECT_FALSE(valid_topic("host tool"));

    EXPECT_TRUE(valid_topic_pattern("host.*.called"));
    EXPECT_TRUE(valid_topic_pattern("workflow.#"));
    EXPECT_TRUE(valid_topic_pattern("#"));
    EXPECT_TRUE(valid_topic_pattern("*"));
    EXPECT_FALSE(valid_topic_pattern("workflow.#.task"));  // `#` only at the end
    EXPECT_FALSE(valid_topic_pattern("work*"));
    EXPECT_FALSE(valid_topic_pattern(""));
    EXPECT_FALSE(valid_topic_pattern("a..b"));
}

class EventBusTest : public ::testing::Test {
 protected:
    Executor executor_{4, 1};
    EventBus bus_{executor_.io()};
};

TEST_F(EventBusTest, DeliversOnlyMatchingTopicsWithPayload) {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> seen;
    bus_.subscribe("workflow.*.updated", [&](const std::string& topic, const std::string& payload) {
        std::lock_guard lock(mutex);
        seen.emplace_back(topic, payload);
    });
    bus_.publish("workflow.task.updated", R"({"id":1})");
    bus_.publish("workflow.task.created", R"({"id":2})");
    bus_.publish("comms.task.updated", R"({"id":3})");
    bus_.publish("workflow.run.updated", R"({"id":4})");
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        return seen.size() >= 2;
    }));
    std::this_thread::sleep_for(50ms);  // nothing else may arrive
    std::lock_guard lock(mutex);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], std::make_pair(std::string("workflow.task.updated"), std::string(R"({"id":1})")));
    EXPECT_EQ(seen[1], std::make_pair(std::string("workflow.run.updated"), std::string(R"({"id":4})")));
}

TEST_F(EventBusTest, SubscriptionIdsAreNonZeroAndDistinct) {
    const uint64_t a = bus_.subscribe("a", [](const std::string&, const std::string&) {});
    const uint64_t b = bus_.subscribe("a", [](const std::string&, const std::string&) {});
    EXPECT_NE(a, 0u);
    EXPECT_NE(b, 0u);
    EXPECT_NE(a, b);
}

TEST_F(EventBusTest, EachSubscriptionGetsEventsInPublishOrderOneAtATime) {
    constexpr int events = 2000;
    struct Seen {
        std::mutex mutex;
        std::vector<int> order;
        std::atomic<int> running{0};
        std::atomic<bool> overlapped{false};
    };
    Seen first, second;
    auto recorder = [](Seen& seen) {
        return [&seen](const std::string&, const std::string& payload) {
            if (seen.running.fetch_add(1) != 0) seen.overlapped = true;
            {
                std::lock_guard lock(seen.mutex);
                seen.order.push_back(std::stoi(payload));
            }
            seen.running.fetch_sub(1);
        };
    };
    bus_.subscribe("seq.#", recorder(first));
    bus_.subscribe("seq.number", recorder(second));
    // Two publishers would not define an order; one publisher, many executor threads, does.
    for (int i = 0; i < events; ++i) bus_.publish("seq.number", std::to_string(i));
    for (Seen* seen : {&first, &second}) {
        ASSERT_TRUE(eventually([&] {
            std::lock_guard lock(seen->mutex);
            return seen->order.size() == events;
        }));
        std::lock_guard lock(seen->mutex);
        for (int i = 0; i < events; ++i) ASSERT_EQ(seen->order[i], i) << "event " << i << " out of order";
        EXPECT_FALSE(seen->overlapped) << "a subscription's handler ran concurrently with itself";
    }
}

TEST_F(EventBusTest, AfterUnsubscribeReturnsTheHandlerIsNotRunningAndNeverRunsAgain) {
    std::atomic<int> calls{0};
    std::atomic<bool> inside{false};
    const uint64_t id = bus_.subscribe("tick", [&](const std::string&, const std::string&) {
        inside = true;
        std::this_thread::sleep_for(2ms);
        ++calls;
        inside = false;
    });
    for (int i = 0; i < 200; ++i) bus_.publish("tick", "{}");
    ASSERT_TRUE(eventually([&] { return calls > 0; }));
    bus_.unsubscribe(id);
    EXPECT_FALSE(inside) << "the handler was still running when unsubscribe returned";
    const int at_unsubscribe = calls;
    EXPECT_LT(at_unsubscribe, 200) << "the test needs events still queued when it unsubscribes";
    for (int i = 0; i < 10; ++i) bus_.publish("tick", "{}");
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(calls, at_unsubscribe);
    bus_.unsubscribe(id);  // twice is harmless
}

TEST_F(EventBusTest, UnsubscribeLeavesOtherSubscriptionsAlone) {
    std::atomic<int> kept{0}, dropped{0};
    bus_.subscribe("x.y", [&](const std::string&, const std::string&) { ++kept; });
    const uint64_t id = bus_.subscribe("x.y", [&](const std::string&, const std::string&) { ++dropped; });
    bus_.unsubscribe(id);
    for (int i = 0; i < 5; ++i) bus_.publish("x.y", "{}");
    ASSERT_TRUE(eventually([&] { return kept == 5; }));
    EXPECT_EQ(dropped, 0);
}

TEST_F(EventBusTest, AnInlineSubscriptionRunsInsidePublishOnThePublishersThread) {
    std::vector<std::string> seen;  // no lock: every call is on this thread, inside publish
    std::thread::id handler_thread;
    const uint64_t id = bus_.subscribe(
        "host.tool.called",
        [&](const std::string&, const std::string& payload) {
            handler_thread = std::this_thread::get_id();
            seen.push_back(payload);
        },
        EventBus::Delivery::inline_);
    bus_.publish("host.tool.called", R"({"n":1})");
    bus_.publish("host.tool.other", R"({"n":2})");
    bus_.publish("host.tool.called", R"({"n":3})");
    ASSERT_EQ(seen, (std::vector<std::string>{R"({"n":1})", R"({"n":3})"}));
    EXPECT_EQ(handler_thread, std::this_thread::get_id());
    bus_.unsubscribe(id);
    bus_.publish("host.tool.called", R"({"n":4})");
    EXPECT_EQ(seen.size(), 2u);
}

TEST_F(EventBusTest, InlineCallsOfOneSubscriptionNeverOverlap) {
    std::atomic<int> inside{0}, overlaps{0}, calls{0};
    bus_.subscribe(
        "tick",
        [&](const std::string&, const std::string&) {
            if (inside.fetch_add(1) != 0) ++overlaps;
            std::this_thread::sleep_for(50us);
            --inside;
            ++calls;
        },
        EventBus::Delivery::inline_);
    std::vector<std::thread> publishers;
    for (int t = 0; t < 4; ++t)
        publishers.emplace_back([&] {
            for (int i = 0; i < 50; ++i) bus_.publish("tick", "{}");
        });
    for (std::thread& publisher : publishers) publisher.join();
    EXPECT_EQ(calls, 200);
    EXPECT_EQ(overlaps, 0);
}

}  // namespace
}  // namespace switchboard::host
