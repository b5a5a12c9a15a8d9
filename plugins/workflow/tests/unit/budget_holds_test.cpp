// budget_holds_test.cpp: reading metrics.budget.exceeded payloads, and which LLM-bound work each
// budget scope holds.
#include "budget_holds.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace workflow {
namespace {

Json exceeded(int64_t id, const std::string& scope, const std::string& value, Json period_end = Json()) {
    return {{"id", id},       {"scope", scope},           {"scope_value", value}, {"period", "day"},
            {"limit_usd", 1}, {"period_end", period_end}, {"state", "exceeded"},  {"allowed", false}};
}

TEST(BudgetHoldsTest, ReadsMetricsTimestamps) {
    EXPECT_EQ(parse_utc_time_ms("1970-01-01T00:00:00.000Z"), 0);
    EXPECT_EQ(parse_utc_time_ms("2026-11-25T00:00:00.000Z"), 1795564800000);
    EXPECT_EQ(parse_utc_time_ms("2026-11-25T01:02:03.456Z"), 1795564800000 + 3723456);
    EXPECT_EQ(parse_utc_time_ms("2026-11-25T01:02:03Z"), 1795564800000 + 3723000);
    EXPECT_FALSE(parse_utc_time_ms("2026-02-30T00:00:00Z"));
    EXPECT_FALSE(parse_utc_time_ms("tomorrow"));
    EXPECT_FALSE(parse_utc_time_ms("2026-11-25T00:00:00+02:00"));
}

TEST(BudgetHoldsTest, ReadsTheEventAndRefusesWhatIsNotOne) {
    const BudgetHold hold = budget_hold_from_event(exceeded(7, "project", "web", "2026-11-25T00:00:00.000Z"));
    EXPECT_EQ(hold.id, 7);
    EXPECT_EQ(hold.scope, "project");
    EXPECT_EQ(hold.period_end_ms, 1795564800000);
    EXPECT_FALSE(budget_hold_from_event(exceeded(8, "global", "")).period_end_ms);  // a total budget
    EXPECT_THROW(budget_hold_from_event({{"scope", "project"}}), std::invalid_argument);
    EXPECT_THROW(budget_hold_from_event(exceeded(9, "planet", "x")), std::invalid_argument);
    EXPECT_THROW(budget_hold_from_event(exceeded(9, "project", "x", "soon")), std::invalid_argument);
}

TEST(BudgetHoldsTest, EachScopeHoldsOnlyTheWorkItNames) {
    BudgetHolds holds;
    holds.add(budget_hold_from_event(exceeded(3, "agent", "writer")));
    holds.add(budget_hold_from_event(exceeded(2, "project", "web")));
    holds.add(budget_hold_from_event(exceeded(4, "model", "gpt-x")));
    holds.add(budget_hold_from_event(exceeded(5, "team", "blue")));
    EXPECT_EQ(holds.holding({"web", "", "", ""})->id, 2);
    EXPECT_EQ(holds.holding({"web", "", "writer", ""})->id, 2);  // the lowest id first
    EXPECT_EQ(holds.holding({"app", "", "writer", ""})->id, 3);
    EXPECT_EQ(holds.holding({"app", "", "", "gpt-x"})->id, 4);
    EXPECT_EQ(holds.holding({"app", "blue", "", ""})->id, 5);
    EXPECT_EQ(holds.holding({"app", "red", "reader", "gpt-y"}), nullptr);
    EXPECT_EQ(holds.holding({"", "", "", ""}), nullptr);  // unknown dimensions match no scoped budget
    holds.add(budget_hold_from_event(exceeded(9, "global", "")));
    EXPECT_EQ(holds.holding({"", "", "", ""})->id, 9);
}

TEST(BudgetHoldsTest, PeriodEndsAndTheBudgetListLiftHolds) {
    BudgetHolds holds;
    holds.add(budget_hold_from_event(exceeded(1, "project", "a", "1970-01-01T00:00:01.000Z")));
    holds.add(budget_hold_from_event(exceeded(2, "project", "b", "1970-01-01T00:00:02.000Z")));
    holds.add(budget_hold_from_event(exceeded(3, "project", "c")));
    EXPECT_EQ(holds.next_period_end_ms(), 1000);
    EXPECT_EQ(holds.ended(1500), std::vector<int64_t>{1});
    // Budget 1 raised (state ok), budget 2 still exceeded, budget 3 removed (absent).
    const Json list = {{{"id", 1}, {"state", "ok"}}, {{"id", 2}, {"state", "exceeded"}}};
    EXPECT_EQ(holds.lifted_by(list), (std::vector<int64_t>{1, 3}));
    holds.remove(1);
    EXPECT_EQ(holds.next_period_end_ms(), 2000);
}

}  // namespace
}  // namespace workflow
