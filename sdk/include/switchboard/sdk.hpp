// switchboard/sdk.hpp: the C++ layer over plugin.h. Header-only; needs nlohmann_json.
//
// A plugin author derives from switchboard::Plugin, registers tools, resources, prompts and
// completions in the constructor, and exports the class with SWITCHBOARD_PLUGIN. Handlers are
// ordinary C++: JSON in, JSON out, exceptions allowed. The SDK turns an exception into an
// `isError` tool result (or a JSON-RPC error for the other methods), so none crosses the C ABI.
//
//   class Hello : public switchboard::Plugin {
//    public:
//     explicit Hello(const sb_host_api* api) : Plugin(api) {
//       add_tool(switchboard::Tool("hello_greet", "Greets someone by name.")
//                    .input_schema({{"type", "object"}, ...}),
//                [](const switchboard::Json& args, switchboard::Call&) {
//                  return switchboard::ToolResult::text("Hello, " + args.at("name").get<std::string>());
//                });
//     }
//   };
//   SWITCHBOARD_PLUGIN(Hello, "Hello", "1.0.0", "Greets people.")
//
// Threads: a synchronous handler runs on the host's blocking pool, so it may do disk or network
// work and may wait on the client (Call::sample, Call::elicit). An async handler runs on the
// host I/O thread that read the request, must not block, and ends the call later with Call::respond.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchboard/ext/catalog.h"
#include "switchboard/ext/http.h"
#include "switchboard/plugin.h"
#include "switchboard/uri_template.hpp"

namespace switchboard {

using Json = nlohmann::json;

inline sb_str to_sb(std::string_view text) { return sb_str{text.data(), text.size()}; }
inline std::string_view from_sb(sb_str text) {
    return text.size == 0 ? std::string_view{} : std::string_view(text.data, text.size);
}

enum class LogLevel {
    debug = SB_LOG_DEBUG,
    info = SB_LOG_INFO,
    notice = SB_LOG_NOTICE,
    warning = SB_LOG_WARNING,
    error = SB_LOG_ERROR,
    critical = SB_LOG_CRITICAL,
    alert = SB_LOG_ALERT,
    emergency = SB_LOG_EMERGENCY
};

// Thrown by a tool handler: the message becomes the text of an `isError` result, as is.
class ToolError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// Thrown by any handler to answer with a specific JSON-RPC error.
class RpcError : public std::runtime_error {
 public:
    RpcError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }

 private:
    int code_;
};

// The outcome of something asynchronous: a result, or a JSON-RPC error object.
struct Reply {
    bool ok = false;
    Json value;  // the result when ok, otherwise {"code", "message", "data"?}
    std::string error_message() const {
        return ok ? std::string() : value.value("message", std::string("unknown error"));
    }
};

// ---- content and result builders ---------------------------------------------------------

namespace content {
inline Json text(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }
inline Json image(std::string base64, std::string mime_type) {
    return {{"type", "image"}, {"data", std::move(base64)}, {"mimeType", std::move(mime_type)}};
}
inline Json audio(std::string base64, std::string mime_type) {
    return {{"type", "audio"}, {"data", std::move(base64)}, {"mimeType", std::move(mime_type)}};
}
inline Json resource_link(std::string uri, std::string name, std::string mime_type = {}) {
    Json link = {{"type", "resource_link"}, {"uri", std::move(uri)}, {"name", std::move(name)}};
    if (!mime_type.empty()) link["mimeType"] = std::move(mime_type);
    return link;
}
inline Json embedded_text(std::string uri, std::string mime_type, std::string text) {
    return {{"type", "resource"},
            {"resource", {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"text", std::move(text)}}}};
}
inline Json embedded_blob(std::string uri, std::string mime_type, std::string base64) {
    return {{"type", "resource"},
            {"resource", {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"blob", std::move(base64)}}}};
}
}  // namespace content

// A CallToolResult under construction.
class ToolResult {
 public:
    static ToolResult text(std::string text) { return ToolResult().add(content::text(std::move(text))); }
    static ToolResult error(std::string message) {
        ToolResult result = text(std::move(message));
        result.is_error_ = true;
        return result;
    }
    // structuredContent, mirrored as JSON text in `content` for clients that read only text.
    static ToolResult structured(Json value) {
        ToolResult result = text(value.dump());
        result.structured_ = std::move(value);
        return result;
    }

    ToolResult& add(Json content_item) {
        content_.push_back(std::move(content_item));
        return *this;
    }
    ToolResult& meta(Json meta) {
        meta_ = std::move(meta);
        return *this;
    }

    Json to_json() const {
        Json result = {{"content", content_}};
        if (structured_) result["structuredContent"] = *structured_;
        if (is_error_) result["isError"] = true;
        if (!meta_.is_null()) result["_meta"] = meta_;
        return result;
    }

 private:
    Json content_ = Json::array();
    std::optional<Json> structured_;
    Json meta_;
    bool is_error_ = false;
};

