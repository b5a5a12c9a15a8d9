// session.cpp: lifecycle, host methods, routing and server-to-client requests of one session.
#include "session.hpp"

#include <spdlog/spdlog.h>

#include "server.hpp"
#include "version.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;

constexpr const char* level_names[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

// The client capability a server-to-client request needs, or empty when none is checked.
std::string missing_capability(const std::string& method, const json& params, const json& capabilities) {
    auto has = [&](const char* name) { return capabilities.contains(name) && capabilities[name].is_object(); };
    if (method == "sampling/createMessage") {
        if (!has("sampling")) return "the client did not declare the \"sampling\" capability";
        if (params.contains("tools") && !capabilities["sampling"].contains("tools"))
            return "the client did not declare \"sampling.tools\", so sampling requests cannot carry tools";
    } else if (method == "elicitation/create") {
        if (!has("elicitation")) return "the client did not declare the \"elicitation\" capability";
        const json& elicitation = capabilities["elicitation"];
        const std::string mode = params.value("mode", "form");
        // An empty elicitation capability means form mode only (2025-11-25).
        if (mode == "url" && !elicitation.contains("url"))
            return "the client did not declare \"elicitation.url\", so URL-mode elicitation is not available";
        if (mode == "form" && !elicitation.empty() && !elicitation.contains("form"))
            return "the client did not declare \"elicitation.form\", so form-mode elicitation is not available";
    } else if (method == "roots/list") {
        if (!has("roots")) return "the client did not declare the \"roots\" capability";
    }
    return {};
}

const std::set<std::string> routed_methods = {"tools/call", "resources/read", "prompts/get", "completion/complete"};

}  // namespace

bool is_supported_protocol_version(std::string_view version) {
    for (const char* supported : supported_protocol_versions)
        if (version == supported) return true;
    return false;
}

const char* log_level_name(sb_log_level level) {
    const int index = static_cast<int>(level);
    return index >= 0 && index < 8 ? level_names[index] : "info";
}

Session::Session(Server& server, std::string id, std::shared_ptr<ClientChannel> channel)
    : server_(server), id_(std::move(id)), channel_(std::move(channel)) {}

Session::~Session() = default;

std::string Session::protocol_version() const {
    std::lock_guard lock(mutex_);
    return protocol_version_;
}

void Session::send(const json& message, const json& related) { channel_->send(message, related); }

void Session::receive(std::string_view text) {
    if (state_ == State::closed) return;
    json message = json::parse(text, nullptr, false);
    if (message.is_discarded()) {
        send(jsonrpc::error_response(nullptr, jsonrpc::parse_error,
                                     "Parse error: the message is not valid JSON (one JSON-RPC object per line)"));
        return;
    }
    if (message.is_array()) return handle_batch(message);
    handle(message, [this, self = shared_from_this()](json response) {
        if (response.is_null()) return;  // nothing to say: the request was cancelled
        const json related = response.value("id", json());
        send(response, related);
    });
}

void Session::refuse_oversized(size_t size, size_t limit) {
    send(jsonrpc::error_response(nullptr, jsonrpc::invalid_request,
                                 "message of " + std::to_string(size) + " bytes exceeds the limit of " +
                                     std::to_string(limit) + " bytes (config key limits.max_message_bytes)"));
}

void Session::handle_batch(const json& batch) {
    if (protocol_version() != "2025-03-26") {
        send(jsonrpc::error_response(nullptr, jsonrpc::invalid_request,
                                     "JSON-RPC batches are accepted only in sessions of protocol 2025-03-26; "
                                     "send one message at a time"));
        return;
    }
    if (batch.empty()) {
        send(jsonrpc::error_response(nullptr, jsonrpc::invalid_request, "an empty batch is not a valid request"));
        return;
    }
    // Responses are collected and sent together once every request in the batch has ended.
    struct Collector {
        std::mutex mutex;
        size_t expected = 0;
        json responses = json::array();
    };
    auto collector = std::make_shared<Collector>();
    for (const auto& item : batch) {
        const jsonrpc::Kind kind = jsonrpc::classify(item).kind;
        if (kind == jsonrpc::Kind::request || kind == jsonrpc::Kind::invalid) ++collector->expected;
    }
    auto reply = [this, self = shared_from_this(), collector](json response) {
        std::lock_guard lock(collector->mutex);
        if (response.is_null())
            --collector->expected;  // cancelled: it gets no response
        else
            collector->responses.push_back(std::move(response));
        const bool complete = collector->responses.size() == collector->expected;
        if (complete && !collector->responses.empty()) send(collector->responses);
    };
    for (const auto& item : batch) handle(item, reply);
}

