// http_frontend.cpp: MCP Streamable HTTP sessions and streams, plugin routes, health.
#include "http/http_frontend.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "http/plugin_stream.hpp"
#include "http/security.hpp"
#include "http_routes.hpp"
#include "plugin_instance.hpp"
#include "server.hpp"
#include "session.hpp"
#include "version.hpp"

namespace switchboard::host::http {
namespace {

namespace bhttp = beast::http;
using nlohmann::json;

constexpr const char* session_header = "Mcp-Session-Id";
constexpr const char* version_header = "MCP-Protocol-Version";
const std::set<std::string> streamed_methods = {"tools/call", "resources/read", "prompts/get", "completion/complete"};

Response json_response(bhttp::status status, const json& body, const Request& request) {
    Response response{status, request.version()};
    response.set(bhttp::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return response;
}

Response error_response(bhttp::status status, const std::string& message, const Request& request) {
    return json_response(status, {{"error", message}}, request);
}

// A JSON-RPC error as an HTTP response body, for problems found before a session is involved.
Response rpc_error_response(bhttp::status status, int code, const std::string& message, const Request& request) {
    return json_response(
        status, {{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", code}, {"message", message}}}}, request);
}

bool accepts(const Request& request, std::string_view type) {
    const auto accept = request[bhttp::field::accept];
    return accept.empty() || accept.find(type) != std::string_view::npos ||
           accept.find("*/*") != std::string_view::npos;
}

// Visible ASCII, unguessable: 128 random bits in hex.
std::string new_session_id() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a session id");
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (unsigned char byte : bytes) {
        id += hex[byte >> 4];
        id += hex[byte & 15];
    }
    return id;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

json parse_query(std::string_view query) {
    json out = json::object();
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const size_t eq = pair.find('=');
        if (!pair.empty())
            out[percent_decode(pair.substr(0, eq))] =
                eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

}  // namespace

HttpFrontend::HttpFrontend(Server& server, const HttpSettings& settings)
    : server_(server), settings_(settings), plugin_streams_(std::make_shared<PluginStreams>()) {}

size_t HttpFrontend::session_count() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

std::optional<std::string> HttpFrontend::gate(const Request& request, Response& refusal) const {
    const auto host = request[bhttp::field::host];
    if (!host_allowed(host, settings_.allowed_hosts)) {
        refusal = error_response(bhttp::status::forbidden,
                                 "Host \"" + std::string(host) + "\" is not allowed (http.allowed_hosts)", request);
        return "host";
    }
    const auto origin = request[bhttp::field::origin];
    if (!origin_allowed(origin, settings_.allowed_origins) &&
        (settings_.cors_origins.empty() || !origin_allowed(origin, settings_.cors_origins))) {
        refusal =
            error_response(bhttp::status::forbidden,
                           "Origin \"" + std::string(origin) + "\" is not allowed (http.allowed_origins)", request);
        return "origin";
    }
    if (request.target() == "/healthz" || request.method() == bhttp::verb::options) return std::nullopt;
    if (!bearer_authorized(request[bhttp::field::authorization], settings_.bearer_token_sha256)) {
        const bool presented = !request[bhttp::field::authorization].empty();
        refusal = error_response(bhttp::status::unauthorized,
                                 presented ? "the bearer token is not valid" : "a bearer token is required", request);
        refusal.set(bhttp::field::www_authenticate, presented ? R"(Bearer realm="switchboard", error="invalid_token")"
                                                              : R"(Bearer realm="switchboard")");
        return "auth";
    }
    return std::nullopt;
}

void HttpFrontend::handle(Request request, const std::shared_ptr<HttpConnection>& connection) {
    Response refusal;
    if (gate(request, refusal)) {
        add_cors(request, refusal);
        return connection->respond(std::move(refusal));
    }
    // CORS grants go on whatever answers the request, on every route.
    Response cors;
    add_cors(request, cors);
    for (const auto& field : cors)
        connection->add_response_field(std::string(field.name_string()), std::string(field.value()));
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == settings_.endpoint) return handle_mcp(request, connection);
    if (path.rfind("/api/v1/", 0) == 0) return handle_api(request, connection);
    if (auto alias = settings_.path_aliases.find(std::string(path)); alias != settings_.path_aliases.end()) {
        request.target(alias->second + std::string(target.substr(path.size())));  // the query stays
        return handle_api(request, connection);
    }
    if (path == "/healthz" && request.method() == bhttp::verb::get) return healthz(request, connection);
    connection->respond(error_response(bhttp::status::not_found, "no such path: " + std::string(path), request));
}

void HttpFrontend::handle_mcp(Request& request, const std::shared_ptr<HttpConnection>& connection) {
    if (request.method() == bhttp::verb::options) {  // a CORS preflight; the grant is added in handle()
        Response response{bhttp::status::no_content, request.version()};
        response.keep_alive(request.keep_alive());
        response.set(bhttp::field::allow, "POST, GET, DELETE, OPTIONS");
        return connection->respond(std::move(response));
    }
    const auto version = request[version_header];
    if (!version.empty() && !is_supported_protocol_version(version)) {
        return connection->respond(error_response(bhttp::status::bad_request,
                                                  "unsupported MCP-Protocol-Version \"" + std::string(version) +
                                                      "\"; supported: 2025-11-25, 2025-06-18, 2025-03-26",
                                                  request));
    }
    switch (request.method()) {
        case bhttp::verb::post:
            return post(request, connection);
        case bhttp::verb::get:
            return get(request, connection);
        case bhttp::verb::delete_:
            return remove(request, connection);
        default: {
            Response response = error_response(bhttp::status::method_not_allowed, "use POST, GET or DELETE", request);
            response.set(bhttp::field::allow, "POST, GET, DELETE");
            return connection->respond(std::move(response));
        }
    }
}

std::optional<HttpFrontend::Entry> HttpFrontend::find_session(const Request& request,
                                                              const std::shared_ptr<HttpConnection>& connection) {
    const auto id = request[session_header];
    if (id.empty()) {
        connection->respond(error_response(
            bhttp::status::bad_request, "the Mcp-Session-Id header is required; initialize first to get one", request));
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(std::string(id));
    if (found == sessions_.end()) {
        connection->respond(error_response(bhttp::status::not_found,
                                           "session not found: it ended or expired; initialize a new one", request));
        return std::nullopt;
    }
    found->second.channel->touch();
    return found->second;
}

void HttpFrontend::post(Request& request, const std::shared_ptr<HttpConnection>& connection) {
    if (request[bhttp::field::content_type].find("application/json") == std::string_view::npos)
        return connection->respond(
            error_response(bhttp::status::unsupported_media_type, "Content-Type must be application/json", request));
    const bool sse = accepts(request, "text/event-stream");
    if (!sse && !accepts(request, "application/json"))
        return connection->respond(error_response(
            bhttp::status::not_acceptable, "Accept must include application/json and text/event-stream", request));
    const json body = json::parse(request.body(), nullptr, false);
    if (body.is_discarded())
        return connection->respond(rpc_error_response(bhttp::status::bad_request, jsonrpc::parse_error,
                                                      "Parse error: the body is not valid JSON", request));
    if (body.is_array()) return post_batch(body, request, connection);
    const jsonrpc::Message message = jsonrpc::classify(body);
    if (message.kind == jsonrpc::Kind::request && message.method == "initialize" && request[session_header].empty())
        return initialize(request.body(), sse, connection);

    auto entry = find_session(request, connection);
    if (!entry) return;
    if (message.kind == jsonrpc::Kind::invalid)
        return connection->respond(json_response(
            bhttp::status::bad_request,
            jsonrpc::error_response(message.id, jsonrpc::invalid_request, "Invalid request: " + message.problem),
            request));
    if (message.kind != jsonrpc::Kind::request) {
        entry->session->receive(request.body());
        Response accepted{bhttp::status::accepted, request.version()};
        accepted.keep_alive(request.keep_alive());
        return connection->respond(std::move(accepted));
    }

    auto id_in_use = [&] {
        connection->respond(json_response(
            bhttp::status::conflict,
            jsonrpc::error_response(message.id, jsonrpc::invalid_request,
                                    "request id " + message.id.dump() + " is already in flight in this session"),
            request));
    };
    if (sse && streamed_methods.count(message.method) != 0) {
        const auto stream = entry->channel->expect_stream(message.id);
        if (!stream) return id_in_use();
        Response head{bhttp::status::ok, request.version()};
        head.set(session_header, entry->channel->id());
        head.keep_alive(request.keep_alive());
        std::weak_ptr<HttpSession> weak = entry->channel;
        connection->start_sse(std::move(head), [weak, stream = *stream, raw = connection.get()] {
            if (auto channel = weak.lock()) channel->streams().detach(stream, raw);
        });
        entry->channel->streams().attach(*stream, connection);
    } else {
        const bool fresh = entry->channel->expect_json(
            message.id, [connection, keep = request.keep_alive(), version = request.version(),
                         id = entry->channel->id()](const json& answer) {
                Response response{bhttp::status::ok, version};
                response.set(bhttp::field::content_type, "application/json");
                response.set(session_header, id);
                response.keep_alive(keep);
                response.body() = answer.dump(-1, ' ', false, json::error_handler_t::replace);
                connection->respond(std::move(response));
            });
        if (!fresh) return id_in_use();
    }
    entry->session->receive(request.body());
}

void HttpFrontend::post_batch(const json& batch, Request& request, const std::shared_ptr<HttpConnection>& connection) {
    auto entry = find_session(request, connection);
    if (!entry) return;
    if (entry->session->protocol_version() != "2025-03-26")
        return connection->respond(rpc_error_response(bhttp::status::bad_request, jsonrpc::invalid_request,
                                                      "JSON-RPC batches are accepted only in sessions of protocol "
                                                      "2025-03-26; POST one message at a time",
                                                      request));
    if (batch.empty())
        return connection->respond(rpc_error_response(bhttp::status::bad_request, jsonrpc::invalid_request,
                                                      "an empty batch is not a valid request", request));
    // Each message goes to the session on its own; the answers to the batch's requests come back
    // together, as one JSON array, once the last one is in.
    struct Collector {
        std::mutex mutex;
        size_t outstanding = 0;
        json responses = json::array();
    };
    auto collector = std::make_shared<Collector>();
    auto answer = [connection, keep = request.keep_alive(), version = request.version(),
                   id = entry->channel->id()](const json& responses) {
        Response response{bhttp::status::ok, version};
        response.set(bhttp::field::content_type, "application/json");
        response.set(session_header, id);
        response.keep_alive(keep);
        response.body() = responses.dump(-1, ' ', false, json::error_handler_t::replace);
        connection->respond(std::move(response));
    };
    std::vector<std::string> deliver;  // after every route is in place: replies may come at once
    for (const auto& item : batch) {
        const jsonrpc::Message message = jsonrpc::classify(item);
        if (message.kind == jsonrpc::Kind::invalid) {
            collector->responses.push_back(
                jsonrpc::error_response(message.id, jsonrpc::invalid_request, "Invalid request: " + message.problem));
            continue;
        }
        if (message.kind == jsonrpc::Kind::request) {
            const bool fresh = entry->channel->expect_json(message.id, [collector, answer](const json& reply) {
                std::lock_guard reply_lock(collector->mutex);
                collector->responses.push_back(reply);
                if (--collector->outstanding == 0) answer(collector->responses);
            });
            if (!fresh) {
                collector->responses.push_back(jsonrpc::error_response(
                    message.id, jsonrpc::invalid_request,
                    "request id " + message.id.dump() + " is already in flight in this session"));
                continue;
            }
            ++collector->outstanding;
        }
        deliver.push_back(item.dump());
    }
    if (collector->outstanding == 0) {
        for (const auto& text : deliver) entry->session->receive(text);
        if (!collector->responses.empty()) return answer(collector->responses);
        Response accepted{bhttp::status::accepted, request.version()};
        accepted.keep_alive(request.keep_alive());
        return connection->respond(std::move(accepted));
    }
    for (const auto& text : deliver) entry->session->receive(text);
}

void HttpFrontend::initialize(const std::string& body, bool sse, const std::shared_ptr<HttpConnection>& connection) {
    (void)sse;  // initialize is always answered as JSON: the session id travels in its headers
    std::string id = new_session_id();
    auto channel = std::make_shared<HttpSession>(id, settings_.event_buffer, settings_.sse_retry_ms);
    auto session = std::make_shared<Session>(server_, id, channel);
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || sessions_.size() >= settings_.max_sessions) {
            Response response{bhttp::status::service_unavailable, 11};
            response.set(bhttp::field::content_type, "application/json");
            response.set(bhttp::field::retry_after, "5");
            response.body() =
                json{{"error", "too many sessions (http.max_sessions = " + std::to_string(settings_.max_sessions) +
                                   "); end idle sessions with DELETE or try again later"}}
                    .dump();
            return connection->respond(std::move(response));
        }
        sessions_.emplace(id, Entry{channel, session});
    }
    server_.add_session(session);
    const json request_id = json::parse(body).at("id");
    channel->expect_json(request_id, [connection, session, id](const json& answer) {
        Response response{bhttp::status::ok, 11};
        response.set(bhttp::field::content_type, "application/json");
        if (answer.contains("result")) response.set(session_header, id);
        response.body() = answer.dump(-1, ' ', false, json::error_handler_t::replace);
        connection->respond(std::move(response));
    });
    session->receive(body);
    if (!session->initialized()) return end_session(id);  // a refused initialize leaves no session behind
    // Priming events arrived with 2025-11-25; the negotiated version decides, not a later header.
    channel->streams().set_priming(session->protocol_version() >= std::string("2025-11-25"));
}

void HttpFrontend::get(Request& request, const std::shared_ptr<HttpConnection>& connection) {
    if (!accepts(request, "text/event-stream"))
        return connection->respond(
            error_response(bhttp::status::not_acceptable, "a GET stream needs Accept: text/event-stream", request));
    auto entry = find_session(request, connection);
    if (!entry) return;
    uint64_t stream = EventStreams::standalone;
    std::optional<uint64_t> after;
    if (auto last = parse_event_id(request["Last-Event-ID"])) {
        stream = last->first;
        after = last->second;
    }
    Response head{bhttp::status::ok, request.version()};
    head.set(session_header, entry->channel->id());
    head.keep_alive(request.keep_alive());
    std::weak_ptr<HttpSession> weak = entry->channel;
    auto attach_to = [&](uint64_t id) {
        connection->start_sse(std::move(head), [weak, id, raw = connection.get()] {
            if (auto channel = weak.lock()) {
                channel->streams().detach(id, raw);
                // A stream that is gone resumed as the standalone stream (below).
                channel->streams().detach(EventStreams::standalone, raw);
            }
        });
    };
    // A stream that is gone (ended and dropped from the buffer) resumes as the standalone stream.
    if (stream != EventStreams::standalone) {
        attach_to(stream);
        if (entry->channel->streams().attach(stream, connection, after)) return;
        entry->channel->streams().attach(EventStreams::standalone, connection);
        return;
    }
    attach_to(EventStreams::standalone);
    entry->channel->streams().attach(EventStreams::standalone, connection, after);
}

void HttpFrontend::remove(Request& request, const std::shared_ptr<HttpConnection>& connection) {
    auto entry = find_session(request, connection);
    if (!entry) return;
    end_session(entry->channel->id());
    connection->respond(json_response(bhttp::status::ok, json::object(), request));
}

void HttpFrontend::end_session(const std::string& id) {
    Entry entry;
    {
        std::lock_guard lock(mutex_);
        auto found = sessions_.find(id);
        if (found == sessions_.end()) return;
        entry = std::move(found->second);
        sessions_.erase(found);
    }
    server_.remove_session(id);
    entry.session->close();
    entry.channel->terminate();
}

void HttpFrontend::start_expiry() {
    const auto period =
        std::chrono::milliseconds(std::clamp<uint64_t>(settings_.session_idle_timeout_ms / 4, 250, 30000));
    server_.executor().post_after(period, [weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self) return;
        self->expire_idle();
        {
            std::lock_guard lock(self->mutex_);
            if (self->stopped_) return;
        }
        self->start_expiry();
    });
}

void HttpFrontend::expire_idle() {
    std::vector<std::string> idle;
    std::vector<std::shared_ptr<HttpSession>> channels;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, entry] : sessions_) {
            channels.push_back(entry.channel);
            if (entry.channel->idle_longer_than(std::chrono::milliseconds(settings_.session_idle_timeout_ms)))
                idle.push_back(id);
        }
    }
    // An open stream keeps its session alive only while its client is there: a heartbeat on a
    // connection whose client vanished fails, detaches the stream, and the session can expire.
    for (const auto& channel : channels) channel->streams().heartbeat();
    for (const auto& id : idle) {
        spdlog::info("session {} expired after {} ms idle", id, settings_.session_idle_timeout_ms);
        end_session(id);
    }
}

