// engine_cleanup.cpp: what a failed run does before it ends (saga); see engine.hpp.
//
// When every task has ended and the run failed (or timed out), the compensations of the tasks
// that succeeded run one after another, the most recently finished first, then the `on_failure`
// steps in order. Each step is a durable unit ("<task>:compensate", "on_failure:<id>") with its
// own attempts, retries, timeout and idempotency key, so after a restart the list is rebuilt
// the same way and carries on where it was. A step that fails is recorded and the next one runs.
#include "engine.hpp"

#include "engine_state.hpp"

#include <algorithm>

namespace workflow {

bool Engine::needs_cleanup(const ActiveRun& run) const {
    if (!run.timed_out && run.counts.outcome() != RunStatus::failed) return false;
    if (!run.definition.on_failure.empty()) return true;
    return std::any_of(run.by_index.begin(), run.by_index.end(), [](const ActiveTask* task) {
        return task->definition->compensation && task->row.state.status == TaskStatus::succeeded;
    });
}

Engine::ActiveTask& Engine::cleanup_unit(ActiveRun& run, const TaskDefinition& step) {
    ActiveTask& unit = run.tasks[step.id];  // loaded from its row after a restart, or new
    unit.row.task_id = step.id;
    unit.definition = &step;
    unit.cleanup_step = true;
    return unit;
}

void Engine::start_cleanup(ActiveRun& run, Actions& actions) {
    run.cleaning = true;
    std::vector<const ActiveTask*> undo;
    for (const ActiveTask* task : run.by_index)
        if (task->definition->compensation && task->row.state.status == TaskStatus::succeeded) undo.push_back(task);
    std::stable_sort(undo.begin(), undo.end(), [](const ActiveTask* a, const ActiveTask* b) {
        return a->row.finished_at_ms != b->row.finished_at_ms ? a->row.finished_at_ms > b->row.finished_at_ms
                                                              : a->index > b->index;
    });
    run.cleanup.clear();
    for (const ActiveTask* task : undo) run.cleanup.push_back(&cleanup_unit(run, *task->definition->compensation));
    for (const auto& step : run.definition.on_failure) run.cleanup.push_back(&cleanup_unit(run, *step));
    next_cleanup_step(run, actions);
}

void Engine::next_cleanup_step(ActiveRun& run, Actions& actions) {
    if (run.row.status != RunStatus::running) return;  // paused: resume_run carries on
    const int64_t now = now_ms();
    for (ActiveTask* step : run.cleanup) {
        const TaskStatus status = step->row.state.status;
        if (is_terminal(status)) continue;
        if (status == TaskStatus::pending && !step->queued && step->timer_id == 0) {
            if (step->row.state.not_before_ms > now) {
                arm_timer(run, *step, step->row.state.not_before_ms - now, actions);
            } else {
                enqueue(run, *step);
            }
        }
        return;  // one at a time, in order
    }
    finish_run(run, actions);
}

// After a restart: the rows of steps, linked to their definitions.
void Engine::attach_cleanup_rows(ActiveRun& run) {
    for (auto& [id, unit] : run.tasks) {
        if (unit.definition != nullptr || id.find(':') == std::string::npos) continue;
        const TaskDefinition* step = nullptr;
        if (id.starts_with("on_failure:")) {
            for (const auto& candidate : run.definition.on_failure)
                if (candidate->id == id) step = candidate.get();
        } else if (const size_t colon = id.find(':'); colon != std::string::npos) {
            auto task = run.definition.index_by_id.find(id.substr(0, colon));
            if (task != run.definition.index_by_id.end()) step = run.definition.tasks[task->second].compensation.get();
        }
        if (step != nullptr) cleanup_unit(run, *step);
    }
    std::erase_if(run.tasks, [](const auto& entry) {  // a step the definition does not have: nothing to run
        return entry.second.definition == nullptr && entry.first.find(':') != std::string::npos;
    });
}

// The reason the run failed, for `error` in the steps' templates.
Json Engine::failure_of(const ActiveRun& run) const {
    if (run.timed_out) return "the run did not finish within its timeout";
    for (const ActiveTask* task : run.by_index)
        if (task->row.state.status == TaskStatus::failed)
            return Json{{"task", task->row.task_id},
                        {"error", task->row.state.error},
                        {"error_kind", task->row.state.error_kind}};
    return nullptr;
}

}  // namespace workflow
