// forecast_test.cpp: projections on synthetic histories.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;
using testing::Harness;

TEST(Forecast, BurnRateAndPeriodProjectionFromASteadyHistory) {
    Harness h;
    // Ten calls an hour at $0.10, 1000 + 500 tokens each, for the last 24 hours: $1/hour, 15k tokens/hour.
    const int64_t end = h.now;
    for (int64_t hour = 0; hour < 24; ++hour) {
        for (int i = 0; i < 10; ++i) {
            h.now = end - 24 * kHourMs + hour * kHourMs + i * 6 * 60000 + 1;
            h.spend(0.1, {{"project", "web"}, {"input_tokens", 1000}, {"output_tokens", 500}, {"provider", "openai"}});
        }
    }
    h.spend(5.0, {{"project", "other"}});  // another project, outside the filter
    h.now = end;
    const Json result =
        h.service->forecast({{"filters", {{"project", "web"}}}, {"window_hours", 24}, {"period", "day"}});
    const Json& rate = result["burn_rate"];
    EXPECT_NEAR(rate["usd_per_hour"].get<double>(), 1.0, 1e-9);
    EXPECT_NEAR(rate["tokens_per_hour"].get<double>(), 15000, 1e-6);
    EXPECT_EQ(rate["basis"]["calls"].get<int64_t>(), 240);
    EXPECT_EQ(rate["basis"]["window_hours"].get<double>(), 24);

    // 2026-03-10T12:00Z: spent 12 hours' worth today ($12), 12 hours left at $1/hour.
    const Json& projection = result["period_projection"];
    EXPECT_NEAR(projection["spent_usd"].get<double>(), 12.0, 1e-9);
    EXPECT_NEAR(projection["hours_left"].get<double>(), 12.0, 1e-9);
    EXPECT_NEAR(projection["projected_total_usd"].get<double>(), 24.0, 1e-9);
}

TEST(Forecast, RemainingWorkUsesMeansPerTaskKindAndModel) {
    Harness h;
    // Four past runs: task "review" took two calls of $0.10 and 1 s each on model m-a.
    for (int run = 0; run < 4; ++run) {
        for (int call = 0; call < 2; ++call)
            h.spend(0.1,
                    {{"task", "review"}, {"run", "r" + std::to_string(run)}, {"model", "m-a"}, {"latency_ms", 1000}});
        h.spend(1.0, {{"task", "build"}, {"run", "r" + std::to_string(run)}, {"model", "m-b"}, {"latency_ms", 4000}});
    }
    h.spend(0.3, {{"task", "review"}, {"run", "current"}, {"model", "m-a"}});
    const Json result = h.service->forecast({{"run", "current"},
                                             {"remaining",
                                              {{{"task", "review"}, {"model", "m-a"}, {"count", 3}},
                                               {{"task", "build"}, {"model", "m-z"}},
                                               {{"task", "deploy"}}}}});
    const Json& work = result["remaining_work"];
    const Json& review = work["items"][0];
    // Five samples: four finished runs ($0.20, 2 s) and the current one ($0.30, 0 s).
    EXPECT_EQ(review["basis"]["samples"].get<int64_t>(), 5);
    EXPECT_NEAR(review["basis"]["mean_cost_usd"].get<double>(), 0.22, 1e-9);
    EXPECT_NEAR(review["projected_cost_usd"].get<double>(), 0.66, 1e-9);
    EXPECT_NEAR(review["projected_duration_ms"].get<double>(), 3 * 1600.0, 1e-6);
    const Json& build = work["items"][1];
    EXPECT_EQ(build["basis"]["samples"].get<int64_t>(), 4);
    EXPECT_NE(build["basis"]["history"].get<std::string>().find("no history on this model"), std::string::npos);
    EXPECT_NEAR(build["projected_cost_usd"].get<double>(), 1.0, 1e-9);
    EXPECT_TRUE(work["items"][2]["projected_cost_usd"].is_null());
    EXPECT_EQ(work["tasks_without_history"].get<int64_t>(), 1);
    EXPECT_NEAR(work["projected_cost_usd"].get<double>(), 1.66, 1e-9);
    EXPECT_NEAR(work["spent_usd"].get<double>(), 0.3, 1e-9);
    EXPECT_NEAR(work["projected_run_total_usd"].get<double>(), 1.96, 1e-9);
}

TEST(Forecast, EmptyHistoryProjectsZeroAndBadArgumentsAreRefused) {
    Harness h;
    const Json result = h.service->forecast({});
    EXPECT_EQ(result["burn_rate"]["usd_per_hour"].get<double>(), 0);
    EXPECT_EQ(result["period_projection"]["period"], "month");
    EXPECT_THROW(h.service->forecast({{"period", "hour"}}), std::invalid_argument);
    EXPECT_THROW(h.service->forecast({{"window_hours", -1}}), std::invalid_argument);
    EXPECT_THROW(h.service->forecast({{"remaining", {{{"model", "x"}}}}}), std::invalid_argument);
}

}  // namespace
}  // namespace switchboard::metrics