void HttpFrontend::shutdown() {
    std::vector<std::string> ids;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (const auto& [id, entry] : sessions_) ids.push_back(id);
    }
    for (const auto& id : ids) end_session(id);
    // Plugin streams end with their last chunk rather than a cut connection; a client that
    // does not take it within the bound is cut when the process exits.
    plugin_streams_->stop(std::chrono::milliseconds(300));
}

void HttpFrontend::add_cors(const Request& request, Response& response) const {
    const auto origin = request[bhttp::field::origin];
    if (origin.empty() || !origin_allowed(origin, settings_.cors_origins) || settings_.cors_origins.empty()) return;
    response.set(bhttp::field::access_control_allow_origin, origin);
    response.set(bhttp::field::vary, "Origin");
    response.set(bhttp::field::access_control_allow_headers,
                 "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID");
    response.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    response.set(bhttp::field::access_control_expose_headers, "Mcp-Session-Id");
}

void HttpFrontend::handle_api(Request& request, const std::shared_ptr<HttpConnection>& connection) {
    if (request.method() == bhttp::verb::options) {
        Response response{bhttp::status::no_content, request.version()};
        response.keep_alive(request.keep_alive());
        add_cors(request, response);
        return connection->respond(std::move(response));
    }
    const std::string target(request.target());
    const size_t query_start = target.find('?');
    const std::string path = target.substr(0, query_start);
    const std::string rest = path.substr(8);  // after "/api/v1/"
    const size_t slash = rest.find('/');
    const std::string plugin_id = rest.substr(0, slash);
    const std::string route_path = slash == std::string::npos ? "/" : rest.substr(slash);
    PluginInstance* plugin = server_.plugin(plugin_id);
    auto match = plugin ? plugin->http_routes().match(std::string(request.method_string()), route_path) : std::nullopt;
    if (!match) {
        Response response = error_response(bhttp::status::not_found,
                                           "no route " + std::string(request.method_string()) + " " + path, request);
        add_cors(request, response);
        return connection->respond(std::move(response));
    }
    json headers = json::object();
    for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name != "authorization") headers[name] = std::string(field.value());  // the token stays with the host
    }
    auto http_request = std::make_shared<sb_http_request>();
    http_request->info_json = json{
        {"method", std::string(request.method_string())},
        {"path", route_path},
        {"query",
         parse_query(query_start == std::string::npos ? "" : std::string_view(target).substr(query_start + 1))},
        {"params", match->params},
        {"headers", headers}}.dump(-1, ' ', false, json::error_handler_t::replace);
    http_request->body = std::move(request.body());
    Response head{bhttp::status::ok, request.version()};
    head.keep_alive(request.keep_alive());
    add_cors(request, head);
    // The request lives until the plugin answers; the callback holds the last reference.
    http_request->done = [connection, head, keep = http_request](int status, std::string type,
                                                                 std::string body) mutable {
        Response response = head;
        response.result(static_cast<unsigned>(status));
        response.set(bhttp::field::content_type, type);
        response.body() = std::move(body);
        connection->respond(std::move(response));
        keep.reset();
    };
    http_request->stream = std::make_shared<PluginStream>(connection, head, plugin_streams_);
    auto route = match->route;
    server_.executor().post([route, raw = http_request.get()] { route.handler(route.user, raw); });
}

void HttpFrontend::healthz(const Request& request, const std::shared_ptr<HttpConnection>& connection) {
    Response response{bhttp::status::ok, 11};
    response.set(bhttp::field::content_type, "application/json");
    // Anyone may ask whether the server is up (load balancers carry no token); what runs in it,
    // when auth is on, only a client with a token may see.
    if (!bearer_authorized(request[bhttp::field::authorization], settings_.bearer_token_sha256)) {
        response.body() = json{{"status", "ok"}}.dump();
        return connection->respond(std::move(response));
    }
    json plugins = json::array();
    for (PluginInstance* plugin : server_.plugins()) {
        const sb_plugin_entry& entry = plugin->entry();
        plugins.push_back({{"id", plugin->id()}, {"name", entry.name}, {"version", entry.version}});
    }
    response.body() =
        json{{"status", "ok"}, {"version", switchboard_version}, {"sessions", session_count()}, {"plugins", plugins}}
            .dump();
    connection->respond(std::move(response));
}

}  // namespace switchboard::host::http
