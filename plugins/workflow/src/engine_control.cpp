// engine_control.cpp: cancel, pause, resume and retry of runs; see engine.hpp.
#include "engine.hpp"

#include "engine_state.hpp"

#include <algorithm>

namespace workflow {

// ---- cancellation -------------------------------------------------------------------------

bool Engine::cancel_run(const std::string& run_id, std::function<void()> committed) {
    bool accepted = false;
    locked([&](Actions& actions) {
        // A paused run, or one not yet resumed after a restart, may be only in the store.
        const bool in_memory = runs_.contains(run_id);
        ActiveRun* found = find_or_load(run_id);
        const bool active = found != nullptr && !found->finishing &&
                            (found->row.status == RunStatus::running || found->row.status == RunStatus::paused);
        if (!active) {
            if (found != nullptr && !in_memory) runs_.erase(run_id);
            return;
        }
        accepted = true;
        stop_tasks(*found, actions);
        if (committed) checkpointer_.submit(nullptr, std::move(committed));
    });
    return accepted;
}

void Engine::stop_tasks(ActiveRun& run, Actions& actions) {
    run.row.status = RunStatus::running;  // lets advance() end it
    for (auto& [task_id, task] : run.tasks) {
        if (is_terminal(task.row.state.status)) continue;
        if (task.definition->kind == TaskKind::workflow && task.row.state.status == TaskStatus::running)
            actions.push_back([this, child = task.row.input.value("run_id", "")] { cancel_run(child, nullptr); });
        if (task.in_flight) {
            task.cancel_requested = true;
            if (task.call_id != 0) actions.push_back([this, id = task.call_id] { host_.cancel_call(id); });
        }
        if (task.timer_id > 1) actions.push_back([this, id = task.timer_id] { host_.cancel_timer(id); });
        task.timer_id = 0;
        run.set_status(task, TaskStatus::cancelled);
        task.row.finished_at_ms = now_ms();
        checkpoint_task(run, task, "task.cancelled", {{"attempt", task.row.state.attempt}});
    }
    // Every task is terminal now, so advance() ends the run.
    advance(run, actions);
}

// ---- the run's own timeout ------------------------------------------------------------------

void Engine::arm_run_timeout(ActiveRun& run, Actions& actions) {
    if (!run.definition.timeout_ms || run.timeout_armed) return;
    run.timeout_armed = true;
    const int64_t left = std::max<int64_t>(0, run.row.created_at_ms + *run.definition.timeout_ms - now_ms());
    actions.push_back([this, life = lifetime_, run_id = run.row.id, left] {
        host_.run_after(left, [this, life, run_id] {
            std::shared_lock guard(life->mutex);
            if (!life->stopped) on_run_timeout(run_id);
        });
    });
}

// The deadline counts from the run's creation, across pauses and restarts. Whatever is unfinished
// is cancelled, and the run fails.
void Engine::on_run_timeout(const std::string& run_id) {
    locked([&](Actions& actions) {
        auto found = runs_.find(run_id);
        if (found == runs_.end() || found->second->finishing) return;
        ActiveRun& run = *found->second;
        run.timed_out = true;
        stop_tasks(run, actions);
    });
}

// ---- pause, resume, retry -----------------------------------------------------------------

Engine::ActiveRun* Engine::find_or_load(const std::string& run_id) {
    auto found = runs_.find(run_id);
    if (found != runs_.end()) return found->second.get();
    std::unique_ptr<ActiveRun> loaded;
    {
        std::lock_guard store_lock(store_mutex_);
        loaded = load_run(run_id);
    }
    if (!loaded) return nullptr;
    ActiveRun* run = loaded.get();
    runs_.emplace(run_id, std::move(loaded));
    return run;
}

void Engine::checkpoint_run(ActiveRun& run, const std::string& event, Json data, std::function<void()> then) {
    const RunRow row = run.row;
    const int64_t seq = ++run.seq;
    const int64_t at = now_ms();
    checkpointer_.submit(
        [row, seq, at, event, data = std::move(data)](Store& store) {
            store.update_run(row);
            store.append_event(row.id, seq, at, event, "", data);
        },
        [this, run_id = row.id, name = row.name, status = std::string(to_string(row.status)), event,
         then = std::move(then)] {
            host_.publish("workflow." + event, {{"run_id", run_id}, {"name", name}, {"status", status}});
            host_.resource_updated("workflow://runs/" + run_id);
            if (then) then();
        });
}

// Child runs (kind workflow) follow their parent's pause and resume, as they follow its cancel
// (stop_tasks). A child that is not running or paused any more refuses, which is fine.
void Engine::cascade_to_children(ActiveRun& run, Actions& actions, bool pause) {
    for (auto& [task_id, task] : run.tasks) {
        if (task.definition->kind != TaskKind::workflow || task.row.state.status != TaskStatus::running) continue;
        actions.push_back([this, pause, child = task.row.input.value("run_id", "")] {
            if (pause)
                pause_run(child, nullptr);
            else
                resume_run(child, nullptr);
        });
    }
}

std::optional<std::string> Engine::pause_run(const std::string& run_id, std::function<void()> committed) {
    std::optional<std::string> refused;
    locked([&](Actions& actions) {
        auto found = runs_.find(run_id);
        if (found == runs_.end() || found->second->row.status != RunStatus::running || found->second->finishing) {
            refused = "run " + run_id + " is not running here; only a running run can be paused";
            return;
        }
        found->second->row.status = RunStatus::paused;
        checkpoint_run(*found->second, "run.paused", Json::object(), std::move(committed));
        cascade_to_children(*found->second, actions, true);
    });
    return refused;
}

std::optional<std::string> Engine::resume_run(const std::string& run_id, std::function<void()> committed) {
    std::optional<std::string> refused;
    locked([&](Actions& actions) {
        const bool in_memory = runs_.contains(run_id);
        ActiveRun* run = find_or_load(run_id);
        if (run != nullptr && in_memory && run->row.status == RunStatus::running && !run->finishing &&
            std::any_of(budget_held_.begin(), budget_held_.end(),
                        [&](const DispatchQueue::Item& item) { return item.run_id == run_id; })) {
            // A user lets the run go on past the budgets that hold its calls: stored with the run.
            run->row.ignore_budgets = true;
            checkpoint_run(*run, "run.resumed", {{"ignore_budgets", true}}, std::move(committed));
            unpark_budget_held(run_id);
            pump(actions);
            return;
        }
        if (run == nullptr || run->row.status != RunStatus::paused) {
            refused = "run " + run_id +
                      " is not paused; only a paused run can be resumed, or a running one whose calls an exceeded "
                      "LLM budget holds";
            if (!in_memory) runs_.erase(run_id);  // loaded only to look: resume_unfinished owns the rest
            return;
        }
        run->row.status = RunStatus::running;
        checkpoint_run(*run, "run.resumed", Json::object(), std::move(committed));
        run->plan_all();  // tasks that were ready when it paused were dropped from the queue
        reattach(*run, actions);
        cascade_to_children(*run, actions, false);
        pump(actions);
    });
    return refused;
}

std::optional<std::string> Engine::retry_task(const std::string& run_id, const std::string& task_id,
                                              std::function<void()> committed) {
    std::optional<std::string> refused;
    locked([&](Actions& actions) {
        if (runs_.contains(run_id)) {
            refused = "run " + run_id + " has not finished; retry applies to a failed run";
            return;
        }
        ActiveRun* run = find_or_load(run_id);
        if (run == nullptr) {
            refused = "no run with id \"" + run_id + "\"";
            return;
        }
        auto task = run->tasks.find(task_id);
        if (run->row.status != RunStatus::failed || task == run->tasks.end() ||
            task->second.row.state.status != TaskStatus::failed) {
            refused = run->row.status != RunStatus::failed
                          ? "run " + run_id + " is " + std::string(to_string(run->row.status)) +
                                "; retry applies to a failed run"
                          : "task '" + task_id + "' of run " + run_id + " did not fail; retry one of its failed tasks";
            runs_.erase(run_id);
            return;
        }
        // The retried task and every task skipped downstream of it start over.
        std::vector<std::string> reset = {task_id};
        for (const TaskDefinition& definition : run->definition.tasks) {
            ActiveTask& candidate = run->tasks.at(definition.id);
            if (candidate.row.state.status != TaskStatus::skipped) continue;
            for (const std::string& dependency : definition.after) {
                if (std::find(reset.begin(), reset.end(), dependency) != reset.end()) {
                    reset.push_back(definition.id);
                    break;
                }
            }
        }
        run->row.status = RunStatus::running;
        run->row.error = nullptr;
        run->row.output = nullptr;
        run->row.finished_at_ms = 0;
        checkpoint_run(*run, "run.retried", {{"task", task_id}}, nullptr);
        for (const std::string& id : reset) {
            ActiveTask& again = run->tasks.at(id);
            run->set_status(again, TaskStatus::pending);
            again.row.state.not_before_ms = 0;
            again.row.finished_at_ms = 0;
            if (id != task_id) again.row.state.attempt = 0;  // skipped tasks never ran: `when` is evaluated again
            checkpoint_task(*run, again, "task.reset", {{"attempt", again.row.state.attempt}});
        }
        if (committed) checkpointer_.submit(nullptr, std::move(committed));  // after every reset above
        run->plan_all();
        advance(*run, actions);
        pump(actions);
    });
    return refused;
}

}  // namespace workflow
