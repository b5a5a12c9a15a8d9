// task_messages.hpp: the two JSON texts the engine writes for every task, a tool call's params
// and the payload of its `workflow.task.updated` events. They are written straight into text
// rather than built as trees and then dumped: building them was the largest share of the
// engine's own cost per task (bench/README.md), and the host takes text anyway.
#pragma once

#include "engine_host.hpp"

#include <string>
#include <string_view>

namespace workflow {

// tools/call params: {"name", "arguments", "_meta": {"idempotency_key", "workflow": {"run_id",
// "task_id", "attempt"}}}. The tool name and arguments are serialized by nlohmann; run ids,
// task ids (validated names, plus "[i]" and ":" for units) and keys need no escaping.
std::string tool_call_params(const std::string& tool, const Json& arguments, std::string_view idempotency_key,
                             std::string_view run_id, std::string_view task_id, int attempt);

// {"run_id", "task", "status", "attempt", "progress"}: a task's change, for the bus.
std::string task_update_payload(std::string_view run_id, std::string_view task_id, std::string_view status, int attempt,
                                double progress);

}  // namespace workflow
