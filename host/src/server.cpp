// server.cpp: routing, the in-flight request table, broadcasts and shutdown.
#include "server.hpp"

#include <spdlog/spdlog.h>

#include "json_rpc.hpp"
#include "memory_release.hpp"
#include "plugin_instance.hpp"
#include "session.hpp"
#include "tool_called_event.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;

json rpc_error(int code, std::string message) { return {{"code", code}, {"message", std::move(message)}}; }

// A tool result the client can use, or the reason it is not one.
std::optional<std::string> check_tool_result(const json& result, bool output_schema) {
    if (!result.contains("content") || !result["content"].is_array()) return "the result has no \"content\" array";
    if (output_schema && !result.value("isError", false) && !result.contains("structuredContent"))
        return "the tool declares an outputSchema but returned no \"structuredContent\"";
    return std::nullopt;
}

// Every request in flight in the process, with its Server, so that an answer from a plugin is
// checked before the request it names is touched: a second respond must not reach freed memory.
std::mutex live_requests_mutex;
std::unordered_map<const sb_request*, Server*> live_requests;  // guarded by live_requests_mutex

}  // namespace

Server* Server::owner_of(const sb_request* request) {
    std::lock_guard lock(live_requests_mutex);
    auto found = live_requests.find(request);
    return found == live_requests.end() ? nullptr : found->second;
}

Server::Server(Config config, Executor& executor)
    : config_(std::move(config)), executor_(executor), bus_(executor.io()) {}

Server::~Server() = default;

void Server::add_plugin(PluginInstance* plugin) {
    std::lock_guard lock(plugins_mutex_);
    plugins_[plugin->id()] = plugin;
}

void Server::remove_plugin(const std::string& id) {
    std::lock_guard lock(plugins_mutex_);
    plugins_.erase(id);
}

PluginInstance* Server::plugin(const std::string& id) const {
    std::lock_guard lock(plugins_mutex_);
    auto found = plugins_.find(id);
    return found == plugins_.end() ? nullptr : found->second;
}

std::vector<PluginInstance*> Server::plugins() const {
    std::lock_guard lock(plugins_mutex_);
    std::vector<PluginInstance*> out;
    for (const auto& [id, plugin] : plugins_) out.push_back(plugin);
    return out;
}

std::string Server::instructions() const {
    std::string text = config_.instructions;
    std::lock_guard lock(plugins_mutex_);
    for (const auto& [id, plugin] : plugins_) {
        const std::string part = plugin->instructions();
        if (part.empty()) continue;
        if (!text.empty()) text += "\n\n";
        text += part;
    }
    return text;
}

json Server::capabilities() const {
    json capabilities = {{"logging", json::object()}};
    if (!catalog_.empty(CatalogKind::tool)) capabilities["tools"] = {{"listChanged", true}};
    if (!catalog_.empty(CatalogKind::resource) || !catalog_.empty(CatalogKind::resource_template))
        capabilities["resources"] = {{"subscribe", true}, {"listChanged", true}};
    if (!catalog_.empty(CatalogKind::prompt)) capabilities["prompts"] = {{"listChanged", true}};
    if (!catalog_.empty(CatalogKind::prompt) || !catalog_.empty(CatalogKind::resource_template))
        capabilities["completions"] = json::object();
    return capabilities;
}

void Server::add_session(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_[session->id()] = session;
}

void Server::remove_session(const std::string& id) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(id);
}

void Server::list_changed(CatalogKind kind) {
    const char* method = kind == CatalogKind::tool     ? "notifications/tools/list_changed"
                         : kind == CatalogKind::prompt ? "notifications/prompts/list_changed"
                                                       : "notifications/resources/list_changed";
    const json notification = jsonrpc::notification(method, nullptr);
    std::lock_guard lock(sessions_mutex_);
    for (const auto& [id, weak] : sessions_)
        if (auto session = weak.lock()) session->notify(notification);
}

void Server::resource_updated(const std::string& uri) {
    const json notification = jsonrpc::notification("notifications/resources/updated", {{"uri", uri}});
    std::lock_guard lock(sessions_mutex_);
    for (const auto& [id, weak] : sessions_)
        if (auto session = weak.lock(); session && session->subscribed(uri)) session->notify(notification);
}

