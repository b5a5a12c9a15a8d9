// recommendations_test.cpp: each kind of recommendation fires on a history made for it, with its
// evidence, and stays quiet on a healthy one.
#include <gtest/gtest.h>

#include "recommendations.hpp"
#include "test_support.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

std::vector<Json> of_kind(const Json& result, const std::string& kind) {
    std::vector<Json> found;
    for (const Json& r : result["recommendations"])
        if (r["kind"] == kind) found.push_back(r);
    return found;
}

TEST(Recommendations, CheaperModelWithSimilarSuccessRate) {
    testing::Harness h;
    for (int i = 0; i < 30; ++i) {
        h.spend(0.10, {{"role", "reviewer"}, {"model", "big"}, {"status", i < 27 ? "ok" : "error"}});  // 90%
        h.spend(0.02, {{"role", "reviewer"}, {"model", "small"}, {"status", i < 27 ? "ok" : "error"}});
        h.spend(0.01, {{"role", "reviewer"}, {"model", "tiny"}, {"status", i < 15 ? "ok" : "error"}});  // 50%
    }
    const auto found = of_kind(h.service->recommendations({}), "cheaper_model");
    ASSERT_EQ(found.size(), 1u);
    const Json& r = found[0];
    EXPECT_EQ(r["subject"]["role"], "reviewer");
    EXPECT_EQ(r["subject"]["model"], "big");
    EXPECT_EQ(r["evidence"]["alternative"]["model"], "small");
    EXPECT_NEAR(r["evidence"]["estimated_saving_usd"].get<double>(), 30 * 0.08, 1e-9);
    EXPECT_NEAR(r["evidence"]["current"]["success_rate"].get<double>(), 0.9, 1e-9);
}

TEST(Recommendations, ToolErrorsAndSlowTails) {
    testing::Harness h;
    for (int i = 0; i < 40; ++i) {
        h.service->on_tool_called({{"tool", "flaky"}, {"duration_ms", 5}, {"ok", i % 4 != 0}});
        h.service->on_tool_called({{"tool", "slow"}, {"duration_ms", i < 36 ? 50.0 : 9000.0}, {"ok", true}});
        h.service->on_tool_called({{"tool", "fine"}, {"duration_ms", 20}, {"ok", true}});
    }
    const Json result = h.service->recommendations({});
    const auto errors = of_kind(result, "tool_errors");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0]["subject"]["tool"], "flaky");
    EXPECT_NEAR(errors[0]["evidence"]["error_rate"].get<double>(), 0.25, 1e-9);
    const auto latency = of_kind(result, "tool_latency");
    ASSERT_EQ(latency.size(), 1u);
    EXPECT_EQ(latency[0]["subject"]["tool"], "slow");
    EXPECT_GT(latency[0]["evidence"]["p95_ms"].get<double>(), 2000);
    EXPECT_DOUBLE_EQ(latency[0]["evidence"]["p50_ms"].get<double>(), 50);
}

TEST(Recommendations, LowCacheHitsAndHeavySpenders) {
    testing::Harness h;
    for (const char* agent : {"a1", "a2", "a3", "a4"})
        h.spend(1.0, {{"agent", agent}, {"input_tokens", 60000}, {"cache_read_tokens", 1000}});
    h.spend(9.0, {{"agent", "a5"}, {"input_tokens", 1000}, {"cache_read_tokens", 200000}});
    const Json result = h.service->recommendations({});
    const auto cache = of_kind(result, "low_cache_hits");
    EXPECT_TRUE(cache.empty()) << "cache ratio is about 44%";
    const auto heavy = of_kind(result, "heavy_spender");
    ASSERT_EQ(heavy.size(), 1u);
    EXPECT_EQ(heavy[0]["subject"]["agent"], "a5");
    EXPECT_DOUBLE_EQ(heavy[0]["evidence"]["multiple"].get<double>(), 9.0);

    testing::Harness cold;
    cold.spend(1.0, {{"input_tokens", 500000}, {"cache_read_tokens", 1000}});
    const auto low = of_kind(cold.service->recommendations({}), "low_cache_hits");
    ASSERT_EQ(low.size(), 1u);
    EXPECT_LT(low[0]["evidence"]["cache_hit_ratio"].get<double>(), 0.01);
}

TEST(Recommendations, QuietOnAHealthyHistory) {
    testing::Harness h;
    const char* agents[] = {"a0", "a1", "a2"};
    for (int i = 0; i < 30; ++i) h.spend(0.1, {{"role", "coder"}, {"agent", agents[i % 3]}});
    EXPECT_TRUE(h.service->recommendations({})["recommendations"].empty());
    EXPECT_DOUBLE_EQ(quantile({1, 2, 3, 4}, 0.5), 2.5);
    EXPECT_DOUBLE_EQ(quantile({}, 0.5), 0);
}

}  // namespace
}  // namespace switchboard::metrics
