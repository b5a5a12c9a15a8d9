// budget_test.cpp: budgets warn at their threshold and fire `exceeded` exactly once per period.
#include <gtest/gtest.h>

#include <cstdio>

#include "record_parsing.hpp"
#include "test_support.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;
using testing::Harness;

TEST(Budget, CrossingFiresWarningThenExceededOncePerPeriod) {
    Harness h;
    h.service->budget_set({{"scope", "project"}, {"scope_value", "web"}, {"period", "month"}, {"limit_usd", 1.0}});
    h.spend(0.5, {{"project", "web"}});
    EXPECT_TRUE(h.events.empty());
    h.spend(0.35, {{"project", "web"}});  // 0.85: past the 80% warning
    EXPECT_EQ(h.count("metrics.budget.warning"), 1u);
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 0u);
    h.spend(0.1, {{"project", "other"}});  // another project: no effect
    h.spend(0.1, {{"project", "web"}});    // 0.95
    EXPECT_EQ(h.count("metrics.budget.warning"), 1u);
    const Json result = h.spend(0.2, {{"project", "web"}});  // 1.15: exceeded
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 1u);
    ASSERT_EQ(result["budgets"].size(), 1u);
    EXPECT_FALSE(result["budgets"][0]["allowed"].get<bool>());
    h.spend(0.3, {{"project", "web"}});
    h.spend(0.3, {{"project", "web"}});
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 1u) << "fired again in the same period";
    EXPECT_EQ(h.count("metrics.budget.warning"), 1u);

    const Json& event = h.events.back().second;
    EXPECT_EQ(event["scope_value"], "web");
    EXPECT_EQ(event["state"], "exceeded");
    EXPECT_NEAR(event["spent_usd"].get<double>(), 1.15, 1e-9);

    const Json check = h.service->budget_check({{"project", "web"}});
    EXPECT_FALSE(check["allowed"].get<bool>());
    EXPECT_TRUE(h.service->budget_check({{"project", "other"}})["allowed"].get<bool>());

    // The next month is a new period: spend starts at zero and the events can fire again.
    h.now = *parse_time("2026-04-01T00:00:01Z");
    EXPECT_TRUE(h.service->budget_check({{"project", "web"}})["allowed"].get<bool>());
    h.spend(2.0, {{"project", "web"}});
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 2u);
    EXPECT_EQ(h.count("metrics.budget.warning"), 2u);
}

TEST(Budget, FiredStateSurvivesARestart) {
    const std::string path = ::testing::TempDir() + "metrics_budget_restart.db";
    std::remove(path.c_str());
    {
        Harness h(path);
        h.service->budget_set({{"scope", "global"}, {"period", "day"}, {"limit_usd", 1.0}});
        h.spend(1.5);
        EXPECT_EQ(h.count("metrics.budget.exceeded"), 1u);
    }
    Harness h(path);
    h.spend(0.5);
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 0u);
    EXPECT_EQ(h.service->budget_list({})["budgets"][0]["state"], "exceeded");
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST(Budget, SettingALimitBelowCurrentSpendFiresAtOnce) {
    Harness h;
    h.spend(5.0, {{"agent", "a1"}});
    h.service->budget_set({{"scope", "agent"}, {"scope_value", "a1"}, {"period", "week"}, {"limit_usd", 2.0}});
    EXPECT_EQ(h.count("metrics.budget.exceeded"), 1u);
}

TEST(Budget, BadArgumentsSayWhatIsAccepted) {
    Harness h;
    try {
        h.service->budget_set({{"scope", "planet"}, {"limit_usd", 1.0}});
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("accepted: global, project, agent, team, model"), std::string::npos);
    }
    EXPECT_THROW(h.service->budget_set({{"scope", "project"}, {"limit_usd", 1.0}}), InputError);  // no scope_value
    EXPECT_THROW(h.service->budget_set({{"scope", "global"}, {"limit_usd", -1.0}}), InputError);
    EXPECT_THROW(h.service->budget_set({{"scope", "global"}, {"period", "year"}, {"limit_usd", 1.0}}), InputError);
    EXPECT_THROW(h.service->budget_set({{"scope", "global"}, {"limit_usd", 1.0}, {"warn_ratio", 1.5}}), InputError);
}

TEST(Budget, RemoveDeletesTheBudgetAndItsEvents) {
    Harness h;
    const Json set = h.service->budget_set({{"scope", "model"}, {"scope_value", "gpt-5"}, {"limit_usd", 3.0}});
    const int64_t id = set["budget"]["id"].get<int64_t>();
    EXPECT_EQ(h.service->budget_list({})["budgets"].size(), 1u);
    h.service->budget_set({{"remove", true}, {"id", id}});
    EXPECT_EQ(h.service->budget_list({})["budgets"].size(), 0u);
    EXPECT_THROW(h.service->budget_set({{"remove", true}, {"id", id}}), InputError);
}

}  // namespace
}  // namespace switchboard::metrics
