// cli.cpp: parsing the command line.
#include "cli.hpp"

#include <stdexcept>

namespace switchboard::host {

std::string usage() {
    return R"(switchboard: an MCP server that hosts plugins

Usage:
  switchboard [--config FILE] [--stdio]       serve MCP over stdin/stdout (the default)
  switchboard [--config FILE] --http [HOST:PORT]
                                              serve MCP over Streamable HTTP at http://HOST:PORT/mcp
                                              (default http.listen, 127.0.0.1:8080)
  switchboard --validate-plugin FILE [--json] load one plugin and report what it offers
  switchboard --version
  switchboard --help

Options:
  --config FILE   the JSON configuration (see docs/configuration.md). Without it,
                  every plugin in <prefix>/lib/switchboard/plugins is loaded.
  --stdio         serve one client on stdin/stdout; logs go to stderr or log.file.
  --http          serve many clients over Streamable HTTP; GET /healthz answers once ready.
)";
}

Options parse_options(const std::vector<std::string>& args) {
    Options options;
    bool mode_set = false;
    auto set_mode = [&](Mode mode) {
        if (mode_set && options.mode != mode)
            throw std::invalid_argument("choose one of --stdio, --http, --validate-plugin");
        options.mode = mode;
        mode_set = true;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const char* what) -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs " + what);
            return args[++i];
        };
        if (arg == "--help" || arg == "-h") return Options{Mode::help, {}, {}, {}, false};
        if (arg == "--version" || arg == "-V") return Options{Mode::version, {}, {}, {}, false};
        if (arg == "--config" || arg == "-c") {
            options.config = value("a file path");
        } else if (arg == "--stdio") {
            set_mode(Mode::stdio);
        } else if (arg == "--http") {
            set_mode(Mode::http);
            if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) options.listen = args[++i];
        } else if (arg == "--validate-plugin") {
            set_mode(Mode::validate_plugin);
            options.plugin_file = value("a plugin file path");
        } else if (arg == "--json") {
            options.json = true;
        } else {
            throw std::invalid_argument("unknown option \"" + arg + "\"; see --help");
        }
    }
    return options;
}

}  // namespace switchboard::host