Server::Routed Server::route(const std::string& method, const json& params) {
    Routed routed;
    auto request = std::make_shared<sb_request>();
    request->method = method;
    std::optional<CatalogOwner> owner;  // not find: that copies the whole item per call
    if (method == "tools/call") {
        if (!params.contains("name") || !params["name"].is_string())
            return {nullptr,
                    rpc_error(jsonrpc::invalid_params, "Invalid params: \"name\" (the tool's name) is required")};
        if (params.contains("arguments") && !params["arguments"].is_object())
            return {nullptr, rpc_error(jsonrpc::invalid_params, "Invalid params: \"arguments\" must be an object")};
        request->target = params["name"].get<std::string>();
        owner = catalog_.owner(CatalogKind::tool, request->target);
        if (!owner) return {nullptr, rpc_error(jsonrpc::invalid_params, "Unknown tool: " + request->target)};
        request->output_schema = owner->output_schema;
    } else if (method == "resources/read") {
        if (!params.contains("uri") || !params["uri"].is_string())
            return {nullptr, rpc_error(jsonrpc::invalid_params, "Invalid params: \"uri\" (a string) is required")};
        request->target = params["uri"].get<std::string>();
        owner = catalog_.owner(CatalogKind::resource, request->target);
        if (!owner) {
            if (auto entry = catalog_.match_template(request->target)) owner = CatalogOwner{entry->plugin, false};
        }
        if (!owner) return {nullptr, rpc_error(jsonrpc::resource_not_found, "Resource not found: " + request->target)};
    } else if (method == "prompts/get") {
        if (!params.contains("name") || !params["name"].is_string())
            return {nullptr,
                    rpc_error(jsonrpc::invalid_params, "Invalid params: \"name\" (the prompt's name) is required")};
        request->target = params["name"].get<std::string>();
        owner = catalog_.owner(CatalogKind::prompt, request->target);
        if (!owner) return {nullptr, rpc_error(jsonrpc::invalid_params, "Unknown prompt: " + request->target)};
    } else if (method == "completion/complete") {
        const json ref = params.value("ref", json());
        if (!ref.is_object() || !params.contains("argument") || !params["argument"].is_object())
            return {nullptr,
                    rpc_error(jsonrpc::invalid_params,
                              "Invalid params: \"ref\" ({type: ref/prompt, name} or {type: ref/resource, uri}) "
                              "and \"argument\" ({name, value}) are required")};
        const std::string type = ref.value("type", "");
        if (type == "ref/prompt" && ref.value("name", json()).is_string()) {
            request->target = ref["name"].get<std::string>();
            owner = catalog_.owner(CatalogKind::prompt, request->target);
        } else if (type == "ref/resource" && ref.value("uri", json()).is_string()) {
            request->target = ref["uri"].get<std::string>();
            owner = catalog_.owner(CatalogKind::resource_template, request->target);
        } else {
            return {
                nullptr,
                rpc_error(jsonrpc::invalid_params,
                          "Invalid params: \"ref.type\" must be ref/prompt (with name) or ref/resource (with uri)")};
        }
        if (!owner)
            return {nullptr, rpc_error(jsonrpc::invalid_params, "Unknown completion reference: " + request->target)};
    }
    request->plugin = plugin(owner->plugin);
    if (request->plugin == nullptr)
        return {nullptr, rpc_error(jsonrpc::internal_error, "plugin " + owner->plugin + " is gone")};
    if (params.contains("_meta") && params["_meta"].is_object() && params["_meta"].contains("progressToken"))
        request->progress_token = params["_meta"]["progressToken"];
    request->params_text = params.dump(-1, ' ', false, json::error_handler_t::replace);
    routed.request = std::move(request);
    return routed;
}

void Server::dispatch(std::shared_ptr<sb_request> request) {
    sb_request* raw = request.get();
    {
        std::lock_guard lock(requests_mutex_);
        requests_.emplace(raw, std::move(request));
    }
    {
        std::lock_guard lock(live_requests_mutex);
        live_requests.emplace(raw, this);
    }
    // Inline, on the thread that read the request: handle() must not block (plugin.h), and a hop
    // to another thread would cost more than most handlers take.
    raw->plugin->handle(raw);
}

std::shared_ptr<sb_request> Server::find_request(sb_request* request) const {
    std::lock_guard lock(requests_mutex_);
    auto found = requests_.find(request);
    return found == requests_.end() ? nullptr : found->second;
}

