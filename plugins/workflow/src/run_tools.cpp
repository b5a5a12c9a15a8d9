// run_tools.cpp: workflow_run, workflow_status, workflow_cancel, workflow_pause, workflow_resume,
// workflow_retry, workflow_history.
#include "run_starter.hpp"
#include "tools.hpp"

#include <chrono>
#include <future>

namespace workflow {

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

const Json kRunOutput = {
    {"type", "object"},
    {"description",
     "A run: {run_id, name, version, status, input, output, error, progress, created_at_ms, finished_at_ms?, "
     "priority?, tasks: [{id, status, attempt, input, output, error, error_kind?, started_at_ms?, finished_at_ms?, "
     "waiting_for? (held by a limit: \"pool openai\", \"rate openai\", \"tool x\", \"run <id>\", or by an "
     "exceeded LLM budget: \"budget <id>\")}], ignore_budgets? (resumed past budgets)}"},
    {"properties",
     {{"run_id", {{"type", "string"}}},
      {"status", {{"enum", {"running", "paused", "succeeded", "failed", "cancelled"}}}},
      {"tasks", {{"type", "array"}}}}},
    {"required", {"run_id", "status"}}};

const Json kRunIdInput = {{"type", "object"},
                          {"properties", {{"run_id", {{"type", "string"}, {"description", "from workflow_run"}}}}},
                          {"required", {"run_id"}}};

std::string run_id_argument(const Json& args) {
    if (!args.contains("run_id") || !args["run_id"].is_string())
        throw switchboard::ToolError("`run_id` is required: the id workflow_run returned (\"run_...\")");
    return args["run_id"].get<std::string>();
}

ToolResult unknown_run(const std::string& run_id) {
    return ToolResult::error("no run with id \"" + run_id + "\"; workflow_list with what: \"runs\" shows them");
}

using Refusal = std::optional<std::string>;

// Runs a control operation on a run, waits until it is durable, and returns the run.
ToolResult control(Engine& engine, const std::string& run_id,
                   const std::function<Refusal(std::function<void()> committed)>& operation) {
    if (!engine.read([&](Store& store) { return store.run(run_id).has_value(); })) return unknown_run(run_id);
    auto committed = std::make_shared<std::promise<void>>();
    if (Refusal refused = operation([committed] { committed->set_value(); })) return ToolResult::error(*refused);
    // A sync handler runs on the blocking pool, so waiting is fine; the bound only matters at
    // shutdown, when the checkpointer stops.
    committed->get_future().wait_for(std::chrono::seconds(10));
    const auto run = engine.read([&](Store& store) { return store.run(run_id); });
    return ToolResult::structured(run_to_json(*run));
}

// How often a waiting workflow_run looks whether its client cancelled it (the SDK offers no
// cancellation callback, only Call::cancelled()).
constexpr int64_t kCancelPollMs = 200;

// A workflow_run with wait: true whose client cancels it stops waiting: it ends the request (the
// host sends nothing for a cancelled request, as the protocol asks) and the run goes on.
void end_wait_when_cancelled(EngineHost& host, switchboard::CallPtr call) {
    host.run_after(kCancelPollMs, [&host, call] {
        if (call->ended()) return;  // the run ended first
        if (!call->cancelled()) return end_wait_when_cancelled(host, call);
        call->respond(ToolResult::error("the client cancelled this workflow_run; the run goes on (workflow_status "
                                        "follows it, workflow_cancel stops it)")
                          .to_json());
    });
}

// Starts the run on the blocking pool (it reads the definition) and answers `call` when the run
// is durable, or at its end when `wait` is set.
void start(switchboard::Plugin& plugin, Engine& engine, EngineHost& host, const Json& args, switchboard::CallPtr call) {
    plugin.post_blocking([&engine, &host, args, call] {
        try {
            const std::string name = args.at("name").get<std::string>();
            const std::optional<int64_t> version =
                args.contains("version") ? std::optional<int64_t>(args["version"].get<int64_t>()) : std::nullopt;
            const Json input = args.value("input", Json::object());
            if (!input.is_object())
                throw switchboard::ToolError("`input` must be an object, got " + std::string(input.type_name()));
            const bool wait = args.value("wait", false);
            const Json priority = args.value("priority", Json(0));
            if (!priority.is_number_integer() || priority.get<int64_t>() < -1000 || priority.get<int64_t>() > 1000)
                throw switchboard::ToolError("`priority` must be an integer from -1000 to 1000 (higher starts first)");
            std::unique_ptr<RunWatcher> watcher;
            if (wait) {
                watcher = std::make_unique<RunWatcher>();
                watcher->progress = [call](size_t done, size_t total, const std::string& message) {
                    call->progress(static_cast<double>(done), static_cast<double>(total), message);
                };
                watcher->done = [call](const Json& run) { call->respond(ToolResult::structured(run).to_json()); };
                if (call->info().value("clientCapabilities", Json::object()).contains("elicitation")) {
                    watcher->elicit = [call](const Json& params, std::function<void(std::optional<Json>)> answer) {
                        if (call->cancelled()) return answer(std::nullopt);  // nobody waits: the signal decides
                        call->client_request("elicitation/create", params, [answer](switchboard::Reply reply) {
                            answer(reply.ok ? std::optional<Json>(reply.value) : std::nullopt);
                        });
                    };
                }
            }
            const auto refused = start_stored_run(
                engine, {name, version, input, priority.get<int>()},
                [call, wait](const std::string& run_id, const StoredDefinition& stored) {
                    if (wait) return;
                    call->respond(ToolResult::structured({{"run_id", run_id},
                                                          {"name", stored.name},
                                                          {"version", stored.version},
                                                          {"status", "running"}})
                                      .to_json());
                },
                std::move(watcher));
            if (wait && !refused) end_wait_when_cancelled(host, call);
            if (refused && refused->reason == RunRefusal::unknown_workflow)
                throw switchboard::ToolError(refused->message + "; define it first with workflow_define");
            if (refused) throw switchboard::ToolError(refused->message);
        } catch (const switchboard::ToolError& e) {
            call->respond(ToolResult::error(e.what()).to_json());
        } catch (const std::exception& e) {
            call->respond(ToolResult::error(std::string("invalid arguments for workflow_run: ") + e.what()).to_json());
        }
    });
}

}  // namespace

