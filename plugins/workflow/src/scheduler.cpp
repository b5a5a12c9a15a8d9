// scheduler.cpp: see scheduler.hpp.
#include "scheduler.hpp"

#include "expression.hpp"

#include <deque>
#include <unordered_set>

namespace workflow {

Json expression_context(const Definition& definition, const Json& input, const std::vector<size_t>& reads,
                        const StateLookup& state) {
    Json tasks = Json::object();
    for (size_t index : reads) {
        const TaskState& read = state(index);
        tasks[definition.tasks[index].id] = {
            {"status", to_string(read.status)}, {"output", read.output}, {"error", read.error}};
    }
    // Field by field: built for every task started, and an initializer list builds a two-element
    // array per pair first (bench/README.md).
    Json context = Json::object();
    context["input"] = input;
    context["tasks"] = std::move(tasks);
    return context;
}

Plan plan_tasks(const Definition& definition, const Json& input, const StateLookup& state,
                std::vector<size_t> candidates) {
    Plan plan;
    std::unordered_set<size_t> skipped;  // decided in this call, not yet in `state`
    std::unordered_set<size_t> ready;
    const auto status_of = [&](size_t index) {
        return skipped.contains(index) ? TaskStatus::skipped : state(index).status;
    };
    std::deque<size_t> work(candidates.begin(), candidates.end());
    const auto skip = [&](size_t index, std::string reason) {
        skipped.insert(index);
        plan.skipped.push_back({definition.tasks[index].id, std::move(reason)});
        const auto& dependents = definition.tasks[index].dependents;
        work.insert(work.end(), dependents.begin(), dependents.end());
    };
    while (!work.empty()) {
        const size_t index = work.front();
        work.pop_front();
        if (status_of(index) != TaskStatus::pending || ready.contains(index)) continue;
        const TaskDefinition& task = definition.tasks[index];
        bool waiting = false;
        std::string blocked_by;
        for (size_t dependency : task.dependencies) {
            const TaskStatus status = status_of(dependency);
            if (!is_terminal(status))
                waiting = true;
            else if (status != TaskStatus::succeeded) {
                blocked_by = definition.tasks[dependency].id + " " + std::string(to_string(status));
                break;  // one is enough: stop here, so a cascade into a wide join stays cheap
            }
        }
        if (!blocked_by.empty()) {
            skip(index, "dependency " + blocked_by);
            continue;
        }
        if (waiting) continue;  // a candidate again when its last dependency ends
        if (task.gate && !branch_taken(state(task.gate->switch_index).output, task.gate->case_index)) {
            skip(index, "branch not taken by switch " + definition.tasks[task.gate->switch_index].id);
            continue;
        }
        if (state(index).attempt == 0 && task.condition) {
            std::string reason;
            try {
                if (!truthy(task.condition->evaluate(expression_context(definition, input, task.reads, state))))
                    reason = "condition is false: " + task.when;
            } catch (const std::exception& e) {
                reason = std::string("condition failed to evaluate: ") + e.what();
            }
            if (!reason.empty()) {
                skip(index, std::move(reason));
                continue;
            }
        }
        ready.insert(index);
        plan.ready.push_back(index);
    }
    return plan;
}

Json choose_case(const TaskDefinition& decider, const Json& context) {
    for (size_t c = 0; c < decider.cases.size(); ++c)
        if (truthy(decider.cases[c].condition->evaluate(context)))
            return {{"case", c}, {"tasks", decider.cases[c].then}};
    if (!decider.fallback.empty()) return {{"case", "default"}, {"tasks", decider.fallback}};
    return {{"case", nullptr}, {"tasks", Json::array()}};
}

bool branch_taken(const Json& switch_output, int case_index) {
    const Json& chosen = switch_output.is_object() ? switch_output["case"] : Json();
    return case_index < 0 ? chosen == "default" : chosen.is_number_integer() && chosen.get<int>() == case_index;
}

Plan plan_next(const Definition& definition, const Json& input, const TaskStates& states) {
    std::vector<size_t> all(definition.tasks.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return plan_tasks(
        definition, input, [&](size_t index) -> const TaskState& { return states.at(definition.tasks[index].id); },
        std::move(all));
}

void TaskCounts::add(TaskStatus status, int sign) {
    if (!is_terminal(status)) return;
    terminal += sign;
    if (status == TaskStatus::failed) failed += sign;
    if (status == TaskStatus::cancelled) cancelled += sign;
}

std::optional<RunStatus> TaskCounts::outcome() const {
    if (terminal < total) return std::nullopt;
    if (failed > 0) return RunStatus::failed;
    return cancelled > 0 ? RunStatus::cancelled : RunStatus::succeeded;
}

double TaskCounts::progress() const {
    return total == 0 ? 1.0 : static_cast<double>(terminal) / static_cast<double>(total);
}

TaskCounts count_tasks(const TaskStates& states) {
    TaskCounts counts;
    counts.total = states.size();
    for (const auto& [id, state] : states) counts.add(state.status, 1);
    return counts;
}

}  // namespace workflow
