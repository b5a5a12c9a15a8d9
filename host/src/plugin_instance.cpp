// plugin_instance.cpp: a plugin's lifecycle and the service table behind sb_host_api.
#include "plugin_instance.hpp"

#include <spdlog/spdlog.h>

#include <cstddef>

#include "server.hpp"
#include "switchboard/ext/catalog.h"
#include "session.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;

std::string text(sb_str value) { return value.size == 0 ? std::string() : std::string(value.data, value.size); }
sb_str view(const std::string& value) { return {value.data(), value.size()}; }

// What last_error returns: the reason the last refused call on this thread failed.
thread_local std::string last_error_text;

int refuse(sb_host* host, const std::string& reason) {
    host->plugin->registration_refused(reason);  // also sets last_error_text
    return 0;
}

spdlog::level::level_enum to_spdlog(sb_log_level level) {
    switch (level) {
        case SB_LOG_DEBUG:
            return spdlog::level::debug;
        case SB_LOG_INFO:
        case SB_LOG_NOTICE:
            return spdlog::level::info;
        case SB_LOG_WARNING:
            return spdlog::level::warn;
        case SB_LOG_ERROR:
            return spdlog::level::err;
        default:
            return spdlog::level::critical;
    }
}

// ---- the service table, one C function each ----

void host_log(sb_host* host, sb_log_level level, sb_str message) { host->plugin->log(level, text(message)); }
void host_fail(sb_host* host, sb_str reason) { host->plugin->fail(text(reason)); }

void post(sb_host* host, sb_task_fn fn, void* user) {
    host->server->executor().post([fn, user] { fn(user); });
}
void post_blocking(sb_host* host, sb_task_fn fn, void* user) {
    host->server->executor().post_blocking([fn, user] { fn(user); });
}
uint64_t post_after(sb_host* host, uint64_t delay_ms, sb_task_fn fn, void* user) {
    return host->server->executor().post_after(std::chrono::milliseconds(delay_ms), [fn, user] { fn(user); });
}
int cancel_timer(sb_host* host, uint64_t id) { return host->server->executor().cancel_timer(id) ? 1 : 0; }

int add_item(sb_host* host, CatalogKind kind, sb_str item_json) {
    json item;
    try {
        item = json::parse(text(item_json));
    } catch (const json::exception& e) {
        return refuse(host, std::string(to_string(kind)) + " is not valid JSON: " + e.what());
    }
    if (auto refused = host->server->catalog().add(kind, host->plugin->id(), item)) return refuse(host, *refused);
    host->server->list_changed(kind);
    return 1;
}
int remove_item(sb_host* host, CatalogKind kind, sb_str key) {
    if (!host->server->catalog().remove(kind, host->plugin->id(), text(key))) {
        last_error_text = std::string(to_string(kind)) + " \"" + text(key) + "\" is not registered by this plugin";
        return 0;
    }
    host->server->list_changed(kind);
    return 1;
}
int add_tool(sb_host* host, sb_str item) { return add_item(host, CatalogKind::tool, item); }
int remove_tool(sb_host* host, sb_str key) { return remove_item(host, CatalogKind::tool, key); }
int add_resource(sb_host* host, sb_str item) { return add_item(host, CatalogKind::resource, item); }
int remove_resource(sb_host* host, sb_str key) { return remove_item(host, CatalogKind::resource, key); }
int add_template(sb_host* host, sb_str item) { return add_item(host, CatalogKind::resource_template, item); }
int remove_template(sb_host* host, sb_str key) { return remove_item(host, CatalogKind::resource_template, key); }
int add_prompt(sb_host* host, sb_str item) { return add_item(host, CatalogKind::prompt, item); }
int remove_prompt(sb_host* host, sb_str key) { return remove_item(host, CatalogKind::prompt, key); }
void host_set_instructions(sb_host* host, sb_str value) { host->plugin->set_instructions(text(value)); }
sb_str last_error(sb_host*) { return view(last_error_text); }
void resource_updated(sb_host* host, sb_str uri) { host->server->resource_updated(text(uri)); }