bool Server::end_request(sb_request* raw, bool ok, json payload, std::optional<size_t> result_bytes) {
    size_t answer_bytes = result_bytes.value_or(0);  // 0 when not known
    std::shared_ptr<sb_request> request;
    {
        std::lock_guard lock(requests_mutex_);
        auto found = requests_.find(raw);
        if (found != requests_.end()) {
            request = std::move(found->second);
            requests_.erase(found);
        }
    }
    if (request) {
        std::lock_guard lock(live_requests_mutex);
        live_requests.erase(raw);
    }
    if (!request) {
        spdlog::error("a plugin ended a request that already ended (respond called twice?)");
        return false;
    }
    if (ok && request->method == "tools/call") {
        if (auto problem = check_tool_result(payload, request->output_schema)) {
            spdlog::error("plugin {}: tool {}: {}", request->plugin->id(), request->target, *problem);
            ok = false;
            payload = rpc_error(jsonrpc::internal_error,
                                "tool " + request->target + " returned an invalid result: " + *problem);
            answer_bytes = 0;  // that of the error, not of the refused result
        }
    }
    // Build the event only for a listener, and publish it (an inline listener runs right here) only
    // once the answer is on its way.
    std::string tool_called;
    if (request->method == "tools/call" && bus_.has_subscriber("host.tool.called")) {
        const bool tool_error = ok && payload.value("isError", false);
        const size_t size =
            answer_bytes != 0 ? answer_bytes : payload.dump(-1, ' ', false, json::error_handler_t::replace).size();
        tool_called = tool_called_event(*request, ok, tool_error, size);
    }
    request->on_end(ok, std::move(payload));
    release_memory_after_answer(executor_, answer_bytes);
    if (!tool_called.empty()) bus_.publish("host.tool.called", std::move(tool_called));
    requests_drained_.notify_all();
    return true;
}

void Server::cancel_request(sb_request* raw) {
    auto request = find_request(raw);
    if (!request || request->cancelled.exchange(true)) return;
    request->plugin->cancelled(raw);
}

uint64_t Server::call_tool(const std::string& caller, const json& params,
                           std::function<void(bool ok, json payload)> reply) {
    Routed routed = route("tools/call", params);
    if (!routed.request) {
        executor_.post([reply = std::move(reply), error = std::move(routed.error)] { reply(false, error); });
        return 0;
    }
    auto& request = routed.request;
    request->caller = caller;
    request->info_json = json{{"method", "tools/call"},
                              {"session", nullptr},
                              {"caller", caller},
                              {"clientCapabilities", json::object()},
                              {"meta", params.value("_meta", json::object())}}
                             .dump();
    request->on_end = [this, reply = std::move(reply)](bool ok, json payload) {
        executor_.post([reply, ok, payload = std::move(payload)] { reply(ok, payload); });
    };
    uint64_t id = 0;
    {
        std::lock_guard lock(requests_mutex_);
        id = next_call_id_++;
        calls_[id] = request;
        std::erase_if(calls_, [](const auto& entry) { return entry.second.expired(); });
    }
    dispatch(std::move(request));
    return id;
}

void Server::cancel_call(uint64_t call_id) {
    std::shared_ptr<sb_request> request;
    {
        std::lock_guard lock(requests_mutex_);
        auto found = calls_.find(call_id);
        if (found != calls_.end()) request = found->second.lock();
    }
    if (request) cancel_request(request.get());
}

void Server::shutdown() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(sessions_mutex_);
        for (const auto& [id, weak] : sessions_)
            if (auto session = weak.lock()) sessions.push_back(session);
    }
    for (auto& session : sessions) session->close();
    std::vector<sb_request*> in_flight;
    {
        std::lock_guard lock(requests_mutex_);
        for (const auto& [raw, request] : requests_) in_flight.push_back(raw);
    }
    for (sb_request* raw : in_flight) cancel_request(raw);
    std::unique_lock lock(requests_mutex_);
    const auto grace = std::chrono::milliseconds(config_.limits.shutdown_grace_ms);
    if (!requests_drained_.wait_for(lock, grace, [this] { return requests_.empty(); }))
        spdlog::warn("{} request(s) still in flight after {} ms; shutting down anyway", requests_.size(),
                     grace.count());
}

}  // namespace switchboard::host
