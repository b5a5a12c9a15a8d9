// server.hpp: the router and the state every session shares.
//
// The Server owns the catalog of what plugins offer, the event bus, the table of in-flight
// requests and the set of live sessions. It routes a request to the plugin that owns its tool,
// resource or prompt, and tells sessions when lists or resources change. It knows nothing of
// transports or of protocol revisions; Session is the MCP front end.
#pragma once

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "catalog.hpp"
#include "config.hpp"
#include "event_bus.hpp"
#include "executor.hpp"
#include "request.hpp"

namespace switchboard::host {

class Session;
class PluginInstance;

class Server {
 public:
    Server(Config config, Executor& executor);
    ~Server();

    const Config& config() const { return config_; }
    Catalog& catalog() { return catalog_; }
    EventBus& bus() { return bus_; }
    Executor& executor() { return executor_; }

    // ---- plugins ----
    // The plugins register themselves here once created; the Server routes to them.
    void add_plugin(PluginInstance* plugin);
    void remove_plugin(const std::string& id);
    PluginInstance* plugin(const std::string& id) const;
    std::vector<PluginInstance*> plugins() const;
    // Instructions of the configuration and of every plugin, for initialize.
    std::string instructions() const;
    // Capabilities derived from what is registered.
    nlohmann::json capabilities() const;

    // ---- sessions ----
    void add_session(const std::shared_ptr<Session>& session);
    void remove_session(const std::string& id);
    // Tells every initialized session that a list changed ("tools", "resources", "prompts").
    void list_changed(CatalogKind kind);
    void resource_updated(const std::string& uri);

    // ---- requests ----
    // Routes `request` to `plugin`; on_end runs when it ends. Returns immediately.
    void dispatch(std::shared_ptr<sb_request> request);
    // The Server a request in flight belongs to; null once it ended.
    static Server* owner_of(const sb_request* request);
    // Ends a request; false when it already ended (a plugin bug, logged). `result_bytes` is the
    // size of the result as the plugin sent it, when known (it spares serializing it again).
    bool end_request(sb_request* request, bool ok, nlohmann::json payload,
                     std::optional<size_t> result_bytes = std::nullopt);
    // Marks a request cancelled and tells its plugin.
    void cancel_request(sb_request* request);
    // The request when it is still in flight.
    std::shared_ptr<sb_request> find_request(sb_request* request) const;

    // A tools/call from inside the process (plugin to plugin). `reply` runs on the executor.
    // Returns a call id for cancel_call.
    uint64_t call_tool(const std::string& caller, const nlohmann::json& params,
                       std::function<void(bool ok, nlohmann::json payload)> reply);
    void cancel_call(uint64_t call_id);

    // Builds a request for a routed method, or returns a JSON-RPC error object.
    struct Routed {
        std::shared_ptr<sb_request> request;
        nlohmann::json error;  // {"code","message"} when request is null
    };
    Routed route(const std::string& method, const nlohmann::json& params);

    // Cancels everything in flight, fails pending client requests, and waits up to the grace period.
    void shutdown();

 private:
    Config config_;
    Executor& executor_;
    Catalog catalog_;
    EventBus bus_;

    mutable std::mutex plugins_mutex_;
    std::map<std::string, PluginInstance*> plugins_;  // guarded by plugins_mutex_

    mutable std::mutex sessions_mutex_;
    std::map<std::string, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mutex_

    mutable std::mutex requests_mutex_;
    std::condition_variable requests_drained_;
    std::unordered_map<sb_request*, std::shared_ptr<sb_request>> requests_;  // guarded by requests_mutex_
    std::map<uint64_t, std::weak_ptr<sb_request>> calls_;                    // guarded by requests_mutex_
    uint64_t next_call_id_ = 1;                                              // guarded by requests_mutex_
};

}  // namespace switchboard::host
