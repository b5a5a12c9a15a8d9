// http_api.cpp: see http_api.hpp.
#include "http_api.hpp"

#include "definition.hpp"
#include "run_starter.hpp"
#include "tools.hpp"

#include <charconv>
#include <chrono>
#include <future>
#include <limits>
#include <set>

namespace workflow {

namespace {

using switchboard::HttpError;
using switchboard::HttpRequest;
using switchboard::HttpResponse;

// How long a request waits for its change to become durable; it only matters at shutdown, when
// the checkpointer stops.
constexpr auto kCommitWait = std::chrono::seconds(10);

std::optional<int64_t> parse_integer(const std::string& text) {
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// The integer query parameter `name` in [low, high], `fallback` when absent; 400 otherwise.
int64_t integer_query(const HttpRequest& request, const std::string& name, int64_t fallback, int64_t low,
                      int64_t high) {
    if (!request.query.is_object() || !request.query.contains(name)) return fallback;
    const std::string text = request.query_value(name);
    const auto value = parse_integer(text);
    if (!value || *value < low || *value > high)
        throw HttpError(400, "`" + name + "` must be an integer from " + std::to_string(low) + " to " +
                                 std::to_string(high) + ", got \"" + text + "\"");
    return *value;
}

std::string run_id_param(const HttpRequest& request) { return request.params.value("id", ""); }

HttpError run_not_found(const std::string& run_id) {
    return HttpError(404, "no run with id \"" + run_id + "\"; GET /api/v1/workflow/runs lists the runs");
}

HttpError unknown_definition(const std::string& name, std::optional<int64_t> version) {
    return HttpError(404, "no workflow named \"" + name + "\"" +
                              (version ? " with version " + std::to_string(*version) : std::string()) +
                              "; GET /api/v1/workflow/definitions lists the stored ones");
}

// The definition in a POST body: the document itself, or {"definition": document} as the
// workflow_define tool takes it.
Json definition_body(const HttpRequest& request) {
    const Json body = request.json();
    if (!body.is_object())
        throw HttpError(400,
                        "the body must be a workflow definition object (see workflow://schema) or "
                        "{\"definition\": {...}}");
    if (body.contains("definition") && !body.contains("tasks")) {
        if (!body["definition"].is_object())
            throw HttpError(400, "`definition` must be a workflow definition object (see workflow://schema)");
        return body["definition"];
    }
    return body;
}

bool run_exists(Engine& engine, const std::string& run_id) {
    return engine.read([&](Store& store) { return store.run(run_id).has_value(); });
}

Json run_json(Engine& engine, const std::string& run_id) {
    const auto run = engine.read([&](Store& store) { return store.run(run_id); });
    if (!run) throw run_not_found(run_id);
    Json answer = run_to_json(*run);
    engine.add_waiting_for(answer);
    return answer;
}

using Refusal = std::optional<std::string>;

// Runs a control operation, waits until it is durable and answers with the run; a refusal by
// the run's state is a 409 with the engine's reason.
HttpResponse control_request(Engine& engine, const std::string& run_id,
                             const std::function<Refusal(std::function<void()> committed)>& operation) {
    if (!run_exists(engine, run_id)) throw run_not_found(run_id);
    auto committed = std::make_shared<std::promise<void>>();
    if (Refusal refused = operation([committed] { committed->set_value(); })) throw HttpError(409, *refused);
    committed->get_future().wait_for(kCommitWait);
    return HttpResponse::json(run_json(engine, run_id));
}

}  // namespace

HttpApi::HttpApi(switchboard::Plugin& plugin, Engine& engine, EngineHost& host, Schedules& schedules)
    : plugin_(plugin), engine_(engine), schedules_(schedules), events_(plugin, engine, host) {
    add_definition_routes();
    add_run_routes();
    add_control_routes();
    add_schedule_routes();
}

void HttpApi::add_definition_routes() {
    Engine& engine = engine_;
    plugin_.add_http_route("GET", "/definitions", [&engine](const HttpRequest&) {
        return HttpResponse::json(
            {{"definitions", engine.read([](Store& store) { return store.list_definitions(); })}});
    });

    plugin_.add_http_route("GET", "/definitions/{name}", [&engine](const HttpRequest& request) {
        const std::string name = request.params.value("name", "");
        const bool versioned = request.query.is_object() && request.query.contains("version");
        const std::optional<int64_t> version =
            versioned
                ? std::optional<int64_t>(integer_query(request, "version", 0, 1, std::numeric_limits<int64_t>::max()))
                : std::nullopt;
        const auto found = engine.read([&](Store& store) { return store.definition(name, version); });
        if (!found) throw unknown_definition(name, version);
        return HttpResponse::json({{"name", found->name},
                                   {"version", found->version},
                                   {"definition", found->document},
                                   {"created_at_ms", found->created_at_ms}});
    });

    plugin_.add_http_route("POST", "/definitions", [&engine](const HttpRequest& request) {
        const Json document = definition_body(request);
        const ParseResult result = engine.check_definition(document);
        if (!result.problems.empty())
            return HttpResponse::json(
                {{"error", describe_problems(result.problems)}, {"problems", problems_json(result.problems)}}, 400);
        const std::string name = result.definition->name;
        const int64_t version = store_definition(engine, name, document);
        return HttpResponse::json({{"name", name}, {"version", version}}, 201);
    });

    plugin_.add_http_route("POST", "/validate", [&engine](const HttpRequest& request) {
        const ParseResult result = engine.check_definition(definition_body(request));
        return HttpResponse::json({{"valid", result.problems.empty()}, {"problems", problems_json(result.problems)}});
    });
}

void HttpApi::add_run_routes() {
    Engine& engine = engine_;
    plugin_.add_http_route("GET", "/runs", [&engine](const HttpRequest& request) {
        static const std::set<std::string> statuses = {"running", "paused", "succeeded", "failed", "cancelled"};
        const std::string name = request.query_value("name");
        const std::string status = request.query_value("status");
        if (!status.empty() && statuses.count(status) == 0)
            throw HttpError(
                400, "`status` must be one of running, paused, succeeded, failed, cancelled; got \"" + status + "\"");
        const int64_t limit = integer_query(request, "limit", 100, 1, 1000);
        return HttpResponse::json(
            {{"runs", engine.read([&](Store& store) { return store.list_runs(name, status, limit); })}});
    });

    plugin_.add_http_route("POST", "/runs", [&engine](const HttpRequest& request) {
        const Json body = request.json();
        if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
            throw HttpError(400,
                            "the body must be {\"name\": string, \"version\"?: integer >= 1, \"input\"?: object, "
                            "\"priority\"?: integer}");
        const std::string name = body["name"].get<std::string>();
        std::optional<int64_t> version;
        if (body.contains("version")) {
            if (!body["version"].is_number_integer() || body["version"].get<int64_t>() < 1)
                throw HttpError(400, "`version` must be an integer >= 1, got " + body["version"].dump());
            version = body["version"].get<int64_t>();
        }
        const Json input = body.value("input", Json::object());
        if (!input.is_object())
            throw HttpError(400, "`input` must be an object, got " + std::string(input.type_name()));
        const Json priority = body.value("priority", Json(0));
        if (!priority.is_number_integer() || priority.get<int64_t>() < -1000 || priority.get<int64_t>() > 1000)
            throw HttpError(400, "`priority` must be an integer from -1000 to 1000, got " + priority.dump());
        auto started = std::make_shared<std::promise<std::pair<std::string, StoredDefinition>>>();
        const auto refused = start_stored_run(engine, {name, version, input, priority.get<int>()},
                                              [started](const std::string& run_id, const StoredDefinition& stored) {
                                                  started->set_value({run_id, stored});
                                              });
        if (refused && refused->reason == RunRefusal::unknown_workflow) throw unknown_definition(name, version);
        if (refused) throw HttpError(422, refused->message);
        auto future = started->get_future();
        if (future.wait_for(kCommitWait) != std::future_status::ready)
            throw HttpError(503, "the run was not stored within 10 s; the server may be stopping");
        const auto [run_id, stored] = future.get();
        return HttpResponse::json(
            {{"run_id", run_id}, {"name", stored.name}, {"version", stored.version}, {"status", "running"}}, 201);
    });

    plugin_.add_http_route("GET", "/runs/{id}", [&engine](const HttpRequest& request) {
        return HttpResponse::json(run_json(engine, run_id_param(request)));
    });

    plugin_.add_http_route("GET", "/runs/{id}/tasks", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        return HttpResponse::json({{"run_id", run_id}, {"tasks", run_json(engine, run_id).at("tasks")}});
    });

