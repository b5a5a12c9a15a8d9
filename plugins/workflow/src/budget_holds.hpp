// budget_holds.hpp: the budgets the metrics plugin reported exceeded (`metrics.budget.exceeded`),
// and which LLM-bound work each one holds back. A budget fails closed: while its hold stands, no
// new LLM-bound call starts under it.
//
// Pure bookkeeping: no I/O, no threads, the clock is passed in. The engine keeps one under its
// mutex and stores every hold, so a restart does not forget it (metrics fires once per period).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace workflow {

using Json = nlohmann::json;

struct BudgetHold {
    int64_t id = 0;                        // the metrics budget id
    std::string scope;                     // global, project, agent, team, model
    std::string scope_value;               // "" for global
    std::optional<int64_t> period_end_ms;  // none for a "total" budget: only a change releases it
    Json status;                           // the event's payload, shown to users
};

// What a budget can match an LLM-bound call on; "" when unknown.
struct LlmWork {
    std::string project;
    std::string team;
    std::string agent;
    std::string model;
};

// Reads a `metrics.budget.exceeded` payload ({id, scope, scope_value, period_end, ...}). Throws
// std::invalid_argument naming what is missing.
BudgetHold budget_hold_from_event(const Json& payload);

// "2026-11-25T00:00:00.000Z" (what metrics writes; the fraction and "Z" are optional) as epoch ms.
std::optional<int64_t> parse_utc_time_ms(const std::string& text);

class BudgetHolds {
 public:
    // Adds or replaces the hold of budget `hold.id`.
    void add(BudgetHold hold) { holds_[hold.id] = std::move(hold); }
    bool remove(int64_t id) { return holds_.erase(id) != 0; }
    bool empty() const { return holds_.empty(); }
    const std::map<int64_t, BudgetHold>& all() const { return holds_; }

    // The hold that applies to `work`, if any (the lowest budget id first, so the reason is stable).
    const BudgetHold* holding(const LlmWork& work) const;
    // Holds whose period ended by `now_ms`: the budget starts afresh.
    std::vector<int64_t> ended(int64_t now_ms) const;
    std::optional<int64_t> next_period_end_ms() const;
    // The holds that `budgets` (metrics_budget_list's `budgets`) no longer backs: a budget that is
    // gone (removed) or not "exceeded" any more (raised, or a new period).
    std::vector<int64_t> lifted_by(const Json& budgets) const;

 private:
    std::map<int64_t, BudgetHold> holds_;
};

}  // namespace workflow