// A Tool definition (the MCP `Tool` object) with a fluent builder.
class Tool {
 public:
    Tool(std::string name, std::string description)
        : json_{{"name", std::move(name)},
                {"description", std::move(description)},
                {"inputSchema", {{"type", "object"}}}} {}
    Tool& title(std::string title) { return set("title", std::move(title)); }
    Tool& input_schema(Json schema) { return set("inputSchema", std::move(schema)); }
    Tool& output_schema(Json schema) { return set("outputSchema", std::move(schema)); }
    Tool& annotations(Json annotations) { return set("annotations", std::move(annotations)); }
    Tool& icons(Json icons) { return set("icons", std::move(icons)); }
    Tool& set(const std::string& key, Json value) {
        json_[key] = std::move(value);
        return *this;
    }
    const std::string name() const { return json_.at("name").get<std::string>(); }
    const Json& json() const { return json_; }

 private:
    Json json_;
};

// ---- one in-flight request -------------------------------------------------------------------

// The request a handler serves: progress, logging, cancellation, client requests, the answer.
// Shared by the SDK and by async handlers; ends exactly once.
class Call {
 public:
    Call(const sb_host_api* api, sb_request* request) : api_(api), request_(request) {}
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    ~Call() {
        if (!ended_.exchange(true)) {
            const std::string message = "the plugin dropped the request without answering";
            api_->respond_error(request_, SB_ERR_INTERNAL, to_sb(message));
        }
    }

    // {"method", "session", "protocolVersion", "clientInfo", "clientCapabilities", "meta"}
    Json info() const { return Json::parse(from_sb(api_->request_info(request_))); }
    bool cancelled() const { return ended_ || api_->is_cancelled(request_) != 0; }

    void progress(double progress, double total = -1, std::string_view message = {}) {
        if (!ended_) api_->progress(request_, progress, total, to_sb(message));
    }
    void log(LogLevel level, const Json& data, std::string_view logger = {}) {
        if (ended_) return;
        const std::string text = data.dump();
        api_->log_message(request_, static_cast<sb_log_level>(level), to_sb(logger), to_sb(text));
    }

    // Sends a request to the client; `done` runs on an executor thread.
    void client_request(std::string_view method, const Json& params, std::function<void(Reply)> done) {
        auto* box = new std::function<void(Reply)>(std::move(done));
        const std::string text = params.dump();
        api_->client_request(request_, to_sb(method), to_sb(text), &Call::deliver_reply, box);
    }
    // Blocking form, for synchronous handlers (which run on the blocking pool).
    Reply client_request_wait(std::string_view method, const Json& params) {
        auto waiter = std::make_shared<Waiter>();
        client_request(method, params, [waiter](Reply reply) { waiter->set(std::move(reply)); });
        return waiter->wait();
    }
    // sampling/createMessage; throws ToolError when the client refuses or cannot sample.
    Json sample(const Json& params) { return expect(client_request_wait("sampling/createMessage", params)); }
    // elicitation/create; returns {"action", "content"?}.
    Json elicit(const Json& params) { return expect(client_request_wait("elicitation/create", params)); }
    // roots/list; returns {"roots": [...]}.
    Json roots() { return expect(client_request_wait("roots/list", Json::object())); }

    void respond(const Json& result) {
        if (ended_.exchange(true)) return;
        const std::string text = result.dump();
        api_->respond(request_, to_sb(text));
    }
    // The same with the result already serialized, for an answer too large to build as a tree.
    void respond_serialized(std::string_view result_json) {
        if (ended_.exchange(true)) return;
        api_->respond(request_, to_sb(result_json));
    }
    void respond_error(int code, std::string_view message) {
        if (ended_.exchange(true)) return;
        api_->respond_error(request_, code, to_sb(message));
    }
    bool ended() const { return ended_; }

    // Over Streamable HTTP, closes the stream carrying this call now; the client resumes and
    // receives the rest. Lets a long call release its connection. Does nothing elsewhere.
    void close_stream() {
        const auto* http = static_cast<const sb_http_service*>(api_->get_service(api_->host, SB_HTTP_SERVICE_ID));
        if (http != nullptr && !ended_) http->close_request_stream(request_);
    }

 private:
    struct Waiter {
        std::mutex mutex;
        std::condition_variable ready;
        std::optional<Reply> reply;
        void set(Reply value) {
            std::lock_guard lock(mutex);
            reply = std::move(value);
            ready.notify_all();
        }
        Reply wait() {
            std::unique_lock lock(mutex);
            ready.wait(lock, [this] { return reply.has_value(); });
            return std::move(*reply);
        }
    };

