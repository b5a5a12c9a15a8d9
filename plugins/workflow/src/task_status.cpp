// task_status.cpp: see task_status.hpp.
#include "task_status.hpp"

#include <array>
#include <utility>

namespace workflow {

namespace {
constexpr std::array<std::pair<TaskStatus, std::string_view>, 6> kTaskNames = {{
    {TaskStatus::pending, "pending"},
    {TaskStatus::running, "running"},
    {TaskStatus::succeeded, "succeeded"},
    {TaskStatus::failed, "failed"},
    {TaskStatus::skipped, "skipped"},
    {TaskStatus::cancelled, "cancelled"},
}};
constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunNames = {{
    {RunStatus::running, "running"},
    {RunStatus::paused, "paused"},
    {RunStatus::succeeded, "succeeded"},
    {RunStatus::failed, "failed"},
    {RunStatus::cancelled, "cancelled"},
}};
}  // namespace

std::string_view to_string(TaskStatus status) {
    for (const auto& [value, name] : kTaskNames)
        if (value == status) return name;
    return "pending";
}
std::string_view to_string(RunStatus status) {
    for (const auto& [value, name] : kRunNames)
        if (value == status) return name;
    return "running";
}
std::optional<TaskStatus> task_status_from(std::string_view name) {
    for (const auto& [value, known] : kTaskNames)
        if (known == name) return value;
    return std::nullopt;
}
std::optional<RunStatus> run_status_from(std::string_view name) {
    for (const auto& [value, known] : kRunNames)
        if (known == name) return value;
    return std::nullopt;
}

}  // namespace workflow
