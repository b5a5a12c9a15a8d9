// dispatch_queue_test.cpp: limits (pools, tools, runs), no head-of-line blocking, priorities and
// rate limits, with the clock passed in.
#include "dispatch_queue.hpp"

#include <gtest/gtest.h>

#include <map>

namespace workflow {
namespace {

DispatchQueue::Item item(const std::string& task, std::vector<std::string> limits = {}, int priority = 0) {
    return {"run", task, priority, std::move(limits), 0};
}

// Pops every item that may start now; their ids in order.
std::vector<std::string> drain(DispatchQueue& queue, int64_t now = 0,
                               std::map<std::string, std::string>* reasons = nullptr) {
    std::vector<std::string> started;
    while (auto next = queue.pop(now, [&](const DispatchQueue::Item& held, const std::string& why) {
        if (reasons != nullptr) (*reasons)[held.task_id] = why;
    }))
        started.push_back(next->task_id);
    return started;
}

TEST(DispatchQueue, WithoutLimitsIsFifo) {
    DispatchQueue queue;
    for (const char* id : {"a", "b", "c"}) queue.push(item(id));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(queue.empty());
}

TEST(DispatchQueue, PoolOfOneNeverHasTwoInFlight) {
    DispatchQueue queue;
    queue.set_limit("pool p", 1);
    for (const char* id : {"a", "b", "c"}) queue.push(item(id, {"pool p"}));
    std::map<std::string, std::string> reasons;
    EXPECT_EQ(drain(queue, 0, &reasons), (std::vector<std::string>{"a"}));
    EXPECT_EQ(queue.in_flight("pool p"), 1);
    EXPECT_EQ(reasons["b"], "pool p");
    for (const char* expected : {"b", "c"}) {
        queue.release({"pool p"});
        EXPECT_EQ(drain(queue), (std::vector<std::string>{expected}));
        EXPECT_EQ(queue.in_flight("pool p"), 1);
    }
    queue.release({"pool p"});
    EXPECT_TRUE(drain(queue).empty());
    EXPECT_TRUE(queue.empty());
}

TEST(DispatchQueue, HeldPoolDoesNotBlockAnotherPool) {
    DispatchQueue queue;
    queue.set_limit("pool slow", 1);
    queue.set_limit("pool fast", 2);
    queue.push(item("s1", {"pool slow"}));
    queue.push(item("s2", {"pool slow"}));
    queue.push(item("s3", {"pool slow"}));
    queue.push(item("f1", {"pool fast"}));
    queue.push(item("free"));
    queue.push(item("f2", {"pool fast"}));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"s1", "f1", "free", "f2"}));
    EXPECT_EQ(queue.parked(), 2u);
}

TEST(DispatchQueue, EveryLimitMustHaveRoom) {
    DispatchQueue queue;
    queue.set_limit("pool p", 2);
    queue.set_limit("tool t", 1);
    queue.push(item("a", {"pool p", "tool t"}));
    queue.push(item("b", {"pool p", "tool t"}));
    queue.push(item("c", {"pool p"}));
    std::map<std::string, std::string> reasons;
    EXPECT_EQ(drain(queue, 0, &reasons), (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(reasons["b"], "tool t");
    queue.release({"pool p"});  // c ends: the pool has room but b still waits for the tool
    EXPECT_TRUE(drain(queue).empty());
    queue.release({"pool p", "tool t"});  // a ends
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"b"}));
}

TEST(DispatchQueue, ItemWokenByOneLimitAndHeldByAnotherLetsTheNextTry) {
    DispatchQueue queue;
    queue.set_limit("pool p", 1);
    queue.set_limit("tool t", 1);
    queue.push(item("p1", {"pool p"}));
    queue.push(item("t1", {"tool t"}));
    queue.push(item("both", {"pool p", "tool t"}));
    queue.push(item("p2", {"pool p"}));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"p1", "t1"}));
    queue.release({"pool p"});  // "both" comes back, is held by the tool: p2 must get the pool
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"p2"}));
}

TEST(DispatchQueue, HigherPriorityFirstFifoWithin) {
    DispatchQueue queue;
    queue.push(item("low", {}, -1));
    queue.push(item("a", {}, 0));
    queue.push(item("high1", {}, 5));
    queue.push(item("b", {}, 0));
    queue.push(item("high2", {}, 5));
    queue.push(item("resumed", {}, 0), true);
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"high1", "high2", "resumed", "a", "b", "low"}));
}

TEST(DispatchQueue, RunsOfEqualPriorityTakeTurns) {
    DispatchQueue queue;
    for (const char* id : {"b0", "b1", "b2", "b3"}) queue.push({"big", id, 0, {}, 0});
    for (const char* id : {"s0", "s1"}) queue.push({"small", id, 0, {}, 0});
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"b0", "s0", "b1", "s1", "b2", "b3"}));
}

TEST(DispatchQueue, ARunThatComesLaterWaitsForOneTurnNotForTheBacklog) {
    DispatchQueue queue;
    queue.set_limit("pool p", 1);
    for (const char* id : {"b0", "b1", "b2", "b3"}) queue.push({"big", id, 0, {"pool p"}, 0});
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"b0"}));
    queue.push({"late", "l0", 0, {"pool p"}, 0});
    std::vector<std::string> order;
    for (int i = 0; i < 4; ++i) {
        queue.release({"pool p"});
        for (const std::string& id : drain(queue)) order.push_back(id);
    }
    // b1 shares l0's turn and came first; then l0, ahead of the rest of the backlog.
    EXPECT_EQ(order, (std::vector<std::string>{"b1", "l0", "b2", "b3"}));
}

TEST(DispatchQueue, PriorityHoldsAmongItemsParkedOnALimit) {
    DispatchQueue queue;
    queue.set_limit("pool p", 1);
    queue.push(item("first", {"pool p"}));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"first"}));
    queue.push(item("low", {"pool p"}, 0));
    queue.push(item("high", {"pool p"}, 9));
    EXPECT_TRUE(drain(queue).empty());
    queue.release({"pool p"});
    queue.push(item("low2", {"pool p"}, 0));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"high"}));
}

TEST(DispatchQueue, RateLimitSpacesCallsWithATokenBucket) {
    DispatchQueue queue;
    queue.set_limit("pool r", 0, {2, 1000});  // 2 calls per second, burst of 2
    for (const char* id : {"a", "b", "c", "d", "e"}) queue.push(item(id, {"pool r"}));
    std::map<std::string, std::string> reasons;
    EXPECT_EQ(drain(queue, 10'000, &reasons), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(reasons["c"], "rate r");
    ASSERT_TRUE(queue.next_token_ms());
    EXPECT_EQ(*queue.next_token_ms(), 10'500);
    EXPECT_TRUE(drain(queue, 10'499).empty());
    EXPECT_EQ(drain(queue, 10'500), (std::vector<std::string>{"c"}));
    EXPECT_EQ(*queue.next_token_ms(), 11'000);
    EXPECT_EQ(drain(queue, 11'000), (std::vector<std::string>{"d"}));
    EXPECT_EQ(drain(queue, 11'500), (std::vector<std::string>{"e"}));
    EXPECT_FALSE(queue.next_token_ms());
    EXPECT_TRUE(queue.empty());
}

TEST(DispatchQueue, DroppedLimitHandsBackItsParkedItems) {
    DispatchQueue queue;
    queue.set_limit("run r", 1);
    queue.push(item("a", {"run r"}));
    queue.push(item("b", {"run r"}));
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"a"}));
    queue.drop_limit("run r");
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"b"}));
    EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace workflow
