// run_starter.cpp: see run_starter.hpp.
#include "run_starter.hpp"

#include "definition.hpp"

namespace workflow {

std::string unknown_workflow_message(const std::string& name, std::optional<int64_t> version) {
    return "no workflow named \"" + name + "\"" +
           (version ? " with version " + std::to_string(*version) : std::string());
}

std::optional<RunRefused> start_stored_run(
    Engine& engine, const RunRequest& request,
    std::function<void(const std::string& run_id, const StoredDefinition& stored)> committed,
    std::unique_ptr<RunWatcher> watcher, Engine::RunCreationWrite also) {
    const auto stored = engine.read([&](Store& store) { return store.definition(request.name, request.version); });
    if (!stored)
        return RunRefused{RunRefusal::unknown_workflow, unknown_workflow_message(request.name, request.version)};
    ParseResult parsed = parse_definition(stored->document);
    if (!parsed.definition) return RunRefused{RunRefusal::invalid_definition, describe_problems(parsed.problems)};
    engine.start_run(
        *stored, std::move(*parsed.definition), request.input,
        [committed = std::move(committed), stored = *stored](const std::string& run_id) {
            if (committed) committed(run_id, stored);
        },
        std::move(watcher), std::move(also), request.priority);
    return std::nullopt;
}

}  // namespace workflow
