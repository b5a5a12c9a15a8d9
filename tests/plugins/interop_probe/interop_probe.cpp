// interop_probe.cpp: the second test-only plugin, for the TypeScript SDK interop suite
// (tests/interop). It offers what the conformance fixture lacks: long work that reports progress
// and stops when cancelled, every log level, structured output, resource links, tools added and
// removed at run time, resource updates, roots, sampling with tools, URL elicitation,
// plugin-to-plugin calls and a window onto the host's events. Test-only; never installed.
#include <switchboard/sdk.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using switchboard::Call;
using switchboard::CallPtr;
using switchboard::Json;
using switchboard::LogLevel;
using switchboard::Tool;
using switchboard::ToolError;
using switchboard::ToolResult;
namespace content = switchboard::content;

constexpr const char* counter_uri = "probe://counter";

Json object_schema(Json properties, Json required = Json::array()) {
    return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}

int bounded_int(const Json& args, const char* key, int fallback, int low, int high) {
    const int value = args.value(key, fallback);
    if (value < low || value > high)
        throw ToolError(std::string("\"") + key + "\" must be an integer from " + std::to_string(low) + " to " +
                        std::to_string(high));
    return value;
}

std::vector<std::string> with_prefix(const std::vector<std::string>& candidates, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& candidate : candidates)
        if (candidate.rfind(prefix, 0) == 0) out.push_back(candidate);
    return out;
}

// What probe_slow did. A test reads it through probe_stats to prove that cancellation stopped the
// work in the plugin, not merely that the client stopped waiting.
class SlowStats {
 public:
    void begin(int steps) {
        std::lock_guard lock(mutex_);
        ++started_;
        ++running_;
        last_ = {{"steps", steps}, {"done", 0}, {"cancelled", false}, {"finished", false}};
    }
    void step(int done) {
        std::lock_guard lock(mutex_);
        last_["done"] = done;
    }
    void end(int done, bool cancelled) {
        std::lock_guard lock(mutex_);
        --running_;
        ++(cancelled ? cancelled_ : completed_);
        last_["done"] = done;
        last_["cancelled"] = cancelled;
        last_["finished"] = true;
    }
    Json snapshot() const {
        std::lock_guard lock(mutex_);
        return {{"started", started_},
                {"completed", completed_},
                {"cancelled", cancelled_},
                {"running", running_},
                {"last", last_}};
    }

 private:
    mutable std::mutex mutex_;
    int started_ = 0;    // guarded by mutex_
    int completed_ = 0;  // guarded by mutex_
    int cancelled_ = 0;  // guarded by mutex_
    int running_ = 0;    // guarded by mutex_
    Json last_;          // guarded by mutex_
};

// The last few host events ({topic, payload}), newest last.
class EventLog {
 public:
    void add(Json event) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
        if (events_.size() > capacity) events_.pop_front();
    }
    Json snapshot() const {
        std::lock_guard lock(mutex_);
        Json out = Json::array();
        for (const Json& event : events_) out.push_back(event);
        return out;
    }

 private:
    static constexpr size_t capacity = 50;
    mutable std::mutex mutex_;
    std::deque<Json> events_;  // guarded by mutex_
};

class InteropProbe : public switchboard::Plugin {
 public:
    explicit InteropProbe(const sb_host_api* api) : Plugin(api) {
        events_subscription_ = subscribe("host.#", [this](std::string_view topic, const Json& payload) {
            events_.add({{"topic", topic}, {"payload", payload}});
        });
        add_work_tools();
        add_output_tools();
        add_dynamic_tools();
        add_client_tools();
        add_routing_tools();
        add_resources();
        add_prompt_with_completion();
        add_http_routes();
    }
    // The base class unsubscribes too, but only after events_ is gone; stop delivery first.
    ~InteropProbe() override {
        unsubscribe(events_subscription_);
        stop_tickers();
    }

 private:
    // ---- long work, logging, failures ----

