// plugin_manager.cpp: resolving, loading and creating plugins.
#include "plugin_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "server.hpp"

namespace switchboard::host {
namespace {

namespace fs = std::filesystem;

std::string path_list(const std::vector<fs::path>& paths) {
    std::string out;
    for (const auto& path : paths) out += (out.empty() ? "" : ", ") + path.string();
    return out.empty() ? "(none)" : out;
}

}  // namespace

PluginPlan plan_plugins(const Config& config) {
    PluginPlan plan;
    std::set<std::string> planned;
    for (const auto& [id, settings] : config.plugins) {
        if (!settings.enabled) continue;
        fs::path file;
        if (settings.path) {
            file = *settings.path;
        } else {
            for (const auto& dir : config.plugin_paths) {
                std::error_code error;
                if (fs::is_regular_file(dir / (id + ".so"), error)) {
                    file = dir / (id + ".so");
                    break;
                }
            }
            if (file.empty()) {
                plan.problems.push_back("plugin \"" + id + "\": no " + id + ".so in the plugin paths (" +
                                        path_list(config.plugin_paths) + "); set plugins." + id +
                                        ".path or add its folder to plugin_paths");
                continue;
            }
        }
        plan.candidates.push_back({id, file});
        planned.insert(id);
    }
    if (!config.discover) return plan;
    for (const auto& dir : config.plugin_paths) {
        std::error_code error;
        std::vector<fs::path> found;
        for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
            if (it->path().extension() == ".so") found.push_back(it->path());
        std::sort(found.begin(), found.end());
        for (const auto& file : found) {
            const std::string id = file.stem().string();
            auto settings = config.plugins.find(id);
            if (planned.count(id) != 0 || (settings != config.plugins.end() && !settings->second.enabled)) continue;
            plan.candidates.push_back({id, file});
            planned.insert(id);
        }
    }
    return plan;
}

PluginManager::~PluginManager() { destroy_all(); }

std::optional<std::string> PluginManager::load(const std::string& id, const fs::path& file,
                                               const nlohmann::json& plugin_config) {
    auto loaded = load_plugin_library(file);
    if (auto* reason = std::get_if<std::string>(&loaded)) return *reason;
    auto plugin = std::make_unique<PluginInstance>(id, std::move(std::get<LoadedLibrary>(loaded)), server_,
                                                   plugin_config, server_.config().data_dir / id);
    // Registered first so requests can be routed as soon as create adds a tool.
    server_.add_plugin(plugin.get());
    if (auto refused = plugin->create()) {
        server_.remove_plugin(id);
        return refused;
    }
    const auto& entry = plugin->entry();
    spdlog::info("loaded plugin {} ({} {}, ABI {}.{}) from {}", id, entry.name, entry.version, entry.abi_major,
                 entry.abi_minor, file.string());
    plugins_.push_back(std::move(plugin));
    return std::nullopt;
}

std::vector<std::string> PluginManager::load_all(const Config& config) {
    PluginPlan plan = plan_plugins(config);
    std::vector<std::string> refusals = plan.problems;
    for (const auto& candidate : plan.candidates) {
        auto settings = config.plugins.find(candidate.id);
        const nlohmann::json plugin_config =
            settings != config.plugins.end() ? settings->second.config : nlohmann::json::object();
        if (auto refused = load(candidate.id, candidate.file, plugin_config)) refusals.push_back(*refused);
    }
    for (const auto& refusal : refusals) spdlog::error("{}", refusal);
    return refusals;
}

void PluginManager::destroy_all() {
    for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) (*it)->destroy();
}

}  // namespace switchboard::host
