// engine_budgets.cpp: LLM-bound calls wait while an exceeded budget applies to them; see
// engine.hpp and docs/workflow.md ("LLM budgets").
#include "engine.hpp"

#include "engine_state.hpp"
#include "template.hpp"

#include <algorithm>
#include <stdexcept>

namespace workflow {

namespace {

std::string input_string(const Json& input, const char* key) {
    return input.is_object() && input.contains(key) && input[key].is_string() ? input[key].get<std::string>() : "";
}

}  // namespace

std::optional<LlmWork> Engine::llm_work(const ActiveRun& run, const ActiveTask& task) const {
    const TaskDefinition& definition = *task.definition;
    bool llm = definition.kind == TaskKind::agent;
    if (!llm && !definition.pool.empty()) {
        auto pool = options_.pools.find(definition.pool);
        llm = pool != options_.pools.end() && pool->second.llm;
    }
    if (!llm) return std::nullopt;
    LlmWork work;
    // A child run that names no project (or team) spends its parent's.
    for (const ActiveRun* owner = &run; owner != nullptr && (work.project.empty() || work.team.empty());) {
        if (work.project.empty())
            work.project = !owner->definition.project.empty() ? owner->definition.project
                                                              : input_string(owner->row.input, "project");
        if (work.team.empty())
            work.team =
                !owner->definition.team.empty() ? owner->definition.team : input_string(owner->row.input, "team");
        auto parent = runs_.find(owner->row.parent_run_id);
        owner = parent == runs_.end() ? nullptr : parent->second.get();
    }
    if (definition.kind == TaskKind::agent) {
        // Rendered as the call will render them; an argument that cannot be rendered matches no
        // budget (the attempt fails with bad_arguments when it starts).
        Json who = Json::object();
        for (const char* key : {"agent", "model"})
            if (definition.arguments.contains(key)) who[key] = definition.arguments[key];
        try {
            who = render_template(who, run.context_for(definition.reads));
        } catch (const std::exception&) {
            return work;
        }
        work.agent = input_string(who, "agent");
        work.model = input_string(who, "model");
    }
    return work;
}

std::string Engine::budget_reason(const ActiveRun& run, const ActiveTask& task) const {
    if (budgets_.empty() || run.row.ignore_budgets) return "";
    const std::optional<LlmWork> work = llm_work(run, task);
    if (!work) return "";
    const BudgetHold* hold = budgets_.holding(*work);
    return hold == nullptr ? "" : "budget " + std::to_string(hold->id);
}

void Engine::hold_budget(const Json& exceeded) {
    BudgetHold hold = budget_hold_from_event(exceeded);
    locked([&](Actions& actions) {
        const int64_t id = hold.id;
        const Json status = hold.status;
        budgets_.add(std::move(hold));
        checkpointer_.submit([id, status, at = now_ms()](Store& store) { store.put_budget_hold(id, status, at); },
                             nullptr);
        arm_period_timer(actions);
    });
}

bool Engine::release_budget(int64_t id, const std::string& why) {
    bool released = false;
    locked([&](Actions& actions) {
        if (!budgets_.remove(id)) return;
        released = true;
        checkpointer_.submit([id](Store& store) { store.delete_budget_hold(id); }, nullptr);
        host_.publish("workflow.budget.released", {{"budget_id", id}, {"reason", why}});
        unpark_budget_held();
        pump(actions);
    });
    return released;
}

void Engine::recheck_budgets(const Json& budgets) {
    if (!budgets.is_array()) return;
    std::vector<int64_t> lifted;
    std::vector<int64_t> held;
    {
        std::lock_guard lock(mutex_);
        lifted = budgets_.lifted_by(budgets);
        for (const auto& [id, hold] : budgets_.all()) held.push_back(id);
    }
    for (int64_t id : lifted) release_budget(id, "metrics no longer reports it exceeded");
    // An exceeded budget whose event this plugin missed (it was not loaded then) holds too.
    for (const Json& budget : budgets) {
        if (!budget.is_object() || budget.value("state", "") != "exceeded") continue;
        const int64_t id = budget.value("id", int64_t{0});
        if (std::find(held.begin(), held.end(), id) != held.end()) continue;
        try {
            hold_budget(budget);
        } catch (const std::invalid_argument& e) {
            host_.log_error(std::string("metrics_budget_list gave an unreadable budget: ") + e.what());
        }
    }
}

Json Engine::budget_holds() {
    std::lock_guard lock(mutex_);
    Json holds = Json::array();
    for (const auto& [id, hold] : budgets_.all()) holds.push_back(hold.status);
    return holds;
}

void Engine::unpark_budget_held(const std::string& only_run) {
    std::vector<DispatchQueue::Item> still;
    for (DispatchQueue::Item& item : budget_held_) {
        if (!only_run.empty() && item.run_id != only_run)
            still.push_back(std::move(item));
        else
            ready_.push(std::move(item));  // pump() drops what went stale meanwhile
    }
    budget_held_ = std::move(still);
}

// One timer, for the earliest period end among the holds: a new period starts afresh in metrics
// too, so the hold ends then even if nothing else tells us.
void Engine::arm_period_timer(Actions& actions) {
    const std::optional<int64_t> due = budgets_.next_period_end_ms();
    if (!due || (period_timer_ != 0 && period_timer_due_ <= *due)) return;
    if (period_timer_ > 1) actions.push_back([this, id = period_timer_] { host_.cancel_timer(id); });
    period_timer_ = 1;  // placeholder until the host answers
    period_timer_due_ = *due;
    const int64_t delay = std::max<int64_t>(0, *due - now_ms());
    actions.push_back([this, life = lifetime_, delay, due = *due] {
        const uint64_t id = host_.run_after(delay, [this, life, due] {
            std::shared_lock guard(life->mutex);
            if (life->stopped) return;
            std::vector<int64_t> ended;
            locked([&](Actions& later) {
                if (period_timer_due_ != due) return;  // replaced by an earlier one
                period_timer_ = 0;
                ended = budgets_.ended(now_ms());
                if (ended.empty()) arm_period_timer(later);
            });
            for (int64_t budget : ended) release_budget(budget, "its period ended");
            locked([&](Actions& later) { arm_period_timer(later); });
        });
        std::lock_guard lock(mutex_);
        if (period_timer_ == 1 && period_timer_due_ == due) period_timer_ = id;
    });
}

}  // namespace workflow