    void add_work_tools() {
        add_tool(Tool("probe_slow", "Counts to `steps`, one progress notification per step; stops when cancelled.")
                     .input_schema(object_schema({{"steps", {{"type", "integer"}, {"minimum", 1}}},
                                                  {"delay_ms", {{"type", "integer"}, {"minimum", 0}}}})),
                 [this](const Json& args, Call& call) { return count_slowly(args, call); });
        add_tool(Tool("probe_stats", "What probe_slow has done: started, completed, cancelled, running, last run."),
                 [this](const Json&, Call&) { return ToolResult::text(slow_.snapshot().dump()); });
        add_tool(
            Tool("probe_log_all_levels", "Sends one notifications/message at each of the eight levels."),
            [](const Json&, Call& call) {
                const char* names[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
                for (int level = 0; level < 8; ++level)
                    call.log(static_cast<LogLevel>(level), {{"level", names[level]}, {"seq", level}}, "interop_probe");
                return ToolResult::text("sent 8 log messages");
            });
        add_tool(Tool("probe_throw", "Throws a C++ exception; the SDK must turn it into an isError result."),
                 [](const Json&, Call&) -> ToolResult { throw std::runtime_error("the probe blew up on purpose"); });
    }

    ToolResult count_slowly(const Json& args, Call& call) {
        const int steps = bounded_int(args, "steps", 10, 1, 10000);
        const int delay_ms = bounded_int(args, "delay_ms", 20, 0, 1000);
        slow_.begin(steps);
        int done = 0;
        // Checked before every step, so a cancelled call does at most one more step of work.
        while (done < steps && !call.cancelled()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            ++done;
            slow_.step(done);
            call.progress(done, steps, "step " + std::to_string(done) + " of " + std::to_string(steps));
        }
        const bool cancelled = done < steps;
        slow_.end(done, cancelled);
        // A cancelled call's answer never reaches the client; the host drops it.
        if (cancelled) return ToolResult::error("cancelled after " + std::to_string(done) + " steps");
        return ToolResult::text("counted to " + std::to_string(steps));
    }

    // ---- result shapes the fixture does not produce ----

    void add_output_tools() {
        const Json number = {{"type", "number"}};
        add_tool(Tool("probe_structured", "Adds and multiplies two numbers; answers with structuredContent.")
                     .input_schema(object_schema(
                         {{"a", number}, {"b", number}, {"omit_structured", {{"type", "boolean"}}}}, {"a", "b"}))
                     .output_schema({{"type", "object"},
                                     {"properties", {{"sum", number}, {"product", number}}},
                                     {"required", {"sum", "product"}},
                                     {"additionalProperties", false}}),
                 [](const Json& args, Call&) {
                     const double a = args.at("a").get<double>();
                     const double b = args.at("b").get<double>();
                     // Breaks the outputSchema promise on request, to check that the host refuses it.
                     if (args.value("omit_structured", false)) return ToolResult::text(std::to_string(a + b));
                     return ToolResult::structured({{"sum", a + b}, {"product", a * b}});
                 });
        add_tool(Tool("probe_resource_link", "Returns a resource_link to probe://counter."), [](const Json&, Call&) {
            return ToolResult::text("The counter lives at " + std::string(counter_uri))
                .add(content::resource_link(counter_uri, "counter", "text/plain"));
        });
    }

    // ---- tools that come and go ----

    void add_dynamic_tools() {
        const Json name_property = {{"type", "string"}, {"pattern", "^probe_dyn_[a-z0-9_]+$"}};
        add_tool(
            Tool("probe_add_tool", "Registers the tool `name` (probe_dyn_*), which answers `answer`.")
                .input_schema(object_schema({{"name", name_property}, {"answer", {{"type", "string"}}}}, {"name"})),
            [this](const Json& args, Call&) {
                const std::string tool = dynamic_name(args);
                const std::string answer = args.value("answer", "dynamic tool " + tool + " answered");
                add_tool(Tool(tool, "Added at run time by probe_add_tool."),
                         [answer](const Json&, Call&) { return ToolResult::text(answer); });
                std::lock_guard lock(dynamic_mutex_);
                dynamic_.insert(tool);
                return ToolResult::text("added " + tool);
            });
        const Json name_schema = object_schema({{"name", name_property}}, {"name"});
        add_tool(Tool("probe_remove_tool", "Removes a tool that probe_add_tool registered.").input_schema(name_schema),
                 [this](const Json& args, Call&) {
                     const std::string name = dynamic_name(args);
                     {
                         std::lock_guard lock(dynamic_mutex_);
                         if (dynamic_.erase(name) == 0) throw ToolError(name + " was not added by probe_add_tool");
                     }
                     remove_tool(name);
                     return ToolResult::text("removed " + name);
                 });
    }

    static std::string dynamic_name(const Json& args) {
        const std::string name = args.at("name").get<std::string>();
        if (name.rfind("probe_dyn_", 0) != 0) throw ToolError("\"name\" must start with probe_dyn_");
        return name;
    }

    // ---- requests to the client ----

    void add_client_tools() {
        add_tool(Tool("probe_roots", "Asks the client for its roots and returns them."),
                 [](const Json&, Call& call) { return ToolResult::text(call.roots().dump()); });
        add_tool(Tool("probe_sample_with_tools", "Runs a sampling loop that offers the model a get_weather tool."),
                 [](const Json&, Call& call) { return sample_with_tools(call); });
        add_tool(Tool("probe_elicit_url", "Asks the client to open a URL (URL-mode elicitation)."),
                 [](const Json&, Call& call) {
                     const Json reply = call.elicit({{"mode", "url"},
                                                     {"message", "Please sign in to the probe service"},
                                                     {"url", "https://example.com/probe/sign-in"},
                                                     {"elicitationId", "probe-elicitation-1"}});
                     return ToolResult::text("action=" + reply.value("action", std::string()));
                 });
    }

    // Offers one tool; when the model asks for it, answers with a tool_result and samples again.
    static ToolResult sample_with_tools(Call& call) {
        const Json weather_tool = {{"name", "get_weather"},
                                   {"description", "Current weather of a city."},
                                   {"inputSchema", object_schema({{"city", {{"type", "string"}}}}, {"city"})}};
        Json messages = {{{"role", "user"}, {"content", content::text("What is the weather in Paris?")}}};
        std::string transcript;
        for (int round = 0; round < 3; ++round) {
            const Json reply = call.sample({{"messages", messages},
                                            {"maxTokens", 200},
                                            {"tools", {weather_tool}},
                                            {"toolChoice", {{"mode", "auto"}}}});
            const Json blocks = reply.at("content").is_array() ? reply.at("content") : Json::array({reply["content"]});
            Json results = Json::array();
            for (const Json& block : blocks) {
                const std::string type = block.value("type", std::string());
                if (type == "text") transcript += "text: " + block.value("text", std::string()) + "\n";
                if (type != "tool_use") continue;
                transcript +=
                    "tool_use: " + block.value("name", std::string()) + block.value("input", Json()).dump() + "\n";
                const std::string city = block.value("input", Json::object()).value("city", std::string("?"));
                results.push_back({{"type", "tool_result"},
                                   {"toolUseId", block.value("id", std::string())},
                                   {"content", {content::text("Sunny, 21 C in " + city)}}});
            }
            if (reply.value("stopReason", std::string()) != "toolUse" || results.empty()) break;
            messages.push_back({{"role", "assistant"}, {"content", blocks}});
            messages.push_back({{"role", "user"}, {"content", results}});
        }
        return ToolResult::text(transcript);
    }

    // ---- the router and the event bus ----

    void add_routing_tools() {
        add_async_tool(
            Tool("probe_call_other", "Calls another plugin's tool through the host router and relays its result.")
                .input_schema(
                    object_schema({{"name", {{"type", "string"}}}, {"arguments", {{"type", "object"}}}}, {"name"})),
            [this](const Json& args, CallPtr call) {
                const std::string name = args.at("name").get<std::string>();
                call_tool(name, args.value("arguments", Json::object()), [call, name](switchboard::Reply reply) {
                    if (!reply.ok) {
                        call->respond(
                            ToolResult::error("calling " + name + " failed: " + reply.error_message()).to_json());
                        return;
                    }
                    Json result = std::move(reply.value);
                    result["content"].insert(result["content"].begin(), content::text("relayed from " + name));
                    call->respond(result);
                });
            });
        add_tool(Tool("probe_events", "The last host.* events ({topic, payload}) this plugin received from the bus."),
                 [this](const Json&, Call&) { return ToolResult::text(events_.snapshot().dump()); });
    }

    // ---- a resource that changes, a template and a prompt that complete ----

    void add_resources() {
        add_resource({{"uri", counter_uri},
                      {"name", "counter"},
                      {"mimeType", "text/plain"},
                      {"description", "How often probe_touch_resource ran."}},
                     [this](const std::string& uri, Call&) {
                         std::lock_guard lock(counter_mutex_);
                         return Json{{"uri", uri}, {"mimeType", "text/plain"}, {"text", std::to_string(counter_)}};
                     });
        add_tool(Tool("probe_touch_resource", "Increments probe://counter and reports the update to subscribers."),
                 [this](const Json&, Call&) {
                     int value = 0;
                     {
                         std::lock_guard lock(counter_mutex_);
                         value = ++counter_;
                     }
                     resource_updated(counter_uri);
                     return ToolResult::text("counter is " + std::to_string(value));
                 });
        add_resource_template(
            {{"uriTemplate", "probe://items/{item}"}, {"name", "item"}, {"mimeType", "text/plain"}},
            [](const std::string& uri, const switchboard::UriVariables& variables, Call&) {
                return Json{{"uri", uri}, {"mimeType", "text/plain"}, {"text", "item " + variables.at("item")}};
            },
            [](const Json& argument, const Json&) {
                return with_prefix({"apple", "apricot", "banana"}, argument.value("value", std::string()));
            });
    }

    void add_prompt_with_completion() {
        add_prompt(
            {{"name", "probe_order"},
             {"title", "Order an ice cream"},
             {"description", "Asks for an ice cream of one flavor."},
             {"arguments", {{{"name", "flavor"}, {"description", "The flavor"}, {"required", true}}}}},
            [](const Json& args, Call&) {
                const std::string flavor = args.value("flavor", std::string());
                if (flavor.empty())
                    throw switchboard::RpcError(SB_ERR_INVALID_PARAMS, "argument \"flavor\" is required");
                return Json{
                    {"description", "An order"},
                    {"messages",
                     {{{"role", "user"}, {"content", content::text("One " + flavor + " ice cream, please.")}}}}};
            },
            [](const Json& argument, const Json&) {
                return with_prefix({"cherry", "chocolate", "strawberry", "vanilla"},
                                   argument.value("value", std::string()));
            });
    }

    // ---- plugin HTTP routes, through the SDK's add_http_route ----

    void add_http_routes() {
        using switchboard::HttpError;
        using switchboard::HttpRequest;
        using switchboard::HttpResponse;
        add_http_route("GET", "/counter", [this](const HttpRequest& request) {
            std::lock_guard lock(counter_mutex_);
            if (request.query_value("format") == "text")
                return HttpResponse::text(std::to_string(counter_), "text/plain");
            return HttpResponse::json({{"counter", counter_}});
        });
        add_http_route("POST", "/echo/{word}", [](const HttpRequest& request) {
            const Json body = request.json();
            if (!body.is_object()) throw HttpError(422, "the body must be a JSON object");
            return HttpResponse::json({{"word", request.params.value("word", "")}, {"body", body}}, 201);
        });
        add_stream_routes();
    }

    // ---- streamed HTTP answers, through add_http_stream_route ----

    // GET /ticks?count=N&interval_ms=M&pad=B: an SSE stream of N "tick" events (0: until the
    // client leaves), M ms apart, each padded with B bytes; then the stream ends. GET
    // /stream-stats tells what the streams saw: how many began, were closed under them (the
    // client left, stopped reading, or the server stopped) and ended.
    void add_stream_routes() {
        using switchboard::HttpError;
        using switchboard::HttpRequest;
        using switchboard::HttpResponse;
        using switchboard::HttpStreamPtr;
        add_http_stream_route("GET", "/ticks", [this](const HttpRequest& request, HttpStreamPtr stream) {
            auto number = [&](const char* name, int fallback, int high) {
                const std::string text = request.query_value(name, std::to_string(fallback));
                int value = -1;
                try {
                    value = std::stoi(text);
                } catch (const std::exception&) {
                }
                if (value < 0 || value > high)
                    throw HttpError(400, std::string(name) + " must be an integer from 0 to " + std::to_string(high));
                return value;
            };
            const int count = number("count", 3, 1000000);
            const int interval_ms = number("interval_ms", 10, 60000);
            const int pad = number("pad", 0, 1 << 20);
            stream->on_closed([this] {
                std::lock_guard lock(streams_mutex_);
                ++streams_closed_;
                streams_changed_.notify_all();
            });
            if (!stream->begin(200, "", {{"X-Probe", "ticks"}})) return;
            std::lock_guard lock(streams_mutex_);
            ++streams_begun_;
            tickers_.emplace_back([this, stream, count, interval_ms, pad] { tick(stream, count, interval_ms, pad); });
        });
        add_http_route("GET", "/stream-stats", [this](const HttpRequest&) {
            std::lock_guard lock(streams_mutex_);
            return HttpResponse::json({{"begun", streams_begun_},
                                       {"closed", streams_closed_},
                                       {"ended", streams_ended_},
                                       {"events", events_sent_}});
        });
    }

    void tick(const switchboard::HttpStreamPtr& stream, int count, int interval_ms, int pad) {
        const std::string padding(static_cast<size_t>(pad), 'x');
        for (int n = 1; count == 0 || n <= count; ++n) {
            {
                std::unique_lock lock(streams_mutex_);
                streams_changed_.wait_for(lock, std::chrono::milliseconds(interval_ms),
                                          [&] { return stopping_ || stream->closed(); });
                if (stopping_ || stream->closed()) break;
            }
            const Json data = {{"n", n}, {"pad", padding}};
            if (!stream->send_event(std::to_string(n), "tick", data.dump())) break;
            std::lock_guard lock(streams_mutex_);
            ++events_sent_;
        }
        stream->end();
        std::lock_guard lock(streams_mutex_);
        ++streams_ended_;
    }

    void stop_tickers() {
        std::vector<std::thread> tickers;
        {
            std::lock_guard lock(streams_mutex_);
            stopping_ = true;
            streams_changed_.notify_all();
            tickers.swap(tickers_);
        }
        for (auto& ticker : tickers) ticker.join();
    }

    SlowStats slow_;
    EventLog events_;
    uint64_t events_subscription_ = 0;

    std::mutex dynamic_mutex_;
    std::set<std::string> dynamic_;  // tools added by probe_add_tool; guarded by dynamic_mutex_

    std::mutex counter_mutex_;
    int counter_ = 0;  // guarded by counter_mutex_

    std::mutex streams_mutex_;
    std::condition_variable streams_changed_;
    std::vector<std::thread> tickers_;  // guarded by streams_mutex_
    bool stopping_ = false;             // guarded by streams_mutex_
    int streams_begun_ = 0;             // guarded by streams_mutex_
    int streams_closed_ = 0;            // guarded by streams_mutex_
    int streams_ended_ = 0;             // guarded by streams_mutex_
    int events_sent_ = 0;               // guarded by streams_mutex_
};

}  // namespace

SWITCHBOARD_PLUGIN(InteropProbe, "Interop probe", "1.0.0",
                   "Test-only tools for the TypeScript SDK interop suite: progress, cancellation, logging, "
                   "structured output, list changes, sampling with tools and plugin-to-plugin calls.")
