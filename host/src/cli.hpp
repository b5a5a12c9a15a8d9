// cli.hpp: command-line options of the switchboard executable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::host {

enum class Mode { stdio, http, validate_plugin, help, version };

struct Options {
    Mode mode = Mode::stdio;
    std::optional<std::filesystem::path> config;
    std::filesystem::path plugin_file;  // --validate-plugin
    std::string listen;                 // --http HOST:PORT; empty: http.listen from the config
    bool json = false;                  // --validate-plugin output as JSON
};

// Throws std::invalid_argument with a message for the user.
Options parse_options(const std::vector<std::string>& args);

std::string usage();

}  // namespace switchboard::host
