// schedule_tools.cpp: workflow_schedule, one tool with an `action` for cron schedules.
#include "tools.hpp"

namespace workflow {

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

const Json kScheduleView = {
    {"type", "object"},
    {"description",
     "A schedule: {id, workflow, version (null: the latest at each fire), input, cron, timezone: \"UTC\", enabled, "
     "overlap, created_at_ms, last_fire_at_ms, last_run_id, next_fire_at_ms, next_fire_at (ISO 8601 UTC), "
     "next_fires? (the next 3, ISO 8601 UTC), last_error?, queued_fire_at_ms? (overlap \"queue\": the fire that "
     "waits for the last run to end)}"}};

ToolResult to_result(ScheduleAnswer answer, const char* key) {
    if (answer.problem) return ToolResult::error(answer.message);
    return ToolResult::structured({{key, std::move(answer.value)}});
}

std::string id_argument(const Json& args, const std::string& action) {
    if (!args.contains("id") || !args["id"].is_string())
        throw switchboard::ToolError("`id` is required for action \"" + action +
                                     "\": the schedule's id (action \"list\" shows them)");
    return args["id"].get<std::string>();
}

}  // namespace

void register_schedule_tools(switchboard::Plugin& plugin, Schedules& schedules) {
    plugin.add_tool(
        Tool("workflow_schedule",
             "Cron schedules that start runs of a stored workflow, durably (they survive restarts). Times are UTC. "
             "action \"create\" {id, workflow, cron, input?, version?, enabled?, overlap?}: `cron` is 5 fields "
             "(minute hour day-of-month month day-of-week), 6 with seconds first, or "
             "@hourly/@daily/@weekly/@monthly/@yearly; fields take *, lists a,b, ranges a-b, steps */n and a-b/n, "
             "JAN-DEC and SUN-SAT (0 and 7 are Sunday); when both day fields are restricted a day matching either "
             "fires. Each fire starts a run as workflow_run would (the latest version unless `version` pins one) "
             "with `input`. A fire missed while the server was down happens once at start. `overlap`, for a fire "
             "while the schedule's last run is still running or paused: \"allow\" (default) starts another run, "
             "\"skip\" starts none, \"queue\" starts one when that run ends (one fire is kept at most). \"list\", "
             "\"get\" {id}, \"delete\" {id}, \"enable\" {id}, \"disable\" {id}. create, get, enable and disable "
             "return {schedule} with the next 3 fire times; list returns {schedules}; delete returns {deleted: id}.")
            .input_schema(
                {{"type", "object"},
                 {"properties",
                  {{"action", {{"enum", {"create", "list", "get", "delete", "enable", "disable"}}}},
                   {"id", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_.-]{1,64}$"}, {"description", "the schedule"}}},
                   {"workflow", {{"type", "string"}, {"description", "create: the stored workflow to run"}}},
                   {"cron",
                    {{"type", "string"},
                     {"description",
                      "create: e.g. \"0 9 * * MON-FRI\" (09:00 UTC on weekdays), \"*/10 * * * * *\" (every 10 s, "
                      "seconds first), \"@daily\""}}},
                   {"input", {{"type", "object"}, {"description", "create: the input of each run (default {})"}}},
                   {"version",
                    {{"type", "integer"},
                     {"minimum", 1},
                     {"description", "create: pin this version (default: the latest at each fire)"}}},
                   {"enabled", {{"type", "boolean"}, {"default", true}, {"description", "create"}}},
                   {"overlap",
                    {{"enum", {"allow", "skip", "queue"}},
                     {"default", "allow"},
                     {"description",
                      "create: a fire while the last run is unfinished starts a run anyway (allow), "
                      "none (skip), or one when that run ends (queue)"}}},
                   {"timezone",
                    {{"type", "string"}, {"description", "only \"UTC\" is supported: schedules run in UTC"}}}}},
                 {"required", {"action"}}})
            .output_schema({{"type", "object"},
                            {"properties",
                             {{"schedule", kScheduleView},
                              {"schedules", {{"type", "array"}, {"items", kScheduleView}}},
                              {"deleted", {{"type", "string"}}}}}}),
        [&schedules](const Json& args, switchboard::Call&) {
            const Json action_value = args.value("action", Json());
            const std::string action = action_value.is_string() ? action_value.get<std::string>() : "";
            if (action == "create") {
                Json request = args;
                request.erase("action");
                return to_result(schedules.create(request), "schedule");
            }
            if (action == "list") return ToolResult::structured({{"schedules", schedules.list()}});
            if (action == "get") return to_result(schedules.get(id_argument(args, action)), "schedule");
            if (action == "delete") return to_result(schedules.remove(id_argument(args, action)), "deleted");
            if (action == "enable")
                return to_result(schedules.set_enabled(id_argument(args, action), true), "schedule");
            if (action == "disable")
                return to_result(schedules.set_enabled(id_argument(args, action), false), "schedule");
            return ToolResult::error("`action` must be one of create, list, get, delete, enable, disable; got " +
                                     action_value.dump());
        });
}

}  // namespace workflow
