// task_status.hpp: the states of tasks and runs, and their names in storage and on the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace workflow {

enum class TaskStatus { pending, running, succeeded, failed, skipped, cancelled };
enum class RunStatus { running, paused, succeeded, failed, cancelled };

std::string_view to_string(TaskStatus status);
std::string_view to_string(RunStatus status);
std::optional<TaskStatus> task_status_from(std::string_view name);
std::optional<RunStatus> run_status_from(std::string_view name);

inline bool is_terminal(TaskStatus status) { return status != TaskStatus::pending && status != TaskStatus::running; }

}  // namespace workflow
