// rollup_consistency_test.cpp: answers from the rollups equal answers from raw rows, on random
// data, for every bucket, random unaligned ranges, groupings and filters.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "query.hpp"
#include "store.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

constexpr int64_t kStart = 1767225600000;  // 2026-01-01T00:00:00Z

class RollupConsistency : public ::testing::Test {
 protected:
    void SetUp() override {
        std::mt19937_64 random(42);
        auto pick = [&](std::initializer_list<const char*> values) {
            std::uniform_int_distribution<size_t> index(0, values.size() - 1);
            return std::string(values.begin()[index(random)]);
        };
        std::uniform_int_distribution<int64_t> when(0, 45 * kDayMs);  // spans a month boundary
        std::uniform_int_distribution<int64_t> tokens(0, 50000);
        std::uniform_real_distribution<double> unit(0, 1);
        std::vector<LlmCall> llm;
        std::vector<ToolCall> tools;
        for (int i = 0; i < 6000; ++i) {
            LlmCall call;
            call.ts_ms = kStart + when(random);
            call.dim(LlmDim::provider) = pick({"anthropic", "openai"});
            call.dim(LlmDim::model) = pick({"m1", "m2", "m3"});
            call.dim(LlmDim::operation) = "chat";
            call.dim(LlmDim::status) = unit(random) < 0.1 ? "error" : "ok";
            call.dim(LlmDim::project) = pick({"p1", "p2", "p3", ""});
            call.dim(LlmDim::agent) = pick({"a1", "a2"});
            call.dim(LlmDim::role) = pick({"coder", "reviewer"});
            call.dim(LlmDim::session) = std::string("s") += std::to_string(i % 37);
            call.dim(LlmDim::task) = pick({"t1", "t2"});
            if (unit(random) < 0.3) call.tags = {"nightly"};
            call.tokens = {tokens(random), tokens(random), tokens(random), tokens(random), 0, unit(random) < 0.5};
            if (unit(random) < 0.9) call.cost_usd = unit(random);
            if (unit(random) < 0.8) call.latency_ms = unit(random) * 5000;
            llm.push_back(std::move(call));

            ToolCall tool;
            tool.ts_ms = kStart + when(random);
            tool.dim(ToolDim::tool) = pick({"x_a", "x_b"});
            tool.dim(ToolDim::plugin) = std::string("x");  // a literal trips GCC 12 -Wrestrict here
            tool.dim(ToolDim::session) = std::string("s") += std::to_string(i % 11);
            tool.ok = unit(random) < 0.9;
            tool.dim(ToolDim::outcome) = tool.ok ? "ok" : "tool_error";
            tool.duration_ms = unit(random) * 100;
            tools.push_back(std::move(tool));
        }
        // Several batches, so rollup rows are updated as well as inserted.
        for (size_t at = 0; at < llm.size(); at += 1000) {
            std::vector<LlmCall> llm_batch(llm.begin() + static_cast<long>(at),
                                           llm.begin() + static_cast<long>(at + 1000));
            std::vector<ToolCall> tool_batch(tools.begin() + static_cast<long>(at),
                                             tools.begin() + static_cast<long>(at + 1000));
            store_.insert(llm_batch, tool_batch);
        }
    }

    void expect_same(Query query) {
        query.raw_only = false;
        QueryResult fast = store_.with_db([&](Database& db) { return run_query(db, query); });
        query.raw_only = true;
        QueryResult raw = store_.with_db([&](Database& db) { return run_query(db, query); });
        ASSERT_EQ(fast.rows.size(), raw.rows.size()) << fast.plan;
        std::map<std::pair<std::vector<std::string>, int64_t>, const QueryRow*> by_key;
        for (const QueryRow& row : raw.rows) by_key[{row.key, row.bucket_ms.value_or(-1)}] = &row;
        for (const QueryRow& row : fast.rows) {
            auto found = by_key.find({row.key, row.bucket_ms.value_or(-1)});
            ASSERT_NE(found, by_key.end());
            for (size_t i = 0; i < row.values.size(); ++i)
                EXPECT_NEAR(row.values[i], found->second->values[i], 1e-6 * (1 + std::abs(row.values[i])))
                    << query.source->measures[i].name << " plan " << fast.plan;
        }
        plans_.insert(fast.plan);
    }

    Store store_{":memory:"};
    std::set<std::string> plans_;
};