    static Json expect(Reply reply) {
        if (!reply.ok) throw ToolError(reply.error_message());
        return std::move(reply.value);
    }
    static void deliver_reply(void* user, int ok, sb_str json) {
        std::unique_ptr<std::function<void(Reply)>> done(static_cast<std::function<void(Reply)>*>(user));
        Reply reply;
        reply.ok = ok != 0;
        try {
            reply.value = Json::parse(from_sb(json));
        } catch (const std::exception& e) {
            reply.ok = false;
            reply.value = {{"code", SB_ERR_INTERNAL}, {"message", e.what()}};
        }
        try {
            (*done)(std::move(reply));
        } catch (...) {  // nothing may escape into the host
        }
    }

    const sb_host_api* api_;
    sb_request* request_;
    std::atomic<bool> ended_{false};
};

using CallPtr = std::shared_ptr<Call>;

// Handler signatures.
using ToolHandler = std::function<ToolResult(const Json& arguments, Call& call)>;
using AsyncToolHandler = std::function<void(const Json& arguments, CallPtr call)>;
// Returns one `contents` item or an array of them.
using ResourceReader = std::function<Json(const std::string& uri, Call& call)>;
using TemplateReader = std::function<Json(const std::string& uri, const UriVariables& variables, Call& call)>;
// Returns a GetPromptResult: {"messages": [...], "description"?}.
using PromptHandler = std::function<Json(const Json& arguments, Call& call)>;
// Returns candidate values for `argument` {"name", "value"}; `context` is {"arguments"?: {...}}.
using Completer = std::function<std::vector<std::string>(const Json& argument, const Json& context)>;

// ---- HTTP routes (switchboard.http/1) -----------------------------------------------------

// One request to a plugin route under /api/v1/<plugin-id>/.
struct HttpRequest {
    std::string method;
    std::string path;  // relative to /api/v1/<plugin-id>
    Json query;        // {name: value} from the query string
    Json params;       // {name: value} from the route's {name} segments
    Json headers;      // {lower-case name: value}
    std::string body;

    // The body parsed as JSON; throws HttpError(400) when it is not.
    Json json() const;
    // A query parameter, or `fallback` when absent.
    std::string query_value(const std::string& name, const std::string& fallback = {}) const {
        return query.is_object() ? query.value(name, fallback) : fallback;
    }
};

struct HttpResponse {
    int status = 200;
    std::string content_type;  // empty means application/json
    std::string body;

    static HttpResponse json(const Json& value, int status = 200) { return {status, {}, value.dump()}; }
    static HttpResponse text(std::string body, std::string content_type, int status = 200) {
        return {status, std::move(content_type), std::move(body)};
    }
};

// Thrown by a route handler: answers with `status` and {"error": message}.
class HttpError : public std::runtime_error {
 public:
    HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

 private:
    int status_;
};

inline Json HttpRequest::json() const {
    if (body.empty()) return Json::object();
    try {
        return Json::parse(body);
    } catch (const std::exception& e) {
        throw HttpError(400, std::string("the body is not valid JSON: ") + e.what());
    }
}

// Runs on the host's blocking pool, so it may use disk or a database.
using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;

