// scheduler.hpp: which tasks of a run can start, which are skipped, and whether the run is over.
//
// Pure functions over a run's state: no I/O, no clock, no threads, so the rules are unit tested
// on their own. A task starts when every task in its `after` succeeded and its `when` holds; it
// is skipped when a dependency did not succeed (failed, skipped or cancelled) or `when` is false.
// A run ends when every task is terminal: failed if any task failed, succeeded otherwise.
#pragma once

#include "definition.hpp"
#include "task_status.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace workflow {

struct TaskState {
    TaskStatus status = TaskStatus::pending;
    int attempt = 0;  // attempts begun; the running one included
    Json output;
    Json error;
    std::string error_kind;
    int64_t not_before_ms = 0;  // a pending retry or a running wait: epoch ms when it may proceed
};

using TaskStates = std::map<std::string, TaskState>;

struct Skip {
    std::string task;
    std::string reason;
};

struct Plan {
    std::vector<size_t> ready;  // pending, dependencies met, `when` true: start them (in order); indices
    std::vector<Skip> skipped;  // became skipped, in an order where causes come first
};

// A task's current state by its index in the definition.
using StateLookup = std::function<const TaskState&(size_t index)>;

// The expression context of a task: {"input": ..., "tasks": {id: {"status", "output", "error"}}}
// with only the tasks in `reads` (validation guarantees an expression reads no others).
Json expression_context(const Definition& definition, const Json& input, const std::vector<size_t>& reads,
                        const StateLookup& state);

// Decides the pending tasks among `candidates` (indices): ready when every dependency succeeded
// and `when` holds, skipped when a dependency did not succeed or `when` is false or fails to
// evaluate. Skips cascade to dependents within the call. Candidates are the dependents of tasks
// that just ended, so a step costs what it touches, not the size of the workflow. Pending tasks
// waiting for a retry (attempt > 0) are ready too; the caller honours their not_before.
Plan plan_tasks(const Definition& definition, const Json& input, const StateLookup& state,
                std::vector<size_t> candidates);

// A switch's decision: {"case": index of the first case that holds, or "default", or null when
// none holds and there is no default; "tasks": the ids that branch runs}. Throws when a case
// fails to evaluate.
Json choose_case(const TaskDefinition& decider, const Json& context);
// Whether a task gated on branch `case_index` (-1: default) runs, given its switch's output.
bool branch_taken(const Json& switch_output, int case_index);

// plan_tasks over every task of a map of states (the whole run: at start and in tests).
Plan plan_next(const Definition& definition, const Json& input, const TaskStates& states);

// Tasks in each end state, kept up to date by the engine as tasks change.
struct TaskCounts {
    size_t total = 0;
    size_t terminal = 0;
    size_t failed = 0;
    size_t cancelled = 0;

    void add(TaskStatus status, int sign);
    // The final status when every task is terminal, otherwise nullopt.
    std::optional<RunStatus> outcome() const;
    // Fraction of tasks in a terminal state, 0..1.
    double progress() const;
};

TaskCounts count_tasks(const TaskStates& states);

}  // namespace workflow
