// scheduler.hpp: which tasks of a run can start, which are skipped, and whether the run is over.
//
// Pure functions over a run's state: no I/O, no clock, no threads, so the rules are unit tested
// on their own. A task starts when every task in its `after` succeeded and its `when` holds; it
// is skipped when a dependency did not succeed (failed, skipped or cancelled) or `when` is false.
// A run ends when every task is terminal: failed if any task failed, succeeded otherwise.
#pragma once

#include "definition.hpp"
#include "task_status.hpp"

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
    std::vector<std::string> ready;  // pending, dependencies met, `when` true: start them (in order)
    std::vector<Skip> skipped;       // became skipped, in an order where causes come first
};

// The expression context of a run: {"input": ..., "tasks": {id: {"status", "output", "error"}}}.
Json expression_context(const Json& input, const TaskStates& states);

// Computes the next step. Skips cascade within one call. Pending tasks waiting for a retry
// (attempt > 0) are ready too; the caller honours their not_before. A `when` that fails to
// evaluate skips the task with the error as the reason.
Plan plan_next(const Definition& definition, const Json& input, const TaskStates& states);

// The final status when every task is terminal, otherwise nullopt.
std::optional<RunStatus> run_outcome(const TaskStates& states);

// Fraction of tasks in a terminal state, 0..1.
double progress_fraction(const TaskStates& states);

}  // namespace workflow
