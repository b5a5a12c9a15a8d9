// budgets.hpp: spending limits per project, agent, team or model (or everything) over a period,
// and the events that fire when spending crosses the warning threshold and the limit.
//
// A budget fails closed: at 100% it reports `exceeded` and `allowed: false`, and
// `metrics.budget.exceeded` is published once per period (the fired row is persisted, so a
// restart does not fire it again).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sqlite.hpp"

namespace switchboard::metrics {

inline constexpr double kDefaultWarnRatio = 0.8;

struct Budget {
    int64_t id = 0;
    std::string scope;        // global, project, agent, team, model
    std::string scope_value;  // "" for global
    std::string period;       // day, week, month, total
    double limit_usd = 0;
    double warn_ratio = kDefaultWarnRatio;
};

struct BudgetStatus {
    Budget budget;
    int64_t period_start_ms = 0;
    std::optional<int64_t> period_end_ms;  // none for "total"
    double spent_usd = 0;
    int64_t uncosted_calls = 0;  // calls of unknown cost in the period: the spend may be higher
    double ratio() const { return budget.limit_usd > 0 ? spent_usd / budget.limit_usd : 0; }
    std::string state() const;  // "ok", "warning" or "exceeded"
    nlohmann::json to_json() const;
};

// An event to publish: topic and payload.
struct BudgetEvent {
    std::string topic;
    nlohmann::json payload;
};

// Validates and creates or replaces the budget for (scope, scope_value, period). Throws InputError.
Budget set_budget(Database& db, Budget budget, int64_t now_ms);
// Deletes the budget with `id`; false when there is none.
bool delete_budget(Database& db, int64_t id);
std::vector<Budget> list_budgets(Database& db);

BudgetStatus budget_status(Database& db, const Budget& budget, int64_t now_ms);

// The budgets that apply to a call with these dimensions ("" matches only global budgets).
std::vector<BudgetStatus> check_budgets(Database& db, const std::string& project, const std::string& agent,
                                        const std::string& team, const std::string& model, int64_t now_ms);

// Fires the events due at `now_ms`: a warning at warn_ratio and `exceeded` at 100%, each at
// most once per budget and period. Returns what to publish.
std::vector<BudgetEvent> evaluate_budgets(Database& db, int64_t now_ms);

}  // namespace switchboard::metrics