TEST_F(RollupConsistency, BreakdownsAndSeriesAgreeWithRawRows) {
    std::mt19937_64 random(7);
    std::uniform_int_distribution<int64_t> offset(-kDayMs, 47 * kDayMs);
    const std::vector<std::vector<std::string>> groupings = {
        {}, {"model"}, {"project", "model"}, {"provider", "agent", "role", "status"}};
    for (int round = 0; round < 25; ++round) {
        Query query;
        query.group_by = groupings[static_cast<size_t>(round) % groupings.size()];
        int64_t a = kStart + offset(random), b = kStart + offset(random);
        if (a > b) std::swap(a, b);
        if (round % 5 != 0) query.from_ms = a;
        if (round % 7 != 0) query.to_ms = b;
        if (round % 3 == 1) query.filters = {{"project", {"p1", "p3"}}};
        if (round % 4 != 0) query.bucket = static_cast<Bucket>(round % 4);
        expect_same(query);
    }
    EXPECT_TRUE(plans_.count("day+hour+raw") == 1 || plans_.count("hour+raw") == 1);
}

TEST_F(RollupConsistency, ToolCallsAgreeWithRawRows) {
    for (Bucket bucket : {Bucket::hour, Bucket::day, Bucket::week, Bucket::month}) {
        Query query;
        query.source = &tool_source();
        query.group_by = {"tool", "outcome"};
        query.bucket = bucket;
        query.from_ms = kStart + 3 * kHourMs + 17;
        query.to_ms = kStart + 40 * kDayMs + 5 * kHourMs + 3;
        expect_same(query);
    }
}

TEST_F(RollupConsistency, SessionsHaveTheirOwnRollups) {
    std::mt19937_64 random(11);
    std::uniform_int_distribution<int64_t> offset(-kDayMs, 47 * kDayMs);
    for (int round = 0; round < 16; ++round) {
        Query query;
        query.source = round % 4 == 3 ? &tool_source() : &llm_source();
        query.group_by = {"session"};
        int64_t a = kStart + offset(random), b = kStart + offset(random);
        if (a > b) std::swap(a, b);
        if (round % 5 != 0) query.from_ms = a;
        if (round % 3 != 0) query.to_ms = b;
        if (round % 4 == 1) query.filters = {{"session", {"s1", "s2", "s30"}}};
        if (round % 4 == 2) {
            query.group_by.clear();
            query.filters = {{"session", {"s5"}}};
        }
        if (round % 2 == 1) query.bucket = static_cast<Bucket>(round % 8 / 2);
        expect_same(query);
    }
    EXPECT_TRUE(plans_.count("session:day+hour+raw") == 1 || plans_.count("session:hour+raw") == 1);

    Query all;
    all.group_by = {"session"};
    QueryResult result = store_.with_db([&](Database& db) { return run_query(db, all); });
    EXPECT_EQ(result.plan, "session:day");
    EXPECT_EQ(result.rows.size(), 37u);
}

TEST_F(RollupConsistency, OtherHighCardinalityDimensionsAndTagsReadRawRows) {
    Query query;
    query.group_by = {"session", "model"};  // a session mixed with a tuple dimension
    QueryResult result = store_.with_db([&](Database& db) { return run_query(db, query); });
    EXPECT_EQ(result.plan, "raw");
    query.group_by = {"task"};
    result = store_.with_db([&](Database& db) { return run_query(db, query); });
    EXPECT_EQ(result.plan, "raw");
    EXPECT_EQ(result.rows.size(), 2u);
    query.group_by = {"model"};
    query.tag = "nightly";
    result = store_.with_db([&](Database& db) { return run_query(db, query); });
    EXPECT_EQ(result.plan, "raw");
    double calls = 0;
    for (const QueryRow& row : result.rows) calls += result.value(row, "calls");
    EXPECT_GT(calls, 1000);
    EXPECT_LT(calls, 2600);
}

TEST_F(RollupConsistency, TopNKeepsTheLargestGroups) {
    Query query;
    query.group_by = {"project", "model"};
    query.limit = 3;
    query.order_by = "calls";
    QueryResult top = store_.with_db([&](Database& db) { return run_query(db, query); });
    ASSERT_EQ(top.rows.size(), 3u);
    EXPECT_GE(top.value(top.rows[0], "calls"), top.value(top.rows[1], "calls"));
    query.bucket = Bucket::week;
    QueryResult series = store_.with_db([&](Database& db) { return run_query(db, query); });
    std::set<std::vector<std::string>> keys;
    for (const QueryRow& row : series.rows) keys.insert(row.key);
    EXPECT_EQ(keys.size(), 3u);
}

TEST(Query, UnknownDimensionsAndMeasuresAreInputErrors) {
    Store store(":memory:");
    Query query;
    query.group_by = {"colour"};
    EXPECT_THROW(store.with_db([&](Database& db) { return run_query(db, query); }), std::invalid_argument);
    query.group_by = {"model"};
    query.order_by = "weight";
    EXPECT_THROW(store.with_db([&](Database& db) { return run_query(db, query); }), std::invalid_argument);
}

}  // namespace
}  // namespace switchboard::metrics