void Session::handle(const json& message, const Reply& reply) {
    const jsonrpc::Message parsed = jsonrpc::classify(message);
    switch (parsed.kind) {
        case jsonrpc::Kind::request:
            return handle_request(parsed, reply);
        case jsonrpc::Kind::notification:
            return handle_notification(parsed);
        case jsonrpc::Kind::response:
            return handle_response(parsed);
        case jsonrpc::Kind::invalid:
            return reply(
                jsonrpc::error_response(parsed.id, jsonrpc::invalid_request, "Invalid request: " + parsed.problem));
    }
}

void Session::handle_request(const jsonrpc::Message& message, const Reply& reply) {
    if (state_ == State::awaiting_initialize && message.method != "initialize" && message.method != "ping") {
        return reply(jsonrpc::error_response(message.id, jsonrpc::invalid_request,
                                             "the session is not initialized: send \"initialize\" first"));
    }
    if (!message.params.is_null() && !message.params.is_object())
        return reply(jsonrpc::error_response(message.id, jsonrpc::invalid_params, "\"params\" must be an object"));
    if (routed_methods.count(message.method) != 0) return start_routed(message, reply);
    try {
        reply(jsonrpc::result_response(message.id, host_method(message)));
    } catch (const Failure& failure) {
        reply(jsonrpc::error_response(message.id, failure.code, failure.message));
    } catch (const json::exception& e) {
        reply(jsonrpc::error_response(message.id, jsonrpc::invalid_params, std::string("Invalid params: ") + e.what()));
    }
}

json Session::host_method(const jsonrpc::Message& message) {
    const std::string& method = message.method;
    const json params = message.params.is_null() ? json::object() : message.params;
    if (method == "initialize") return initialize(params);
    if (method == "ping") return json::object();
    if (method == "logging/setLevel") {
        const std::string level = params.value("level", json()).is_string() ? params["level"].get<std::string>() : "";
        for (int i = 0; i < 8; ++i) {
            if (level != level_names[i]) continue;
            log_level_ = i;
            return json::object();
        }
        throw Failure{jsonrpc::invalid_params,
                      "Invalid params: \"level\" must be one of debug, info, notice, warning, error, critical, "
                      "alert, emergency"};
    }
    if (method == "tools/list" || method == "resources/list" || method == "resources/templates/list" ||
        method == "prompts/list")
        return list(method, params);
    if (method == "resources/subscribe" || method == "resources/unsubscribe") return subscription(method, params);
    throw Failure{jsonrpc::method_not_found, "Method not found: " + method};
}

json Session::initialize(const json& params) {
    if (state_ != State::awaiting_initialize)
        throw Failure{jsonrpc::invalid_request, "the session is already initialized; \"initialize\" is accepted once"};
    if (!params.contains("protocolVersion") || !params["protocolVersion"].is_string())
        throw Failure{jsonrpc::invalid_params, "Invalid params: \"protocolVersion\" (a string) is required"};
    const std::string requested = params["protocolVersion"].get<std::string>();
    // An unknown version is answered with the newest one; the client decides whether to go on.
    const std::string version = is_supported_protocol_version(requested) ? requested : latest_protocol_version;
    {
        std::lock_guard lock(mutex_);
        protocol_version_ = version;
        if (params.contains("capabilities") && params["capabilities"].is_object())
            client_capabilities_ = params["capabilities"];
        if (params.contains("clientInfo") && params["clientInfo"].is_object()) client_info_ = params["clientInfo"];
        info_fields_.clear();
    }
    state_ = State::initializing;
    json result = {
        {"protocolVersion", version},
        {"capabilities", server_.capabilities()},
        {"serverInfo",
         {{"name", server_.config().server_name}, {"title", "Switchboard"}, {"version", switchboard_version}}}};
    if (std::string instructions = server_.instructions(); !instructions.empty()) result["instructions"] = instructions;
    return result;
}