    plugin_.add_http_route("GET", "/runs/{id}/history", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        const int64_t after = integer_query(request, "after_seq", 0, 0, std::numeric_limits<int64_t>::max());
        const int64_t limit = integer_query(request, "limit", 1000, 1, 10000);
        const auto [exists, events] = engine.read([&](Store& store) {
            return std::make_pair(store.run(run_id).has_value(), store.history(run_id, after, limit));
        });
        if (!exists) throw run_not_found(run_id);
        return HttpResponse::json({{"run_id", run_id}, {"events", events}});
    });

    RunEvents& events = events_;
    plugin_.add_http_stream_route(
        "GET", "/runs/{id}/events", [&engine, &events](const HttpRequest& request, switchboard::HttpStreamPtr stream) {
            const std::string run_id = run_id_param(request);
            int64_t after = integer_query(request, "after_seq", 0, 0, std::numeric_limits<int64_t>::max());
            // A reconnecting EventSource sends the last id it saw; it wins over after_seq.
            const std::string last_event_id = request.headers.value("last-event-id", "");
            if (!last_event_id.empty()) {
                const auto seq = parse_integer(last_event_id);
                if (!seq || *seq < 0)
                    throw HttpError(400,
                                    "Last-Event-ID must be the id of an event of this stream (a history seq, "
                                    "an integer >= 0), got \"" +
                                        last_event_id + "\"");
                after = *seq;
            }
            if (!run_exists(engine, run_id)) throw run_not_found(run_id);
            events.follow(run_id, after, std::move(stream));
        });
}

