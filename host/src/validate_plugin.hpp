// validate_plugin.hpp: `switchboard --validate-plugin FILE`, for plugin authors.
#pragma once

#include <filesystem>

#include "config.hpp"

namespace switchboard::host {

// Loads `file` into a scratch host and prints its name, version, ABI and offerings, or exactly
// why it cannot load. Returns the process exit code: 0 when it loads, 1 when not.
int validate_plugin(const std::filesystem::path& file, const Config& config, bool as_json);

}  // namespace switchboard::host
