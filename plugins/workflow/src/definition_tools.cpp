// definition_tools.cpp: workflow_validate, workflow_define, workflow_list, workflow_get.
#include "definition.hpp"
#include "tools.hpp"

#include <chrono>

namespace workflow {

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

const Json kDefinitionArgument = {
    {"type", "object"},
    {"description",
     "A workflow definition: {name, description?, timeout?, tasks: [{id, kind: "
     "tool|wait|switch|map|loop|approval|workflow, tool, arguments, after, when, timeout, retry, compensate}], "
     "on_failure?, outputs?}. The JSON Schema is the resource workflow://schema."}};

const Json& definition_argument(const Json& args) {
    if (!args.contains("definition") || !args["definition"].is_object())
        throw switchboard::ToolError("`definition` is required: a workflow definition object (see workflow://schema)");
    return args["definition"];
}

}  // namespace

int64_t store_definition(Engine& engine, const std::string& name, const Json& document) {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    return engine.read([&](Store& store) {
        Transaction transaction(store.database());
        const int64_t version = store.add_definition(name, document, now);
        transaction.commit();
        return version;
    });
}

void register_definition_tools(switchboard::Plugin& plugin, Engine& engine) {
    plugin.add_tool(
        Tool("workflow_validate",
             "Checks a workflow definition without storing it. Returns {valid, problems: [{path, message}]} where "
             "path is the JSON path of each problem (schema errors, unknown `after` ids, cycles, bad expressions, "
             "tasks read before they run).")
            .input_schema({{"type", "object"},
                           {"properties", {{"definition", kDefinitionArgument}}},
                           {"required", {"definition"}}})
            .output_schema({{"type", "object"},
                            {"properties", {{"valid", {{"type", "boolean"}}}, {"problems", {{"type", "array"}}}}},
                            {"required", {"valid", "problems"}}})
            .annotations({{"readOnlyHint", true}}),
        [&engine](const Json& args, switchboard::Call&) {
            const ParseResult result = engine.check_definition(definition_argument(args));
            return ToolResult::structured(
                {{"valid", result.problems.empty()}, {"problems", problems_json(result.problems)}});
        });

    plugin.add_tool(
        Tool("workflow_define",
             "Stores a workflow definition after validating it. Definitions are immutable: defining an existing "
             "name adds a new version, and runs stay pinned to the version they started with. Returns {name, "
             "version}. An invalid definition is refused with every problem and its JSON path.")
            .input_schema({{"type", "object"},
                           {"properties", {{"definition", kDefinitionArgument}}},
                           {"required", {"definition"}}})
            .output_schema({{"type", "object"},
                            {"properties", {{"name", {{"type", "string"}}}, {"version", {{"type", "integer"}}}}},
                            {"required", {"name", "version"}}}),
        [&engine](const Json& args, switchboard::Call&) {
            const Json& document = definition_argument(args);
            const ParseResult result = engine.check_definition(document);
            if (!result.problems.empty()) return ToolResult::error(describe_problems(result.problems));
            const std::string name = result.definition->name;
            const int64_t version = store_definition(engine, name, document);
            return ToolResult::structured({{"name", name}, {"version", version}});
        });

    plugin.add_tool(
        Tool("workflow_list",
             "Lists stored workflows (what: \"definitions\", the default: each name with its latest version), "
             "runs (what: \"runs\", newest first, optionally filtered by name and status), or the exceeded LLM "
             "budgets that hold LLM-bound calls now (what: \"budgets\": the metrics.budget.exceeded payloads).")
            .input_schema({{"type", "object"},
                           {"properties",
                            {{"what", {{"enum", {"definitions", "runs", "budgets"}}}},
                             {"name", {{"type", "string"}, {"description", "runs only: of this workflow"}}},
                             {"status",
                              {{"enum", {"running", "paused", "succeeded", "failed", "cancelled"}},
                               {"description", "runs only"}}},
                             {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}}}}})
            .output_schema({{"type", "object"},
                            {"properties",
                             {{"definitions", {{"type", "array"}}},
                              {"runs", {{"type", "array"}}},
                              {"budgets", {{"type", "array"}}}}}})
            .annotations({{"readOnlyHint", true}}),
        [&engine](const Json& args, switchboard::Call&) {
            const std::string what = args.value("what", "definitions");
            if (what != "definitions" && what != "runs" && what != "budgets")
                return ToolResult::error("`what` must be \"definitions\", \"runs\" or \"budgets\", got \"" + what +
                                         "\"");
            if (what == "budgets") return ToolResult::structured({{"budgets", engine.budget_holds()}});
            if (what == "definitions")
                return ToolResult::structured(
                    {{"definitions", engine.read([](Store& store) { return store.list_definitions(); })}});
            const int64_t limit = args.value("limit", 100);
            if (limit < 1 || limit > 1000) return ToolResult::error("`limit` must be from 1 to 1000");
            const std::string name = args.value("name", "");
            const std::string status = args.value("status", "");
            return ToolResult::structured(
                {{"runs", engine.read([&](Store& store) { return store.list_runs(name, status, limit); })}});
        });

    plugin.add_tool(
        Tool("workflow_get", "Returns a stored workflow definition: the latest version, or `version` when given.")
            .input_schema(
                {{"type", "object"},
                 {"properties", {{"name", {{"type", "string"}}}, {"version", {{"type", "integer"}, {"minimum", 1}}}}},
                 {"required", {"name"}}})
            .output_schema({{"type", "object"},
                            {"properties",
                             {{"name", {{"type", "string"}}},
                              {"version", {{"type", "integer"}}},
                              {"definition", {{"type", "object"}}},
                              {"created_at_ms", {{"type", "integer"}}}}},
                            {"required", {"name", "version", "definition"}}})
            .annotations({{"readOnlyHint", true}}),
        [&engine](const Json& args, switchboard::Call&) {
            const std::string name = args.at("name").get<std::string>();
            const std::optional<int64_t> version =
                args.contains("version") ? std::optional<int64_t>(args["version"].get<int64_t>()) : std::nullopt;
            const auto found = engine.read([&](Store& store) { return store.definition(name, version); });
            if (!found)
                return ToolResult::error("no workflow named \"" + name + "\"" +
                                         (version ? " with version " + std::to_string(*version) : std::string()) +
                                         "; workflow_list shows the stored ones");
            return ToolResult::structured({{"name", found->name},
                                           {"version", found->version},
                                           {"definition", found->document},
                                           {"created_at_ms", found->created_at_ms}});
        });
}

}  // namespace workflow