json Session::list(const std::string& method, const json& params) {
    static const std::map<std::string, std::pair<CatalogKind, const char*>> lists = {
        {"tools/list", {CatalogKind::tool, "tools"}},
        {"resources/list", {CatalogKind::resource, "resources"}},
        {"resources/templates/list", {CatalogKind::resource_template, "resourceTemplates"}},
        {"prompts/list", {CatalogKind::prompt, "prompts"}}};
    const auto& [kind, key] = lists.at(method);
    std::optional<std::string> cursor;
    if (params.contains("cursor") && !params["cursor"].is_null()) {
        if (!params["cursor"].is_string())
            throw Failure{jsonrpc::invalid_params, "Invalid params: \"cursor\" must be a string"};
        cursor = params["cursor"].get<std::string>();
    }
    try {
        CatalogPage page = server_.catalog().list(kind, cursor, server_.config().limits.page_size);
        json result = {{key, std::move(page.items)}};
        if (page.next_cursor) result["nextCursor"] = *page.next_cursor;
        return result;
    } catch (const InvalidCursor& e) {
        throw Failure{jsonrpc::invalid_params, std::string("Invalid params: ") + e.what()};
    }
}

json Session::subscription(const std::string& method, const json& params) {
    if (!params.contains("uri") || !params["uri"].is_string())
        throw Failure{jsonrpc::invalid_params, "Invalid params: \"uri\" (a string) is required"};
    const std::string uri = params["uri"].get<std::string>();
    if (method == "resources/subscribe") {
        if (!server_.catalog().find(CatalogKind::resource, uri) && !server_.catalog().match_template(uri))
            throw Failure{jsonrpc::resource_not_found, "Resource not found: " + uri};
        std::lock_guard lock(mutex_);
        subscriptions_.insert(uri);
    } else {
        std::lock_guard lock(mutex_);
        subscriptions_.erase(uri);
    }
    return json::object();
}

void Session::start_routed(const jsonrpc::Message& message, const Reply& reply) {
    static const json no_params = json::object();
    const json& params = message.params.is_null() ? no_params : message.params;
    Server::Routed routed = server_.route(message.method, params);
    if (!routed.request) return reply({{"jsonrpc", "2.0"}, {"id", message.id}, {"error", routed.error}});

    std::shared_ptr<sb_request> request = std::move(routed.request);
    const std::string key = message.id.dump();
    {
        std::lock_guard lock(mutex_);
        if (in_flight_.count(key) != 0)
            return reply(jsonrpc::error_response(message.id, jsonrpc::invalid_request,
                                                 "request id " + key + " is already in use by a request in flight"));
        in_flight_.emplace(key, request);
        request->info_json = "{\"method\":" + json(message.method).dump() + "," + info_fields() +
                             ",\"meta\":" + params.value("_meta", json::object()).dump() + "}";
        request->caller = client_info_.value("name", std::string("unknown client"));
    }
    request->session = weak_from_this();
    request->client_id = message.id;
    sb_request* raw = request.get();
    request->on_end = [weak = weak_from_this(), key, id = message.id, raw, reply](bool ok, json payload) {
        auto self = weak.lock();
        if (!self) return;
        {
            std::lock_guard lock(self->mutex_);
            self->in_flight_.erase(key);
        }
        // A cancelled request gets no response; null tells a batch to stop waiting for it.
        if (raw->cancelled || self->state_ == State::closed) {
            self->channel_->request_dropped(id);
            return reply(nullptr);
        }
        reply(ok ? jsonrpc::result_response(id, std::move(payload))
                 : json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(payload)}});
    };
    server_.dispatch(std::move(request));
}

const std::string& Session::info_fields() {
    if (info_fields_.empty()) {
        const json fields = {{"session", id_},
                             {"protocolVersion", protocol_version_},
                             {"clientInfo", client_info_},
                             {"clientCapabilities", client_capabilities_}};
        const std::string object = fields.dump();
        info_fields_ = object.substr(1, object.size() - 2);
    }
    return info_fields_;
}

void Session::handle_notification(const jsonrpc::Message& message) {
    if (message.method == "notifications/initialized") {
        State expected = State::initializing;
        state_.compare_exchange_strong(expected, State::ready);
    } else if (message.method == "notifications/cancelled") {
        if (!message.params.is_object() || !message.params.contains("requestId")) return;
        std::shared_ptr<sb_request> request;
        {
            std::lock_guard lock(mutex_);
            auto found = in_flight_.find(message.params["requestId"].dump());
            if (found != in_flight_.end()) request = found->second;
        }
        if (!request) return;
        server_.cancel_request(request.get());
        cancel_client_requests(message.params["requestId"]);
    } else if (message.method == "notifications/roots/list_changed") {
        server_.bus().publish("host.roots.changed", json{{"session", id_}}.dump());
    }
    // Other notifications (progress, unknown) need nothing from the host.
}

