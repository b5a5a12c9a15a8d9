// run_starter.hpp: starts a run of a stored workflow by name. The one path that workflow_run,
// POST /api/v1/workflow/runs and schedules share: resolve the version (the latest unless one is
// pinned), validate the stored definition again, and hand the run to the engine.
#pragma once

#include "engine.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace workflow {

struct RunRequest {
    std::string name;
    std::optional<int64_t> version;  // nullopt: the latest version at the time of the call
    Json input = Json::object();
    int priority = 0;  // higher: its tool calls start first
};

enum class RunRefusal {
    unknown_workflow,    // no such name, or no such version of it
    invalid_definition,  // the stored definition no longer validates (a newer, stricter plugin)
};

struct RunRefused {
    RunRefusal reason;
    std::string message;  // callers add where to look next (a tool, a route)
};

// Starts the run; `committed(run_id, stored)` runs once it is durable. Reads the store: call it
// off the I/O thread. Returns why no run was started, or nullopt.
std::optional<RunRefused> start_stored_run(
    Engine& engine, const RunRequest& request,
    std::function<void(const std::string& run_id, const StoredDefinition& stored)> committed,
    std::unique_ptr<RunWatcher> watcher = nullptr, Engine::RunCreationWrite also = nullptr);

// "no workflow named \"x\"" or "no workflow named \"x\" with version 3".
std::string unknown_workflow_message(const std::string& name, std::optional<int64_t> version);

}  // namespace workflow
