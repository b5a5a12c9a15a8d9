// validate_plugin.cpp: load one plugin in a scratch host and describe it.
#include "validate_plugin.hpp"

#include <unistd.h>

#include <iostream>

#include "executor.hpp"
#include "plugin_manager.hpp"
#include "server.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

void print_names(const json& items, const char* title, const char* key) {
    std::cout << title << " (" << items.size() << ")\n";
    for (const auto& item : items) {
        std::cout << "  " << item.value(key, "");
        if (item.contains("description")) std::cout << ": " << item["description"].get<std::string>();
        std::cout << "\n";
    }
}

}  // namespace

int validate_plugin(const fs::path& file, const Config& base_config, bool as_json) {
    // A scratch data directory, so validating never touches a user's data.
    std::string scratch = (fs::temp_directory_path() / "switchboard-validate-XXXXXX").string();
    if (::mkdtemp(scratch.data()) == nullptr) {
        std::cerr << "cannot create a scratch directory in " << fs::temp_directory_path() << "\n";
        return 1;
    }
    Config config = base_config;
    config.data_dir = scratch;
    const std::string id = file.stem().string();
    auto settings = config.plugins.find(id);
    const json plugin_config = settings != config.plugins.end() ? settings->second.config : json::object();

    int status = 0;
    {
        Executor executor(1, 2);
        Server server(config, executor);
        PluginManager manager(server);
        auto refused = manager.load(id, fs::absolute(file), plugin_config);
        if (refused) {
            if (as_json)
                std::cout << json{{"ok", false}, {"file", fs::absolute(file).string()}, {"error", *refused}}.dump(2)
                          << "\n";
            else
                std::cout << "cannot load: " << *refused << "\n";
            status = 1;
        } else {
            const PluginInstance& plugin = *manager.plugins().front();
            const sb_plugin_entry& entry = plugin.entry();
            json offers = server.catalog().describe_plugin(id);
            offers["httpRoutes"] = manager.plugins().front()->http_routes().describe();
            const std::string abi = std::to_string(entry.abi_major) + "." + std::to_string(entry.abi_minor);
            if (as_json) {
                std::cout << json{{"ok", true},
                                  {"id", id},
                                  {"file", plugin.file().string()},
                                  {"name", entry.name},
                                  {"version", entry.version},
                                  {"description", entry.description ? entry.description : ""},
                                  {"abi", abi},
                                  {"hostAbi", std::to_string(SB_ABI_MAJOR) + "." + std::to_string(SB_ABI_MINOR)},
                                  {"offers", offers}}
                                 .dump(2)
                          << "\n";
            } else {
                std::cout << "plugin " << id << ": " << entry.name << " " << entry.version << "\n"
                          << "file: " << plugin.file().string() << "\n"
                          << "ABI: " << abi << " (host " << SB_ABI_MAJOR << "." << SB_ABI_MINOR << ")\n";
                if (entry.description) std::cout << "description: " << entry.description << "\n";
                print_names(offers["tools"], "tools", "name");
                print_names(offers["resources"], "resources", "uri");
                print_names(offers["resourceTemplates"], "resource templates", "uriTemplate");
                print_names(offers["prompts"], "prompts", "name");
                print_names(offers["httpRoutes"], "HTTP routes", "path");
                std::cout << "OK: the plugin loads into this host\n";
            }
        }
        executor.stop();
        manager.destroy_all();
    }
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
    return status;
}

}  // namespace switchboard::host
