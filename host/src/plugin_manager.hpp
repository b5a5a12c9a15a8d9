// plugin_manager.hpp: turning the config's plugin section into running plugins.
//
// Resolves each enabled plugin to a file (an explicit path, or <id>.so in the plugin paths, or
// every *.so found there when `discover` is on), loads and creates each one, and refuses a bad one
// with a message naming the file and the reason while the others go on. Libraries stay loaded
// until the manager is destroyed at exit.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "plugin_instance.hpp"

namespace switchboard::host {

class Server;

struct PluginCandidate {
    std::string id;
    std::filesystem::path file;
};

// What the config asks for, in load order, plus the problems found while resolving it.
struct PluginPlan {
    std::vector<PluginCandidate> candidates;
    std::vector<std::string> problems;
};

PluginPlan plan_plugins(const Config& config);

class PluginManager {
 public:
    explicit PluginManager(Server& server) : server_(server) {}
    ~PluginManager();

    // Loads and creates one plugin. Returns the refusal reason, or nothing on success.
    std::optional<std::string> load(const std::string& id, const std::filesystem::path& file,
                                    const nlohmann::json& plugin_config);
    // Loads everything the config asks for; returns the refusals (already logged).
    std::vector<std::string> load_all(const Config& config);
    // Destroys the plugins, newest first. Libraries stay loaded until the manager goes.
    void destroy_all();

    const std::vector<std::unique_ptr<PluginInstance>>& plugins() const { return plugins_; }

 private:
    Server& server_;
    std::vector<std::unique_ptr<PluginInstance>> plugins_;
};

}  // namespace switchboard::host