void register_run_tools(switchboard::Plugin& plugin, Engine& engine, EngineHost& host) {
    plugin.add_async_tool(
        Tool("workflow_run",
             "Starts a run of a stored workflow (the latest version, or `version`) with `input` (an object the "
             "definition reads as `input.*`). Returns {run_id, status: \"running\"} once the run is durable. With "
             "wait: true, answers only when the run ends, with the whole run, and sends progress notifications "
             "(tasks done / total) on the way; if the client cancels that request, it stops waiting and the run "
             "goes on (workflow_cancel stops a run). `priority` (default 0): when tool calls wait for a slot, those "
             "of higher-priority runs start first, and runs of equal priority take turns; a resumed run keeps it.")
            .input_schema(
                {{"type", "object"},
                 {"properties",
                  {{"name", {{"type", "string"}}},
                   {"version", {{"type", "integer"}, {"minimum", 1}}},
                   {"input", {{"type", "object"}}},
                   {"wait", {{"type", "boolean"}, {"default", false}}},
                   {"priority", {{"type", "integer"}, {"minimum", -1000}, {"maximum", 1000}, {"default", 0}}}}},
                 {"required", {"name"}}})
            .output_schema(kRunOutput),
        [&plugin, &engine, &host](const Json& args, switchboard::CallPtr call) {
            start(plugin, engine, host, args, std::move(call));
        });

    plugin.add_tool(Tool("workflow_status",
                         "Returns a run (running, paused, succeeded, failed or cancelled) with every task's status "
                         "(pending, running, succeeded, failed, skipped, cancelled), "
                         "attempt, timing, input, output and error, plus the run's progress fraction and output.")
                        .input_schema(kRunIdInput)
                        .output_schema(kRunOutput)
                        .annotations({{"readOnlyHint", true}}),
                    [&engine](const Json& args, switchboard::Call&) {
                        const std::string run_id = run_id_argument(args);
                        const auto run = engine.read([&](Store& store) { return store.run(run_id); });
                        if (!run) return unknown_run(run_id);
                        Json answer = run_to_json(*run);
                        engine.add_waiting_for(answer);
                        return ToolResult::structured(answer);
                    });

    plugin.add_tool(Tool("workflow_cancel",
                         "Cancels a running or paused run: pending tasks end cancelled and running tool calls are "
                         "cancelled (notifications/cancelled reaches the tool). Returns the run. A finished run is "
                         "refused.")
                        .input_schema(kRunIdInput)
                        .output_schema(kRunOutput)
                        .annotations({{"destructiveHint", true}}),
                    [&engine](const Json& args, switchboard::Call&) {
                        const std::string run_id = run_id_argument(args);
                        return control(engine, run_id, [&](std::function<void()> committed) -> Refusal {
                            if (engine.cancel_run(run_id, std::move(committed))) return std::nullopt;
                            const auto run = engine.read([&](Store& store) { return store.run(run_id); });
                            return "run " + run_id + " is already " +
                                   std::string(run ? to_string(run->status) : "gone") +
                                   "; only a running or paused run can be cancelled";
                        });
                    });

    plugin.add_tool(Tool("workflow_pause",
                         "Pauses a running run: no new task starts; tool calls in flight finish and are recorded. "
                         "Its running sub-workflow runs are paused too. Returns the run (status paused). A paused "
                         "run stays paused across restarts until workflow_resume.")
                        .input_schema(kRunIdInput)
                        .output_schema(kRunOutput),
                    [&engine](const Json& args, switchboard::Call&) {
                        const std::string run_id = run_id_argument(args);
                        return control(engine, run_id, [&](std::function<void()> committed) {
                            return engine.pause_run(run_id, std::move(committed));
                        });
                    });

    plugin.add_tool(Tool("workflow_resume",
                         "Resumes a paused run, and its paused sub-workflow runs. On a running run whose LLM-bound "
                         "calls wait for an exceeded budget (waiting_for \"budget <id>\"), lets that run go on past "
                         "every budget (ignore_budgets: true, kept across restarts). Returns the run.")
                        .input_schema(kRunIdInput)
                        .output_schema(kRunOutput),
                    [&engine](const Json& args, switchboard::Call&) {
                        const std::string run_id = run_id_argument(args);
                        return control(engine, run_id, [&](std::function<void()> committed) {
                            return engine.resume_run(run_id, std::move(committed));
                        });
                    });

    plugin.add_tool(
        Tool("workflow_retry",
             "Retries a failed task of a failed run: the task gets one more attempt (a new attempt number and "
             "idempotency key), the tasks skipped because it failed become pending again, and the run is running "
             "again. Returns the run.")
            .input_schema({{"type", "object"},
                           {"properties",
                            {{"run_id", {{"type", "string"}}},
                             {"task", {{"type", "string"}, {"description", "the id of a failed task"}}}}},
                           {"required", {"run_id", "task"}}})
            .output_schema(kRunOutput),
        [&engine](const Json& args, switchboard::Call&) {
            const std::string run_id = run_id_argument(args);
            if (!args.contains("task") || !args["task"].is_string())
                return ToolResult::error("`task` is required: the id of a failed task of the run");
            const std::string task = args["task"].get<std::string>();
            return control(engine, run_id, [&](std::function<void()> committed) {
                return engine.retry_task(run_id, task, std::move(committed));
            });
        });

    plugin.add_tool(
        Tool("workflow_signal",
             "Sends a signal to a running or paused run. A task that waits for it (kind wait with `signal`, or an "
             "approval, whose signal is its task id unless it names another) gets `payload` as its output, now or "
             "when it starts; signals of one name are consumed in order. To decide an approval send payload "
             "{\"approved\": true|false, \"comment\"?: text}; a rejection fails the approval task (error kind "
             "rejected). Returns the run.")
            .input_schema(
                {{"type", "object"},
                 {"properties",
                  {{"run_id", {{"type", "string"}}},
                   {"name", {{"type", "string"}, {"description", "the signal name, e.g. an approval's task id"}}},
                   {"payload", {{"description", "any JSON; for an approval {approved, comment?}"}}}}},
                 {"required", {"run_id", "name"}}})
            .output_schema(kRunOutput),
        [&engine](const Json& args, switchboard::Call&) {
            const std::string run_id = run_id_argument(args);
            if (!args.contains("name") || !args["name"].is_string() || args["name"].get<std::string>().empty())
                return ToolResult::error("`name` is required: the signal name (for an approval, its task id)");
            const std::string name = args["name"].get<std::string>();
            const Json payload = args.value("payload", Json::object());
            return control(engine, run_id, [&](std::function<void()> committed) {
                return engine.signal_run(run_id, name, payload, std::move(committed));
            });
        });

    plugin.add_tool(
        Tool("workflow_history",
             "Returns a run's event history in order: run.started|paused|resumed|retried, task.started|resumed|"
             "retrying|succeeded|failed|skipped|cancelled|reset, run.succeeded|failed|cancelled, each {seq, at_ms, "
             "type, task?, data}. Page with after_seq.")
            .input_schema({{"type", "object"},
                           {"properties",
                            {{"run_id", {{"type", "string"}}},
                             {"after_seq", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}},
                             {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10000}, {"default", 1000}}}}},
                           {"required", {"run_id"}}})
            .output_schema({{"type", "object"},
                            {"properties", {{"run_id", {{"type", "string"}}}, {"events", {{"type", "array"}}}}},
                            {"required", {"run_id", "events"}}})
            .annotations({{"readOnlyHint", true}}),
        [&engine](const Json& args, switchboard::Call&) {
            const std::string run_id = run_id_argument(args);
            const int64_t after = args.value("after_seq", 0);
            const int64_t limit = args.value("limit", 1000);
            if (limit < 1 || limit > 10000) return ToolResult::error("`limit` must be from 1 to 10000");
            const auto [exists, events] = engine.read([&](Store& store) {
                return std::make_pair(store.run(run_id).has_value(), store.history(run_id, after, limit));
            });
            if (!exists) return unknown_run(run_id);
            return ToolResult::structured({{"run_id", run_id}, {"events", events}});
        });
}

}  // namespace workflow
