// engine_state.hpp: the engine's in-memory view of an unfinished run. Private to engine*.cpp.
#pragma once

#include "engine.hpp"
#include "scheduler.hpp"

#include <chrono>
#include <deque>
#include <numeric>

namespace workflow {

// "run_" and 16 random hex digits.
std::string new_run_id();
// Uniform in [0, 1), for retry jitter.
double random01();

inline std::string map_item_id(const std::string& map_id, size_t item) {
    return map_id + "[" + std::to_string(item) + "]";
}
// Units that are not tasks of the definition: map items and loop iterations ("<id>[<i>]"),
// compensations and on_failure steps ("<id>:compensate", "on_failure:<id>").
inline bool is_unit_of_a_task(const std::string& task_id) { return task_id.find_first_of("[:") != std::string::npos; }

// A wait for a signal or an approval: running until its signal comes.
inline bool waits_for_signal(const TaskDefinition& task) { return !task.signal.empty(); }

inline int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A running map task's items: each is an ActiveTask "<map>[<i>]" that calls the map's tool.
struct Engine::MapItems {
    std::vector<ActiveTask*> items;
    std::deque<size_t> waiting;  // never started, in order
    size_t active = 0;           // queued, running or waiting to retry
    bool failing = false;        // an item failed for good: start no more
};

struct Engine::ActiveTask {
    const TaskDefinition* definition = nullptr;  // a map item: the map's
    size_t index = 0;                            // in definition.tasks; a map item: its map's
    ActiveTask* map = nullptr;                   // a map item: its map task
    size_t item = 0;                             // a map item: its position in the items
    std::unique_ptr<MapItems> items;             // a map task that started
    bool cleanup_step = false;                   // a compensation or on_failure step
    TaskRow row;
    uint64_t call_id = 0;
    uint64_t timer_id = 0;           // a retry delay, a wait, or a timeout
    bool queued = false;             // in ready_, waiting for a slot
    std::string waiting_for;         // queued and held by a limit: which ("pool openai"); else empty
    std::vector<std::string> slots;  // limits whose slot its call holds, from dispatch to the start
    bool in_flight = false;          // a tool call counted in in_flight_
    bool resume_same = false;        // was running at the last stop: run the same attempt again
    bool timed_out = false;
    bool cancel_requested = false;
};

struct Engine::ActiveRun {
    RunRow row;  // tasks are kept in `tasks`, not in row.tasks
    Definition definition;
    std::map<std::string, ActiveTask> tasks;
    std::vector<ActiveTask*> by_index;  // tasks in definition order
    TaskCounts counts;
    std::vector<size_t> candidates;  // tasks for the next advance() to plan
    std::vector<size_t> unfinished;  // per task: its dependencies not yet ended
    int64_t seq = 0;
    std::map<std::string, std::deque<Signal>> signals;  // received, not yet consumed, by name
    std::vector<std::unique_ptr<RunWatcher>> watchers;
    bool finishing = false;
    bool timeout_armed = false;        // its `timeout` timer, in this process
    bool timed_out = false;            // it ends failed, whatever its tasks say
    bool cleaning = false;             // failed: running its compensations and on_failure steps
    std::vector<ActiveTask*> cleanup;  // those steps, in the order they run

    // Call once `tasks` holds every task: links them to the definition and plans them all.
    void index_tasks() {
        by_index.assign(definition.tasks.size(), nullptr);
        counts = TaskCounts{};
        counts.total = definition.tasks.size();
        for (auto& [id, task] : tasks) {
            if (is_unit_of_a_task(id)) continue;  // linked by attach_items, attach_iterations or attach_cleanup_rows
            task.index = definition.index_by_id.at(id);
            task.definition = &definition.tasks[task.index];
            by_index[task.index] = &task;
            counts.add(task.row.state.status, 1);
        }
        unfinished.assign(by_index.size(), 0);
        for (const ActiveTask* task : by_index)
            for (size_t dependency : task->definition->dependencies)
                unfinished[task->index] += is_terminal(by_index[dependency]->row.state.status) ? 0 : 1;
        plan_all();
    }
    void plan_all() {
        candidates.resize(by_index.size());
        std::iota(candidates.begin(), candidates.end(), size_t{0});
    }
    // Every status change goes through here, so the counts stay true and the next advance()
    // plans what the change concerns: the task itself when it is pending again (a retry), and a
    // dependent of a task that ended once it can be decided: its last dependency ended, or one
    // did not succeed. A join after n tasks is so planned once, not n times.
    void set_status(ActiveTask& task, TaskStatus status) {
        if (task.map != nullptr || task.cleanup_step) {  // items count toward their map, not the run
            task.row.state.status = status;
            return;
        }
        const bool was_terminal = is_terminal(task.row.state.status);
        counts.add(task.row.state.status, -1);
        task.row.state.status = status;
        counts.add(status, 1);
        if (status == TaskStatus::pending) candidates.push_back(task.index);
        if (was_terminal == is_terminal(status)) return;
        for (size_t dependent : task.definition->dependents) {
            if (!was_terminal) {
                --unfinished[dependent];
                if (unfinished[dependent] == 0 || status != TaskStatus::succeeded) candidates.push_back(dependent);
            } else {
                ++unfinished[dependent];  // reset by a retry
            }
        }
    }
    // The task or unit `id`. `index`, its definition index when the caller knows it, finds a task
    // of the definition without a search of `tasks` (a unit's index is its parent's: searched).
    ActiveTask& task_at(const std::string& id, size_t index) {
        if (index < by_index.size() && by_index[index] != nullptr && by_index[index]->row.task_id == id)
            return *by_index[index];
        return tasks.at(id);
    }
    StateLookup lookup() const {
        return [this](size_t index) -> const TaskState& { return by_index[index]->row.state; };
    }
    // The oldest pending signal of that name, removed from the pending ones.
    std::optional<Signal> take_signal(const std::string& name) {
        auto found = signals.find(name);
        if (found == signals.end()) return std::nullopt;
        Signal signal = std::move(found->second.front());
        found->second.pop_front();
        if (found->second.empty()) signals.erase(found);
        return signal;
    }
    Json context_for(const std::vector<size_t>& reads) const {
        return expression_context(definition, row.input, reads, lookup());
    }
};

}  // namespace workflow
