// plugin_loader.hpp: opening a plugin library and checking its entry before any plugin code runs.
#pragma once

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <string>
#include <variant>

#include "switchboard/plugin.h"

namespace switchboard::host {

struct LoadedLibrary {
    std::filesystem::path file;
    boost::dll::shared_library library;  // unloading it invalidates `entry`
    const sb_plugin_entry* entry = nullptr;
};

// Opens `file` with RTLD_NOW | RTLD_LOCAL and validates its entry: the symbol, the ABI version
// rule (same major, minor not newer than the host's), the struct size and the required function
// pointers. On failure returns the reason, which names the file.
std::variant<LoadedLibrary, std::string> load_plugin_library(const std::filesystem::path& file);

}  // namespace switchboard::host