// One SSE event in wire format: `id:` and `event:` when not empty, one `data:` line per line of
// `data`, and the blank line that ends the event. Throws std::invalid_argument when `id` or
// `event` holds a line break.
inline std::string format_sse_event(std::string_view id, std::string_view event, std::string_view data) {
    if (id.find_first_of("\r\n") != std::string_view::npos || event.find_first_of("\r\n") != std::string_view::npos)
        throw std::invalid_argument("an SSE event id or type must not contain a line break");
    std::string out;
    out.reserve(data.size() + id.size() + event.size() + 24);
    if (!id.empty()) out.append("id: ").append(id).append("\n");
    if (!event.empty()) out.append("event: ").append(event).append("\n");
    size_t start = 0;
    for (;;) {
        const size_t end = data.find_first_of("\r\n", start);
        out.append("data: ").append(data.substr(start, end - start)).append("\n");
        if (end == std::string_view::npos) break;
        start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
    return out.append("\n");
}

// A streamed answer to one HTTP request (switchboard.http/1 http_stream_*), typically Server-Sent
// Events. A stream route's handler gets one; it either answers whole with respond() (an error,
// say) or calls begin() and then writes as long as it likes, from any thread, keeping the
// HttpStreamPtr. The request ends with end() or when the last HttpStreamPtr goes away.
//
//   add_http_stream_route("GET", "/ticks", [this](const HttpRequest&, HttpStreamPtr stream) {
//       stream->on_closed([this] { wake_writer(); });  // the client left or the server stops
//       if (!stream->begin()) return;                   // 200 text/event-stream
//       keep(stream);                                   // write later: stream->send_event(...)
//   });
//
// Writes never block: a client that stops reading is dropped by the host once its write queue
// passes http.max_pending_write_bytes, and then closed() turns true and on_closed runs.
class HttpStream {
 public:
    HttpStream(const sb_http_service* service, sb_http_request* request) : service_(service), request_(request) {}
    HttpStream(const HttpStream&) = delete;
    HttpStream& operator=(const HttpStream&) = delete;
    ~HttpStream() { end(); }

    // Whether the host can stream (an older host cannot; begin() then answers 501).
    bool supported() const { return SB_HTTP_SERVICE_HAS(service_, http_stream_end); }

    // `fn` runs once when the stream can no longer reach its client (it left, stopped reading, or
    // the server is stopping), on any thread; it must not block. Set it before begin().
    void on_closed(std::function<void()> fn) {
        std::lock_guard lock(callback_mutex_);
        on_closed_ = std::move(fn);
    }

    // Sends the status and headers (`headers`: {"Name": "value"}); the body follows. An empty
    // content type means text/event-stream (with Cache-Control: no-cache). Returns false when the
    // stream did not begin: already answered, the host cannot stream (the client gets a 501), or
    // the server is stopping.
    bool begin(int status = 200, std::string_view content_type = {}, const Json& headers = Json::object()) {
        std::lock_guard lock(write_mutex_);
        if (answered_ || ended_) return false;
        answered_ = true;
        if (!supported()) {
            const std::string body = Json{{"error", "this host cannot stream HTTP responses"}}.dump();
            service_->http_respond(request_, 501, {}, to_sb(body));
            ended_ = true;
            return false;
        }
        const std::string fields = headers.empty() ? std::string() : headers.dump();
        if (service_->http_stream_begin(request_, status, to_sb(content_type), to_sb(fields), &closed_trampoline,
                                        this) == 1)
            return true;
        closed_ = true;
        return false;
    }

    // Answers with a whole response instead of a stream; only before begin().
    void respond(const HttpResponse& response) {
        std::lock_guard lock(write_mutex_);
        if (answered_ || ended_) return;
        answered_ = true;
        ended_ = true;
        service_->http_respond(request_, response.status, to_sb(response.content_type), to_sb(response.body));
    }

    // Queues bytes of the body. False once the stream is closed (or not begun): stop writing.
    bool write(std::string_view bytes) {
        std::lock_guard lock(write_mutex_);
        if (!answered_ || ended_ || closed_) return false;
        if (service_->http_stream_write(request_, to_sb(bytes)) == 1) return true;
        closed_ = true;
        return false;
    }
    // One SSE event (see format_sse_event).
    bool send_event(std::string_view id, std::string_view event, std::string_view data) {
        return write(format_sse_event(id, event, data));
    }
    // An SSE comment: keeps proxies from cutting a quiet stream.
    bool send_comment(std::string_view text) {
        std::string line = ": ";
        for (char c : text) line += (c == '\r' || c == '\n') ? ' ' : c;
        return write(line.append("\n\n"));
    }

    // The client can no longer be reached; writes fail from now on.
    bool closed() const { return closed_; }

    // Ends the body and the request; what was never answered gets a 500. Idempotent.
    void end() {
        {
            std::lock_guard lock(write_mutex_);
            if (ended_) return;
            ended_ = true;
        }
        // Outside write_mutex_: the host waits here for a running on_closed, which may write.
        if (supported()) {
            service_->http_stream_end(request_);
        } else {
            const std::string body = Json{{"error", "the plugin ended the request without answering"}}.dump();
            service_->http_respond(request_, 500, {}, to_sb(body));
        }
    }

 private:
    static void closed_trampoline(void* user) {
        auto* self = static_cast<HttpStream*>(user);
        self->closed_ = true;
        std::function<void()> fn;
        {
            std::lock_guard lock(self->callback_mutex_);
            fn = std::move(self->on_closed_);
        }
        try {
            if (fn) fn();
        } catch (...) {  // nothing may escape into the host
        }
    }

    const sb_http_service* service_;
    sb_http_request* request_;
    std::atomic<bool> closed_{false};
    std::mutex write_mutex_;
    bool answered_ = false;  // guarded by write_mutex_
    bool ended_ = false;     // guarded by write_mutex_
    std::mutex callback_mutex_;
    std::function<void()> on_closed_;  // guarded by callback_mutex_
};
using HttpStreamPtr = std::shared_ptr<HttpStream>;

// Runs on the host's blocking pool. Throwing HttpError before begin() answers with its status.
using HttpStreamHandler = std::function<void(const HttpRequest& request, HttpStreamPtr stream)>;

// ---- the plugin base class ---------------------------------------------------------------

class Plugin {
 public:
    explicit Plugin(const sb_host_api* api) : api_(api), config_(Json::parse(from_sb(api->config_json))) {}
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;
    virtual ~Plugin() { unsubscribe_all(); }

    // Ends every event subscription; no handler runs after it returns. The SDK calls it before the
    // derived class is destroyed, so handlers never see its members half gone.
    void unsubscribe_all() {
        std::vector<uint64_t> ids;
        {
            std::lock_guard lock(subscriptions_mutex_);
            for (const auto& entry : subscriptions_) ids.push_back(entry.first);
        }
        for (uint64_t id : ids) unsubscribe(id);
    }

    // ---- where the plugin is ----
    std::string id() const { return std::string(from_sb(api_->plugin_id)); }
    std::string data_dir() const { return std::string(from_sb(api_->data_dir)); }
    const Json& config() const { return config_; }
    const sb_host_api* api() const { return api_; }

    void log(LogLevel level, std::string_view message) const {
        api_->log(api_->host, static_cast<sb_log_level>(level), to_sb(message));
    }

    // ---- what the plugin offers ----
    void add_tool(const Tool& tool, ToolHandler handler) {
        register_tool(tool, Handlers::Tool{std::move(handler), {}});
    }
    void add_async_tool(const Tool& tool, AsyncToolHandler handler) {
        register_tool(tool, Handlers::Tool{{}, std::move(handler)});
    }
    void remove_tool(const std::string& name) {
        api_->remove_tool(api_->host, to_sb(name));
        std::unique_lock lock(handlers_mutex_);
        handlers_.tools.erase(name);
    }
    void add_resource(const Json& resource, ResourceReader reader) {
        const std::string uri = resource.at("uri").get<std::string>();
        offer(handlers_.resources, uri, std::move(reader), api_->add_resource, resource, "resource " + uri);
    }
    void add_resource_template(const Json& resource_template, TemplateReader reader, Completer completer = {}) {
        const std::string uri_template = resource_template.at("uriTemplate").get<std::string>();
        offer(handlers_.templates, uri_template, Handlers::Template{std::move(reader), std::move(completer)},
              api_->add_resource_template, resource_template, "resource template " + uri_template);
    }
    void add_prompt(const Json& prompt, PromptHandler handler, Completer completer = {}) {
        const std::string name = prompt.at("name").get<std::string>();
        offer(handlers_.prompts, name, Handlers::Prompt{std::move(handler), std::move(completer)}, api_->add_prompt,
              prompt, "prompt " + name);
    }
    void set_instructions(std::string_view instructions) { api_->set_instructions(api_->host, to_sb(instructions)); }
    // Tells subscribed clients that the resource at `uri` changed.
    void resource_updated(std::string_view uri) { api_->resource_updated(api_->host, to_sb(uri)); }

    // ---- executor ----
    void post(std::function<void()> task) {
        api_->post(api_->host, &run_task, new std::function<void()>(std::move(task)));
    }
    void post_blocking(std::function<void()> task) {
        api_->post_blocking(api_->host, &run_task, new std::function<void()>(std::move(task)));
    }

    // ---- event bus ----
    using EventHandler = std::function<void(std::string_view topic, const Json& payload)>;
    uint64_t subscribe(std::string_view pattern, EventHandler handler) {
        auto box = std::make_unique<EventHandler>(std::move(handler));
        EventHandler* raw = box.get();
        std::lock_guard lock(subscriptions_mutex_);
        const uint64_t id = api_->subscribe(api_->host, to_sb(pattern), &deliver_event, raw);
        subscriptions_.emplace(id, std::move(box));
        return id;
    }
    // The payload as JSON text, unparsed. With Delivery::inline_ the handler runs on the
    // publisher's thread (sb_host_api.subscribe_inline): it must only copy what it needs and
    // return. A host older than ABI 1.1 delivers on the executor instead.
    enum class Delivery { executor, inline_ };
    using TextEventHandler = std::function<void(std::string_view topic, std::string_view payload_json)>;
    uint64_t subscribe_text(std::string_view pattern, TextEventHandler handler, Delivery delivery) {
        auto box = std::make_unique<TextEventHandler>(std::move(handler));
        TextEventHandler* raw = box.get();
        const bool inline_offered = api_->struct_size >= offsetof(sb_host_api, subscribe_inline) + sizeof(void*) &&
                                    api_->subscribe_inline != nullptr;
        auto* subscribe_fn = delivery == Delivery::inline_ && inline_offered ? api_->subscribe_inline : api_->subscribe;
        std::lock_guard lock(subscriptions_mutex_);
        const uint64_t id = subscribe_fn(api_->host, to_sb(pattern), &deliver_text_event, raw);
        subscriptions_.emplace(id, std::move(box));
        return id;
    }
    void unsubscribe(uint64_t id) {
        api_->unsubscribe(api_->host, id);
        std::lock_guard lock(subscriptions_mutex_);
        subscriptions_.erase(id);
    }
    void publish(std::string_view topic, const Json& payload) {
        api_->publish(api_->host, to_sb(topic), to_sb(payload.dump()));
    }
    // The same with the payload already serialized: `payload_json` must be a JSON object's text.
    void publish_serialized(std::string_view topic, std::string_view payload_json) {
        api_->publish(api_->host, to_sb(topic), to_sb(payload_json));
    }

    // ---- calling other plugins' tools ----
    // Calls any routed tool; `done` runs once with its result or error. `meta` travels as the
    // call's `_meta` (an idempotency key, a progress token, ...).
    uint64_t call_tool(const std::string& name, const Json& arguments, std::function<void(Reply)> done,
                       const Json& meta = Json::object()) {
        Json params = {{"name", name}, {"arguments", arguments}};
        if (!meta.empty()) params["_meta"] = meta;
        auto* box = new std::function<void(Reply)>(std::move(done));
        return api_->call_tool(api_->host, to_sb(params.dump()), &deliver_call_reply, box);
    }
    void cancel_call(uint64_t call_id) { api_->cancel_call(api_->host, call_id); }

    // ---- optional services ----
    // The id of the plugin that serves tool `name`, or "" when none does (or the host is older
    // than the catalog service).
    std::string tool_owner(std::string_view name) const {
        const auto* catalog =
            static_cast<const sb_catalog_service*>(api_->get_service(api_->host, SB_CATALOG_SERVICE_ID));
        if (catalog == nullptr) return {};
        const sb_str owner = catalog->tool_owner(api_->host, to_sb(name));
        return owner.size == 0 ? std::string() : std::string(owner.data, owner.size);
    }

    const sb_http_service* http() const {
        return static_cast<const sb_http_service*>(api_->get_service(api_->host, SB_HTTP_SERVICE_ID));
    }

    // Serves `method` on `path` (relative to /api/v1/<plugin-id>, `{name}` segments allowed)
    // when the host runs Streamable HTTP. Call it from the constructor. Returns false when the
    // host has no HTTP service; throws when the host refuses the route.
    bool add_http_route(std::string_view method, std::string_view path, HttpHandler handler) {
        const sb_http_service* service = http();
        if (service == nullptr) return false;
        auto route = std::make_unique<HttpRoute>(HttpRoute{this, service, std::move(handler), nullptr});
        if (!service->add_route(api_->host, to_sb(method), to_sb(path), &serve_http, route.get())) {
            throw std::runtime_error("HTTP route " + std::string(method) + " " + std::string(path) +
                                     " refused: " + std::string(from_sb(api_->last_error(api_->host))));
        }
        std::lock_guard lock(subscriptions_mutex_);
        http_routes_.push_back(std::move(route));
        return true;
    }

    // Like add_http_route, for a handler that may stream its answer (Server-Sent Events, say)
    // through the HttpStream it gets. Returns false when the host has no HTTP service.
    bool add_http_stream_route(std::string_view method, std::string_view path, HttpStreamHandler handler) {
        const sb_http_service* service = http();
        if (service == nullptr) return false;
        auto route = std::make_unique<HttpRoute>(HttpRoute{this, service, nullptr, std::move(handler)});
        if (!service->add_route(api_->host, to_sb(method), to_sb(path), &serve_http_stream, route.get())) {
            throw std::runtime_error("HTTP route " + std::string(method) + " " + std::string(path) +
                                     " refused: " + std::string(from_sb(api_->last_error(api_->host))));
        }
        std::lock_guard lock(subscriptions_mutex_);
        http_routes_.push_back(std::move(route));
        return true;
    }

    // Entry point for the C trampoline; routes one request to its handler.
    void dispatch(sb_request* request, std::string_view method, std::string_view params_text) {
        auto call = std::make_shared<Call>(api_, request);
        Json params;
        try {
            params = Json::parse(params_text);
        } catch (const std::exception& e) {
            call->respond_error(SB_ERR_INVALID_PARAMS, std::string("params are not valid JSON: ") + e.what());
            return;
        }
        if (method == "tools/call") return dispatch_tool(params, std::move(call));
        // The other methods run their (synchronous) handler on the blocking pool.
        post_blocking([this, method = std::string(method), params = std::move(params), call]() {
            try {
                call->respond(dispatch_other(method, params, *call));
            } catch (const RpcError& e) {
                call->respond_error(e.code(), e.what());
            } catch (const std::exception& e) {
                call->respond_error(SB_ERR_INTERNAL, e.what());
            }
        });
    }

 private:
    struct Handlers {
        struct Tool {
            ToolHandler sync;
            AsyncToolHandler async;
        };
        struct Template {
            TemplateReader reader;
            Completer completer;
        };
        struct Prompt {
            PromptHandler handler;
            Completer completer;
        };
        std::map<std::string, Tool, std::less<>> tools;
        std::map<std::string, ResourceReader, std::less<>> resources;
        std::map<std::string, Template, std::less<>> templates;
        std::map<std::string, Prompt, std::less<>> prompts;
    };

    // Offers `item` to the host through `add`, with `handler` in place first so a request that
    // arrives as soon as the host accepts finds it. A refused offer leaves the handlers as they
    // were: a name this plugin already serves keeps its handler.
    template <typename Map, typename Handler>
    void offer(Map& handlers, const std::string& key, Handler handler, int (*add)(sb_host*, sb_str), const Json& item,
               const std::string& what) {
        bool inserted = false;
        {
            std::unique_lock lock(handlers_mutex_);
            inserted = handlers.try_emplace(key, std::move(handler)).second;  // leaves `handler` alone if not
        }
        if (add(api_->host, to_sb(item.dump()))) {
            if (inserted) return;
            std::unique_lock lock(handlers_mutex_);
            handlers[key] = std::move(handler);
            return;
        }
        const std::string reason(from_sb(api_->last_error(api_->host)));
        if (inserted) {
            std::unique_lock lock(handlers_mutex_);
            handlers.erase(key);
        }
        throw std::runtime_error(what + " refused: " + reason);
    }

    void register_tool(const Tool& tool, Handlers::Tool handler) {
        const std::string name = tool.name();
        offer(handlers_.tools, name, std::move(handler), api_->add_tool, tool.json(), "tool " + name);
    }

    void dispatch_tool(const Json& params, CallPtr call) {
        const std::string name = params.value("name", std::string());
        Json arguments = params.value("arguments", Json::object());
        Handlers::Tool handler;
        {
            std::shared_lock lock(handlers_mutex_);
            auto found = handlers_.tools.find(name);
            if (found == handlers_.tools.end()) {
                call->respond_error(SB_ERR_INVALID_PARAMS, "Unknown tool: " + name);
                return;
            }
            handler = found->second;
        }
        if (handler.async) {
            try {
                handler.async(arguments, call);
            } catch (const std::exception& e) {
                call->respond(tool_failure(name, e).to_json());
            }
            return;
        }
        post_blocking([name, arguments = std::move(arguments), sync = std::move(handler.sync), call]() {
            try {
                call->respond(sync(arguments, *call).to_json());
            } catch (const std::exception& e) {
                call->respond(tool_failure(name, e).to_json());
            }
        });
    }

    static ToolResult tool_failure(const std::string& tool, const std::exception& e) {
        if (dynamic_cast<const ToolError*>(&e) != nullptr) return ToolResult::error(e.what());
        if (dynamic_cast<const nlohmann::json::exception*>(&e) != nullptr)
            return ToolResult::error("invalid arguments for " + tool + ": " + e.what());
        return ToolResult::error(tool + " failed: " + e.what());
    }

    Json dispatch_other(const std::string& method, const Json& params, Call& call) {
        if (method == "resources/read") return read_resource(params.at("uri").get<std::string>(), call);
        if (method == "prompts/get") return get_prompt(params, call);
        if (method == "completion/complete") return complete(params);
        throw RpcError(SB_ERR_METHOD_NOT_FOUND, "method not handled by plugin: " + method);
    }

    Json read_resource(const std::string& uri, Call& call) {
        ResourceReader reader;
        Handlers::Template by_template;
        UriVariables variables;
        {
            std::shared_lock lock(handlers_mutex_);
            if (auto found = handlers_.resources.find(uri); found != handlers_.resources.end()) {
                reader = found->second;
            } else {
                for (const auto& [uri_template, entry] : handlers_.templates) {
                    if (auto matched = match_uri_template(uri_template, uri)) {
                        variables = std::move(*matched);
                        by_template = entry;
                        break;
                    }
                }
            }
        }
        Json contents;
        if (reader) {
            contents = reader(uri, call);
        } else if (by_template.reader) {
            contents = by_template.reader(uri, variables, call);
        } else {
            throw RpcError(SB_ERR_RESOURCE_NOT_FOUND, "Resource not found: " + uri);
        }
        if (!contents.is_array()) contents = Json::array({contents});
        return {{"contents", contents}};
    }

    Json get_prompt(const Json& params, Call& call) {
        const std::string name = params.at("name").get<std::string>();
        PromptHandler handler;
        {
            std::shared_lock lock(handlers_mutex_);
            auto found = handlers_.prompts.find(name);
            if (found == handlers_.prompts.end()) throw RpcError(SB_ERR_INVALID_PARAMS, "Unknown prompt: " + name);
            handler = found->second.handler;
        }
        return handler(params.value("arguments", Json::object()), call);
    }

    Json complete(const Json& params) {
        const Json& ref = params.at("ref");
        Completer completer;
        {
            std::shared_lock lock(handlers_mutex_);
            if (ref.value("type", "") == "ref/prompt") {
                auto found = handlers_.prompts.find(ref.value("name", ""));
                if (found != handlers_.prompts.end()) completer = found->second.completer;
            } else {
                auto found = handlers_.templates.find(ref.value("uri", ""));
                if (found != handlers_.templates.end()) completer = found->second.completer;
            }
        }
        std::vector<std::string> values;
        if (completer) values = completer(params.at("argument"), params.value("context", Json::object()));
        const size_t total = values.size();
        if (values.size() > 100) values.resize(100);  // MCP caps a completion at 100 values
        return {{"completion", {{"values", values}, {"total", total}, {"hasMore", total > values.size()}}}};
    }

    struct HttpRoute {
        Plugin* plugin;
        const sb_http_service* service;
        HttpHandler handler;
        HttpStreamHandler stream_handler;
    };

    static HttpRequest read_http_request(const sb_http_service* service, sb_http_request* raw) {
        const Json info = Json::parse(from_sb(service->http_request_info(raw)));
        return HttpRequest{info.value("method", ""),
                           info.value("path", ""),
                           info.value("query", Json::object()),
                           info.value("params", Json::object()),
                           info.value("headers", Json::object()),
                           std::string(from_sb(service->http_body(raw)))};
    }

    static void serve_http_stream(void* user, sb_http_request* raw) {
        auto* route = static_cast<HttpRoute*>(user);
        route->plugin->post_blocking([route, raw]() {
            auto stream = std::make_shared<HttpStream>(route->service, raw);
            try {
                route->stream_handler(read_http_request(route->service, raw), stream);
            } catch (const HttpError& e) {
                stream->respond(HttpResponse::json({{"error", e.what()}}, e.status()));
            } catch (const nlohmann::json::exception& e) {
                stream->respond(HttpResponse::json({{"error", std::string("invalid request: ") + e.what()}}, 400));
            } catch (const std::exception& e) {
                stream->respond(HttpResponse::json({{"error", e.what()}}, 500));
            }
            // A stream the handler did not keep ends here (a 500 if it was never answered).
        });
    }

    static void serve_http(void* user, sb_http_request* raw) {
        auto* route = static_cast<HttpRoute*>(user);
        route->plugin->post_blocking([route, raw]() {
            HttpResponse response;
            try {
                response = route->handler(read_http_request(route->service, raw));
            } catch (const HttpError& e) {
                response = HttpResponse::json({{"error", e.what()}}, e.status());
            } catch (const nlohmann::json::exception& e) {
                response = HttpResponse::json({{"error", std::string("invalid request: ") + e.what()}}, 400);
            } catch (const std::exception& e) {
                response = HttpResponse::json({{"error", e.what()}}, 500);
            }
            route->service->http_respond(raw, response.status, to_sb(response.content_type), to_sb(response.body));
        });
    }

    static void run_task(void* user) {
        std::unique_ptr<std::function<void()>> task(static_cast<std::function<void()>*>(user));
        try {
            (*task)();
        } catch (...) {  // nothing may escape into the host
        }
    }
    static void deliver_event(void* user, sb_str topic, sb_str payload) {
        try {
            (*static_cast<EventHandler*>(user))(from_sb(topic), Json::parse(from_sb(payload)));
        } catch (...) {
        }
    }
    static void deliver_text_event(void* user, sb_str topic, sb_str payload) {
        try {
            (*static_cast<TextEventHandler*>(user))(from_sb(topic), from_sb(payload));
        } catch (...) {
        }
    }
    static void deliver_call_reply(void* user, int ok, sb_str json) {
        std::unique_ptr<std::function<void(Reply)>> done(static_cast<std::function<void(Reply)>*>(user));
        try {
            (*done)(Reply{ok != 0, Json::parse(from_sb(json))});
        } catch (...) {
        }
    }

    const sb_host_api* api_;
    Json config_;

    mutable std::shared_mutex handlers_mutex_;
    Handlers handlers_;  // guarded by handlers_mutex_

    std::mutex subscriptions_mutex_;
    // The handler each subscription's `user` points to: an EventHandler or a TextEventHandler.
    std::map<uint64_t, std::shared_ptr<void>> subscriptions_;  // guarded by subscriptions_mutex_
    std::vector<std::unique_ptr<HttpRoute>> http_routes_;      // guarded by subscriptions_mutex_
};

namespace detail {

template <typename PluginClass>
void* create(const sb_host_api* api) {
    try {
        return static_cast<Plugin*>(new PluginClass(api));
    } catch (const std::exception& e) {
        api->fail(api->host, to_sb(e.what()));
    } catch (...) {
        api->fail(api->host, to_sb("unknown exception in the plugin constructor"));
    }
    return nullptr;
}

inline void destroy(void* instance) {
    auto* plugin = static_cast<Plugin*>(instance);
    plugin->unsubscribe_all();
    delete plugin;
}

inline void handle(void* instance, sb_request* request, sb_str method, sb_str params) {
    try {
        static_cast<Plugin*>(instance)->dispatch(request, from_sb(method), from_sb(params));
    } catch (...) {  // dispatch answers every request itself; this only guards the boundary
    }
}

template <typename PluginClass>
constexpr sb_plugin_entry make_entry(const char* name, const char* version, const char* description) {
    return sb_plugin_entry{sizeof(sb_plugin_entry), SB_ABI_MAJOR, SB_ABI_MINOR, name,   version, description,
                           &create<PluginClass>,    &destroy,     &handle,      nullptr};
}

}  // namespace detail
}  // namespace switchboard

// Exports `PluginClass` as this library's plugin. Use once per plugin library, at file scope.
#define SWITCHBOARD_PLUGIN(PluginClass, name, version, description)       \
    extern "C" SB_EXPORT const sb_plugin_entry switchboard_plugin_entry = \
        ::switchboard::detail::make_entry<PluginClass>(name, version, description);