uint64_t subscribe_with(sb_host* host, sb_str pattern, sb_event_fn fn, void* user, EventBus::Delivery delivery) {
    std::string topic_pattern = text(pattern);
    if (!valid_topic_pattern(topic_pattern) || fn == nullptr) {
        host->plugin->log(SB_LOG_ERROR,
                          "subscribe refused: invalid topic pattern \"" + topic_pattern +
                              "\" (dot-separated [A-Za-z0-9_-] segments, '*' for one, final '#' for any)");
        return 0;
    }
    return host->server->bus().subscribe(
        std::move(topic_pattern),
        [fn, user](const std::string& topic, const std::string& payload) { fn(user, view(topic), view(payload)); },
        delivery);
}
uint64_t subscribe(sb_host* host, sb_str pattern, sb_event_fn fn, void* user) {
    return subscribe_with(host, pattern, fn, user, EventBus::Delivery::executor);
}
uint64_t subscribe_inline(sb_host* host, sb_str pattern, sb_event_fn fn, void* user) {
    return subscribe_with(host, pattern, fn, user, EventBus::Delivery::inline_);
}
void unsubscribe(sb_host* host, uint64_t id) { host->server->bus().unsubscribe(id); }
void publish(sb_host* host, sb_str topic, sb_str payload) {
    std::string name = text(topic);
    std::string body = text(payload);
    if (!valid_topic(name) || !json::accept(body)) {
        host->plugin->log(SB_LOG_ERROR,
                          "publish refused on \"" + name +
                              "\": topics are dot-separated [A-Za-z0-9_-] segments and payloads JSON text");
        return;
    }
    host->server->bus().publish(std::move(name), std::move(body));
}

uint64_t call_tool(sb_host* host, sb_str params_json, sb_reply_fn reply, void* user) {
    auto deliver = [reply, user](bool ok, const json& payload) {
        const std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
        reply(user, ok ? 1 : 0, view(body));
    };
    json params = json::parse(text(params_json), nullptr, false);
    if (params.is_discarded() || !params.is_object()) {
        host->server->executor().post([deliver] {
            deliver(false, {{"code", -32602},
                            {"message", "call_tool params must be a JSON object {name, arguments?, _meta?}"}});
        });
        return 0;
    }
    return host->server->call_tool("plugin:" + host->plugin->id(), params, deliver);
}
void cancel_call(sb_host* host, uint64_t id) { host->server->cancel_call(id); }

Server& server_of(sb_request* request) { return request->plugin->server(); }

// The owner of a request still in flight; null, logged, when the plugin answers one that ended.
Server* answerable(sb_request* request) {
    Server* server = Server::owner_of(request);
    if (server == nullptr)
        spdlog::error("a plugin answered a request that already ended (respond called twice?); ignored");
    return server;
}

void respond(sb_request* request, sb_str result_json) {
    Server* server = answerable(request);
    if (server == nullptr) return;
    json result = json::parse(text(result_json), nullptr, false);
    if (result.is_discarded() || !result.is_object()) {
        server->end_request(
            request, false,
            {{"code", -32603},
             {"message", "plugin \"" + request->plugin->id() + "\" returned a result that is not a JSON object"}});
        return;
    }
    server->end_request(request, true, std::move(result), result_json.size);
}
void respond_error(sb_request* request, int32_t code, sb_str message) {
    if (Server* server = answerable(request))
        server->end_request(request, false, {{"code", code}, {"message", text(message)}});
}
void progress(sb_request* request, double value, double total, sb_str message) {
    auto session = request->session.lock();
    // Progress may only name a request still in progress; a cancelled one is over for the client.
    if (!session || request->progress_token.is_null() || request->cancelled) return;
    json params = {{"progressToken", request->progress_token}, {"progress", value}};
    if (total >= 0) params["total"] = total;
    if (message.size > 0) params["message"] = text(message);
    session->send_related(jsonrpc::notification("notifications/progress", std::move(params)), request);
}
void log_message(sb_request* request, sb_log_level level, sb_str logger, sb_str data_json) {
    auto session = request->session.lock();
    if (!session || !session->log_enabled(level)) return;
    json data = json::parse(text(data_json), nullptr, false);
    if (data.is_discarded()) data = text(data_json);
    json params = {{"level", log_level_name(level)}, {"data", std::move(data)}};
    if (logger.size > 0) params["logger"] = text(logger);
    session->send_related(jsonrpc::notification("notifications/message", std::move(params)), request);
}
int is_cancelled(sb_request* request) { return request->cancelled ? 1 : 0; }
sb_str request_info(sb_request* request) { return view(request->info_json); }
void client_request(sb_request* request, sb_str method, sb_str params_json, sb_reply_fn reply, void* user) {
    auto deliver = [reply, user](bool ok, const json& payload) {
        const std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
        reply(user, ok ? 1 : 0, view(body));
    };
    auto session = request->session.lock();
    json params = json::parse(text(params_json), nullptr, false);
    std::string problem;
    if (!session)
        problem = "no client to ask: this request came from " + request->caller + ", not from an MCP client";
    else if (params.is_discarded() || !params.is_object())
        problem = "client_request params must be a JSON object";
    if (!problem.empty()) {
        server_of(request).executor().post([deliver, problem] {
            deliver(false, {{"code", -32602}, {"message", problem}});
        });
        return;
    }
    session->client_request(text(method), std::move(params), request, deliver);
}

// What tool_owner returns: the owner it looked up last on this thread.
thread_local std::string tool_owner_text;