void Session::handle_response(const jsonrpc::Message& message) {
    if (!message.id.is_number_integer()) return;
    if (message.error.is_object()) return finish_pending(message.id.get<int64_t>(), false, message.error);
    finish_pending(message.id.get<int64_t>(), true, message.result);
}

void Session::finish_pending(int64_t id, bool ok, json payload) {
    PendingClientRequest pending;
    {
        std::lock_guard lock(mutex_);
        auto found = pending_.find(id);
        if (found == pending_.end()) return;  // late, duplicate or unknown: nothing waits for it
        pending = std::move(found->second);
        pending_.erase(found);
    }
    if (pending.timer != 0) server_.executor().cancel_timer(pending.timer);
    server_.executor().post(
        [reply = std::move(pending.reply), ok, payload = std::move(payload)]() { reply(ok, payload); });
}

void Session::cancel_client_requests(const json& related_id) {
    std::vector<int64_t> ids;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, pending] : pending_)
            if (pending.related == related_id) ids.push_back(id);
    }
    // The client stops asking its user, and the plugin waiting on the answer is released at once.
    for (int64_t id : ids) {
        send(jsonrpc::notification("notifications/cancelled",
                                   {{"requestId", id}, {"reason", "the request it was sent for was cancelled"}}),
             related_id);
        finish_pending(id, false,
                       {{"code", jsonrpc::internal_error},
                        {"message", "cancelled: the client cancelled the request this was sent for"}});
    }
}

void Session::client_request(std::string method, json params, const sb_request* related,
                             std::function<void(bool ok, json payload)> reply) {
    std::string refusal;
    int64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        if (state_ == State::closed)
            refusal = "the client disconnected";
        else
            refusal = missing_capability(method, params, client_capabilities_);
        if (refusal.empty()) {
            id = next_request_id_++;
            pending_.emplace(id, PendingClientRequest{std::move(reply), 0, related ? related->client_id : json()});
        }
    }
    if (!refusal.empty()) {
        server_.executor().post([reply = std::move(reply), refusal, method] {
            reply(false, {{"code", jsonrpc::method_not_found}, {"message", method + " is not available: " + refusal}});
        });
        return;
    }
    const auto timeout = std::chrono::milliseconds(server_.config().limits.client_request_timeout_ms);
    const uint64_t timer = server_.executor().post_after(timeout, [weak = weak_from_this(), id, method, timeout] {
        auto self = weak.lock();
        if (!self) return;
        self->send(jsonrpc::notification("notifications/cancelled", {{"requestId", id}, {"reason", "timed out"}}));
        self->finish_pending(
            id, false,
            {{"code", jsonrpc::internal_error},
             {"message", method + " got no answer from the client within " + std::to_string(timeout.count()) +
                             " ms (limits.client_request_timeout_ms)"}});
    });
    {
        std::lock_guard lock(mutex_);
        if (auto found = pending_.find(id); found != pending_.end()) found->second.timer = timer;
    }
    send(jsonrpc::request(id, method, std::move(params)), related ? related->client_id : json());
}

void Session::send_related(const json& message, const sb_request* request) { send(message, request->client_id); }

void Session::notify(const json& notification) {
    if (state_ == State::ready || state_ == State::initializing) send(notification);
}

bool Session::subscribed(const std::string& uri) const {
    std::lock_guard lock(mutex_);
    return subscriptions_.count(uri) != 0;
}

void Session::close() {
    if (state_.exchange(State::closed) == State::closed) return;
    std::map<std::string, std::shared_ptr<sb_request>> in_flight;
    std::map<int64_t, PendingClientRequest> pending;
    {
        std::lock_guard lock(mutex_);
        in_flight.swap(in_flight_);
        pending.swap(pending_);
    }
    for (auto& [key, request] : in_flight) server_.cancel_request(request.get());
    for (auto& [id, waiting] : pending) {
        if (waiting.timer != 0) server_.executor().cancel_timer(waiting.timer);
        server_.executor().post([reply = std::move(waiting.reply)] {
            reply(false, {{"code", jsonrpc::internal_error}, {"message", "the client disconnected before answering"}});
        });
    }
}

}  // namespace switchboard::host