void HttpApi::add_control_routes() {
    Engine& engine = engine_;
    plugin_.add_http_route("POST", "/runs/{id}/cancel", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        return control_request(engine, run_id, [&](std::function<void()> committed) -> Refusal {
            if (engine.cancel_run(run_id, std::move(committed))) return std::nullopt;
            const auto run = engine.read([&](Store& store) { return store.run(run_id); });
            return "run " + run_id + " is already " + std::string(run ? to_string(run->status) : "gone") +
                   "; only a running or paused run can be cancelled";
        });
    });
    plugin_.add_http_route("POST", "/runs/{id}/pause", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        return control_request(engine, run_id, [&](std::function<void()> committed) {
            return engine.pause_run(run_id, std::move(committed));
        });
    });
    plugin_.add_http_route("POST", "/runs/{id}/resume", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        return control_request(engine, run_id, [&](std::function<void()> committed) {
            return engine.resume_run(run_id, std::move(committed));
        });
    });
    plugin_.add_http_route("POST", "/runs/{id}/tasks/{task}/retry", [&engine](const HttpRequest& request) {
        const std::string run_id = run_id_param(request);
        const std::string task = request.params.value("task", "");
        return control_request(engine, run_id, [&](std::function<void()> committed) {
            return engine.retry_task(run_id, task, std::move(committed));
        });
    });
}

}  // namespace workflow