sb_str tool_owner(sb_host* host, sb_str name) {
    const auto entry = host->server->catalog().owner(CatalogKind::tool, text(name));
    tool_owner_text = entry ? entry->plugin : std::string();
    return view(tool_owner_text);
}

const sb_catalog_service catalog_service{sizeof(sb_catalog_service), &tool_owner};

const void* get_service(sb_host*, const char* id) {
    if (id == nullptr) return nullptr;
    if (std::string_view(id) == SB_HTTP_SERVICE_ID) return http_service();
    if (std::string_view(id) == SB_CATALOG_SERVICE_ID) return &catalog_service;
    return nullptr;
}

}  // namespace

PluginInstance::PluginInstance(std::string id, LoadedLibrary library, Server& server, json config,
                               std::filesystem::path data_dir)
    : id_(std::move(id)),
      library_(std::move(library)),
      server_(server),
      config_text_(config.dump()),
      data_dir_(data_dir.string()) {
    host_.server = &server_;
    host_.plugin = this;
    api_ = sb_host_api{sizeof(sb_host_api),
                       &host_,
                       view(id_),
                       view(data_dir_),
                       view(config_text_),
                       &host_log,
                       &host_fail,
                       &post,
                       &post_blocking,
                       &post_after,
                       &cancel_timer,
                       &add_tool,
                       &remove_tool,
                       &add_resource,
                       &remove_resource,
                       &add_template,
                       &remove_template,
                       &add_prompt,
                       &remove_prompt,
                       &host_set_instructions,
                       &last_error,
                       &resource_updated,
                       &subscribe,
                       &unsubscribe,
                       &publish,
                       &call_tool,
                       &cancel_call,
                       &respond,
                       &respond_error,
                       &progress,
                       &log_message,
                       &is_cancelled,
                       &request_info,
                       &client_request,
                       &get_service,
                       &subscribe_inline};
}

PluginInstance::~PluginInstance() { destroy(); }

std::optional<std::string> PluginInstance::create() {
    {
        std::lock_guard lock(mutex_);
        creating_ = true;
        creation_problems_.clear();
    }
    std::error_code dir_error;
    std::filesystem::create_directories(data_dir_, dir_error);
    if (dir_error) return file().string() + ": cannot create data directory " + data_dir_ + ": " + dir_error.message();

    instance_ = library_.entry->create(&api_);
    std::vector<std::string> problems;
    {
        std::lock_guard lock(mutex_);
        creating_ = false;
        problems = creation_problems_;
    }
    if (instance_ != nullptr && problems.empty()) return std::nullopt;

    // The SDK repeats a refused registration in its own failure message; say each thing once.
    std::string reason;
    for (size_t i = 0; i < problems.size(); ++i) {
        bool repeated = false;
        for (size_t j = 0; j < problems.size() && !repeated; ++j)
            repeated =
                j != i && problems[j].size() > problems[i].size() && problems[j].find(problems[i]) != std::string::npos;
        if (!repeated) reason += (reason.empty() ? "" : "; ") + problems[i];
    }
    if (reason.empty()) reason = "create returned NULL without a reason";
    if (instance_ != nullptr) {
        library_.entry->destroy(instance_);
        instance_ = nullptr;
    }
    server_.catalog().remove_plugin(id_);
    return file().string() + ": plugin \"" + id_ + "\" refused: " + reason;
}

void PluginInstance::destroy() {
    if (instance_ == nullptr) return;
    library_.entry->destroy(instance_);
    instance_ = nullptr;
}

void PluginInstance::handle(sb_request* request) {
    library_.entry->handle(instance_, request, view(request->method), view(request->params_text));
}

void PluginInstance::cancelled(sb_request* request) {
    constexpr size_t needed = offsetof(sb_plugin_entry, cancelled) + sizeof(sb_plugin_entry::cancelled);
    if (library_.entry->struct_size >= needed && library_.entry->cancelled != nullptr && instance_ != nullptr)
        library_.entry->cancelled(instance_, request);
}

std::string PluginInstance::instructions() const {
    std::lock_guard lock(mutex_);
    return instructions_;
}

void PluginInstance::set_instructions(std::string text) {
    std::lock_guard lock(mutex_);
    instructions_ = std::move(text);
}

void PluginInstance::fail(std::string reason) {
    std::lock_guard lock(mutex_);
    creation_problems_.insert(creation_problems_.begin(), std::move(reason));
}

void PluginInstance::registration_refused(const std::string& reason) {
    last_error_text = reason;  // for every refusal, the HTTP service's add_route included
    std::lock_guard lock(mutex_);
    if (creating_) {
        creation_problems_.push_back(reason);
        return;
    }
    spdlog::error("plugin {}: {}", id_, reason);
}

void PluginInstance::log(sb_log_level level, std::string_view message) const {
    spdlog::log(to_spdlog(level), "[{}] {}", id_, message);
}

}  // namespace switchboard::host
