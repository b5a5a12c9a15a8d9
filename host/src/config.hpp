// config.hpp: the host's JSON configuration, loaded and validated in one step.
//
// Every mistake is refused with the JSON path of the problem and what is accepted there, for
// example `$.plugins.knowledge.enabled: expected true or false, got "yes"`. `${env:NAME}` in any
// string is replaced by the environment variable NAME; a missing variable is an error. The format
// is documented in docs/configuration.md.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchboard::host {

// A refused configuration; what() starts with the JSON path.
class ConfigError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct PluginSettings {
    bool enabled = true;
    std::optional<std::filesystem::path> path;  // explicit library file; otherwise searched
    nlohmann::json config = nlohmann::json::object();
};

struct Limits {
    size_t max_message_bytes = 4 * 1024 * 1024;   // one JSON-RPC message, in bytes
    size_t page_size = 100;                       // items per page of every list
    unsigned executor_threads = 2;                // non-blocking work and plugin dispatch
    unsigned blocking_threads = 8;                // disk, SQLite, waiting on clients
    uint64_t client_request_timeout_ms = 300000;  // sampling, elicitation, roots
    uint64_t shutdown_grace_ms = 500;             // in-flight requests at exit
};

struct LogSettings {
    std::string level = "info";                 // trace, debug, info, warn, error, critical, off
    std::optional<std::filesystem::path> file;  // stderr when unset
};

// The Streamable HTTP transport (`--http`). Safe by default: loopback only, Host and Origin
// checked against loopback names, bounded bodies, sessions and buffers.
struct HttpSettings {
    std::string listen = "127.0.0.1:8080";  // host:port; --http overrides it
    std::string endpoint = "/mcp";
    std::vector<std::string> allowed_hosts;        // Host header values; empty: loopback names only
    std::vector<std::string> allowed_origins;      // Origin values; empty: loopback origins only
    std::vector<std::string> cors_origins;         // origins that get CORS headers on /api/v1
    std::vector<std::string> bearer_token_sha256;  // hex SHA-256 of each accepted token; empty: no auth
    // Paths outside /api/v1 served by a plugin route, for tools that expect a fixed path (a
    // Prometheus scraper reads /metrics).
    std::map<std::string, std::string> path_aliases = {{"/metrics", "/api/v1/metrics/prometheus"}};
    size_t max_body_bytes = 4 * 1024 * 1024;
    size_t max_sessions = 4096;
    uint64_t session_idle_timeout_ms = 3600000;
    uint64_t header_timeout_ms = 10000;                // a client must send its headers within this time
    uint64_t read_timeout_ms = 30000;                  // and its body within this time
    size_t event_buffer = 1024;                        // SSE events kept per session for resumption
    uint64_t sse_retry_ms = 1000;                      // the `retry` advice sent on every stream
    size_t max_pending_write_bytes = 8 * 1024 * 1024;  // a client that stops reading is dropped past this
};

struct Config {
    std::filesystem::path data_dir;
    std::vector<std::filesystem::path> plugin_paths;
    std::map<std::string, PluginSettings> plugins;
    bool discover = false;  // load every plugin found in plugin_paths unless disabled
    std::string server_name = "switchboard";
    std::string instructions;
    LogSettings log;
    Limits limits;
    HttpSettings http;
};

// Parses and validates `text`. Relative paths are resolved against `base_dir`.
// `default_plugin_dir` is used when `plugin_paths` is absent. Throws ConfigError.
Config parse_config(const std::string& text, const std::filesystem::path& base_dir,
                    const std::filesystem::path& default_plugin_dir);

// Reads and parses the file at `path`. Throws ConfigError (which names the file).
Config load_config(const std::filesystem::path& path, const std::filesystem::path& default_plugin_dir);

// Hex SHA-256 of a bearer token, as kept in HttpSettings::bearer_token_sha256.
std::string token_sha256(const std::string& token);

// The configuration used without --config: no plugins but those discovered in the default dir.
Config default_config(const std::filesystem::path& default_plugin_dir);

}  // namespace switchboard::host
