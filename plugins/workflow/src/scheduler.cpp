// scheduler.cpp: see scheduler.hpp.
#include "scheduler.hpp"

#include "expression.hpp"

namespace workflow {

Json expression_context(const Json& input, const TaskStates& states) {
    Json tasks = Json::object();
    for (const auto& [id, state] : states)
        tasks[id] = {{"status", to_string(state.status)}, {"output", state.output}, {"error", state.error}};
    return {{"input", input}, {"tasks", tasks}};
}

Plan plan_next(const Definition& definition, const Json& input, const TaskStates& original) {
    Plan plan;
    TaskStates states = original;
    bool changed = true;
    while (changed) {  // each pass may skip tasks that unblock further skips
        changed = false;
        plan.ready.clear();
        for (const TaskDefinition& task : definition.tasks) {
            const TaskState& state = states.at(task.id);
            if (state.status != TaskStatus::pending) continue;
            bool waiting = false;
            std::string blocked_by;
            for (const std::string& dependency : task.after) {
                const TaskStatus status = states.at(dependency).status;
                if (!is_terminal(status))
                    waiting = true;
                else if (status != TaskStatus::succeeded && blocked_by.empty())
                    blocked_by = dependency + " " + std::string(to_string(status));
            }
            if (!blocked_by.empty()) {
                plan.skipped.push_back({task.id, "dependency " + blocked_by});
                states[task.id].status = TaskStatus::skipped;
                changed = true;
                continue;
            }
            if (waiting) continue;
            if (state.attempt == 0 && !task.when.empty()) {
                std::string reason;
                try {
                    if (!truthy(Expression::parse(task.when).evaluate(expression_context(input, states))))
                        reason = "condition is false: " + task.when;
                } catch (const std::exception& e) {
                    reason = std::string("condition failed to evaluate: ") + e.what();
                }
                if (!reason.empty()) {
                    plan.skipped.push_back({task.id, reason});
                    states[task.id].status = TaskStatus::skipped;
                    changed = true;
                    continue;
                }
            }
            plan.ready.push_back(task.id);
        }
    }
    return plan;
}

std::optional<RunStatus> run_outcome(const TaskStates& states) {
    bool failed = false;
    bool cancelled = false;
    for (const auto& [id, state] : states) {
        if (!is_terminal(state.status)) return std::nullopt;
        failed = failed || state.status == TaskStatus::failed;
        cancelled = cancelled || state.status == TaskStatus::cancelled;
    }
    if (failed) return RunStatus::failed;
    return cancelled ? RunStatus::cancelled : RunStatus::succeeded;
}

double progress_fraction(const TaskStates& states) {
    if (states.empty()) return 1.0;
    size_t done = 0;
    for (const auto& [id, state] : states) done += is_terminal(state.status) ? 1 : 0;
    return static_cast<double>(done) / static_cast<double>(states.size());
}

}  // namespace workflow
