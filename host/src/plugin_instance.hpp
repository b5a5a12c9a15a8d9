// plugin_instance.hpp: one loaded plugin, its service table and its lifecycle.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "http_routes.hpp"
#include "plugin_loader.hpp"
#include "switchboard/plugin.h"

namespace switchboard::host {
class Server;
class PluginInstance;
}  // namespace switchboard::host

// The host as one plugin sees it: the context behind every sb_host_api function.
struct sb_host {
    switchboard::host::Server* server = nullptr;
    switchboard::host::PluginInstance* plugin = nullptr;
};

namespace switchboard::host {

class PluginInstance {
 public:
    PluginInstance(std::string id, LoadedLibrary library, Server& server, nlohmann::json config,
                   std::filesystem::path data_dir);
    ~PluginInstance();
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;

    // Runs the plugin's create. On failure returns the reason (naming the file), after undoing
    // whatever the plugin registered. Any registration refused during create fails the plugin.
    std::optional<std::string> create();
    // Runs the plugin's destroy once. Idempotent.
    void destroy();

    void handle(sb_request* request);
    void cancelled(sb_request* request);

    const std::string& id() const { return id_; }
    const std::filesystem::path& file() const { return library_.file; }
    const sb_plugin_entry& entry() const { return *library_.entry; }
    std::string instructions() const;
    HttpRoutes& http_routes() { return http_routes_; }
    Server& server() { return server_; }

    // ---- called by the service table ----
    void set_instructions(std::string text);
    void fail(std::string reason);
    // A registration was refused: logged, and fatal for the plugin while it is being created.
    void registration_refused(const std::string& reason);
    void log(sb_log_level level, std::string_view message) const;

 private:
    std::string id_;
    LoadedLibrary library_;
    Server& server_;
    std::string config_text_;
    std::string data_dir_;
    sb_host host_;
    sb_host_api api_;
    HttpRoutes http_routes_;
    void* instance_ = nullptr;

    mutable std::mutex mutex_;
    std::string instructions_;                    // guarded by mutex_
    bool creating_ = false;                       // guarded by mutex_
    std::vector<std::string> creation_problems_;  // guarded by mutex_
};

}  // namespace switchboard::host
