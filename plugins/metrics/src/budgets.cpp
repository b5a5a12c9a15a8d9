// budgets.cpp: budget storage, period arithmetic and once-per-period events.
#include "budgets.hpp"

#include <cmath>

#include "query.hpp"
#include "record_parsing.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

bool valid_scope(const std::string& scope) {
    return scope == "global" || scope == "project" || scope == "agent" || scope == "team" || scope == "model";
}

Budget read_budget(Statement& row) {
    Budget budget;
    budget.id = row.int64(0);
    budget.scope = row.text(1);
    budget.scope_value = row.text(2);
    budget.period = row.text(3);
    budget.limit_usd = row.real(4);
    budget.warn_ratio = row.real(5);
    return budget;
}

constexpr const char* kBudgetColumns = "id, scope, scope_value, period, limit_usd, warn_ratio";

}  // namespace

std::string BudgetStatus::state() const {
    if (spent_usd >= budget.limit_usd) return "exceeded";
    if (spent_usd >= budget.limit_usd * budget.warn_ratio) return "warning";
    return "ok";
}

Json BudgetStatus::to_json() const {
    return {{"id", budget.id},
            {"scope", budget.scope},
            {"scope_value", budget.scope_value},
            {"period", budget.period},
            {"limit_usd", budget.limit_usd},
            {"warn_ratio", budget.warn_ratio},
            {"period_start", iso8601(period_start_ms)},
            {"period_end", period_end_ms ? Json(iso8601(*period_end_ms)) : Json()},
            {"spent_usd", spent_usd},
            {"remaining_usd", std::max(0.0, budget.limit_usd - spent_usd)},
            {"ratio", ratio()},
            {"uncosted_calls", uncosted_calls},
            {"state", state()},
            {"allowed", state() != "exceeded"}};
}

Budget set_budget(Database& db, Budget budget, int64_t now) {
    if (!valid_scope(budget.scope))
        throw InputError("scope \"" + budget.scope +
                         "\" is not accepted; accepted: global, project, agent, team, model");
    if (budget.scope == "global")
        budget.scope_value.clear();
    else if (budget.scope_value.empty())
        throw InputError("a " + budget.scope + " budget needs the " + budget.scope + " it applies to (scope_value)");
    if (budget.period != "day" && budget.period != "week" && budget.period != "month" && budget.period != "total")
        throw InputError("period \"" + budget.period + "\" is not accepted; accepted: day, week, month, total");
    if (!std::isfinite(budget.limit_usd) || budget.limit_usd <= 0)
        throw InputError("limit_usd must be a positive number of US dollars");
    if (!std::isfinite(budget.warn_ratio) || budget.warn_ratio <= 0 || budget.warn_ratio > 1)
        throw InputError("warn_ratio must be above 0 and at most 1 (0.8 warns at 80%)");
    db.prepare(
          "INSERT INTO budgets (scope, scope_value, period, limit_usd, warn_ratio, created_ms, updated_ms) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, scope_value, period) DO UPDATE SET "
          "limit_usd = excluded.limit_usd, warn_ratio = excluded.warn_ratio, updated_ms = excluded.updated_ms")
        .bind(1, std::string_view(budget.scope))
        .bind(2, std::string_view(budget.scope_value))
        .bind(3, std::string_view(budget.period))
        .bind(4, budget.limit_usd)
        .bind(5, budget.warn_ratio)
        .bind(6, now)
        .bind(7, now)
        .run();
    Statement id = db.prepare("SELECT id FROM budgets WHERE scope = ? AND scope_value = ? AND period = ?");
    id.bind(1, std::string_view(budget.scope)).bind(2, std::string_view(budget.scope_value));
    id.bind(3, std::string_view(budget.period));
    if (id.step()) budget.id = id.int64(0);
    return budget;
}

bool delete_budget(Database& db, int64_t id) {
    db.prepare("DELETE FROM budgets WHERE id = ?").bind(1, id).run();
    return db.changes() > 0;
}

std::vector<Budget> list_budgets(Database& db) {
    std::vector<Budget> budgets;
    Statement rows = db.prepare(std::string("SELECT ") + kBudgetColumns + " FROM budgets ORDER BY id");
    while (rows.step()) budgets.push_back(read_budget(rows));
    return budgets;
}

BudgetStatus budget_status(Database& db, const Budget& budget, int64_t now) {
    BudgetStatus status;
    status.budget = budget;
    Query query;
    if (budget.period != "total") {
        const Bucket bucket = *parse_bucket(budget.period);
        status.period_start_ms = bucket_start(bucket, now);
        status.period_end_ms = bucket_next(bucket, status.period_start_ms);
        query.from_ms = status.period_start_ms;
        query.to_ms = status.period_end_ms;
    }
    if (budget.scope != "global") query.filters.push_back({budget.scope, {budget.scope_value}});
    QueryResult result = run_query(db, query);
    if (!result.rows.empty()) {
        status.spent_usd = result.value(result.rows.front(), "cost_usd");
        status.uncosted_calls = static_cast<int64_t>(result.value(result.rows.front(), "uncosted_calls"));
    }
    return status;
}

std::vector<BudgetStatus> check_budgets(Database& db, const std::string& project, const std::string& agent,
                                        const std::string& team, const std::string& model, int64_t now) {
    std::vector<BudgetStatus> statuses;
    for (const Budget& budget : list_budgets(db)) {
        const bool applies = budget.scope == "global" || (budget.scope == "project" && budget.scope_value == project) ||
                             (budget.scope == "agent" && budget.scope_value == agent) ||
                             (budget.scope == "team" && budget.scope_value == team) ||
                             (budget.scope == "model" && budget.scope_value == model);
        if (applies) statuses.push_back(budget_status(db, budget, now));
    }
    return statuses;
}

std::vector<BudgetEvent> evaluate_budgets(Database& db, int64_t now) {
    std::vector<BudgetEvent> events;
    Statement remember = db.prepare(
        "INSERT OR IGNORE INTO budget_events (budget_id, period_start_ms, kind, fired_ms, spent_usd) "
        "VALUES (?, ?, ?, ?, ?)");
    for (const Budget& budget : list_budgets(db)) {
        const BudgetStatus status = budget_status(db, budget, now);
        const std::string state = status.state();
        if (state == "ok") continue;
        // A crossing straight past both thresholds fires both, warning first.
        for (const char* kind : {"warning", "exceeded"}) {
            if (std::string_view(kind) == "exceeded" && state != "exceeded") continue;
            remember.bind(1, budget.id).bind(2, status.period_start_ms).bind(3, std::string_view(kind));
            remember.bind(4, now).bind(5, status.spent_usd);
            remember.run();
            if (db.changes() == 0) continue;  // already fired this period
            events.push_back({std::string("metrics.budget.") + kind, status.to_json()});
        }
    }
    return events;
}

}  // namespace switchboard::metrics
