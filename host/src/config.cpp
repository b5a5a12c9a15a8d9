// config.cpp: parsing and validation of the host configuration.
#include "config.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <openssl/evp.h>

namespace switchboard::host {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string describe(const json& value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

[[noreturn]] void refuse(const std::string& path, const std::string& what) { throw ConfigError(path + ": " + what); }

// Replaces every `${env:NAME}` in every string of `value`, recursively.
void substitute_env(json& value, const std::string& path) {
    if (value.is_object()) {
        for (auto& [key, item] : value.items()) substitute_env(item, path + "." + key);
    } else if (value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i) substitute_env(value[i], path + "[" + std::to_string(i) + "]");
    } else if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        std::string out;
        size_t pos = 0;
        while (true) {
            const size_t start = text.find("${env:", pos);
            if (start == std::string::npos) break;
            const size_t end = text.find('}', start);
            if (end == std::string::npos) refuse(path, "unterminated ${env:NAME} reference");
            const std::string name = text.substr(start + 6, end - start - 6);
            if (name.empty()) refuse(path, "empty variable name in ${env:}");
            const char* found = std::getenv(name.c_str());
            if (found == nullptr) refuse(path, "environment variable " + name + " is not set");
            out += text.substr(pos, start - pos);
            out += found;
            pos = end + 1;
        }
        if (pos != 0) value = out + text.substr(pos);
    }
}

void only_keys(const json& object, const std::string& path, const std::set<std::string>& accepted) {
    for (const auto& [key, value] : object.items()) {
        if (accepted.count(key) != 0) continue;
        std::string list;
        for (const auto& name : accepted) list += (list.empty() ? "" : ", ") + name;
        refuse(path + "." + key, "unknown key; accepted keys here: " + list);
    }
}

const json& expect_object(const json& value, const std::string& path) {
    if (!value.is_object()) refuse(path, "expected an object, got " + describe(value));
    return value;
}

std::string expect_string(const json& value, const std::string& path) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty())
        refuse(path, "expected a non-empty string, got " + describe(value));
    return value.get<std::string>();
}

bool expect_bool(const json& value, const std::string& path) {
    if (!value.is_boolean()) refuse(path, "expected true or false, got " + describe(value));
    return value.get<bool>();
}

uint64_t expect_count(const json& value, const std::string& path, uint64_t min, uint64_t max) {
    if (!value.is_number_integer() || value.get<int64_t>() < static_cast<int64_t>(min) || value.get<uint64_t>() > max)
        refuse(path, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                         describe(value));
    return value.get<uint64_t>();
}

fs::path resolve(const fs::path& path, const fs::path& base_dir) {
    return path.is_absolute() ? path : (base_dir / path).lexically_normal();
}

bool valid_plugin_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

fs::path default_data_dir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0')
        return fs::path(xdg) / "switchboard";
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
        return fs::path(home) / ".local" / "share" / "switchboard";
    return fs::current_path() / "switchboard-data";
}

void parse_plugins(const json& plugins, Config& config, const fs::path& base_dir) {
    expect_object(plugins, "$.plugins");
    for (const auto& [id, entry] : plugins.items()) {
        const std::string path = "$.plugins." + id;
        if (!valid_plugin_id(id)) refuse(path, "plugin ids are 1-64 characters of A-Z, a-z, 0-9, _ and -");
        expect_object(entry, path);
        only_keys(entry, path, {"enabled", "path", "config"});
        PluginSettings settings;
        if (entry.contains("enabled")) settings.enabled = expect_bool(entry["enabled"], path + ".enabled");
        if (entry.contains("path")) settings.path = resolve(expect_string(entry["path"], path + ".path"), base_dir);
        if (entry.contains("config")) settings.config = expect_object(entry["config"], path + ".config");
        config.plugins.emplace(id, std::move(settings));
    }
}

void parse_log(const json& log, Config& config, const fs::path& base_dir) {
    expect_object(log, "$.log");
    only_keys(log, "$.log", {"level", "file"});
    if (log.contains("level")) {
        static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
        const std::string level = expect_string(log["level"], "$.log.level");
        if (levels.count(level) == 0)
            refuse("$.log.level",
                   "expected one of trace, debug, info, warn, error, critical, off, got \"" + level + "\"");
        config.log.level = level;
    }
    if (log.contains("file")) config.log.file = resolve(expect_string(log["file"], "$.log.file"), base_dir);
}

void parse_limits(const json& limits, Config& config) {
    expect_object(limits, "$.limits");
    only_keys(limits, "$.limits",
              {"max_message_bytes", "page_size", "executor_threads", "blocking_threads", "client_request_timeout_ms",
               "shutdown_grace_ms"});
    Limits& out = config.limits;
    if (limits.contains("max_message_bytes"))
        out.max_message_bytes =
            expect_count(limits["max_message_bytes"], "$.limits.max_message_bytes", 1024, 1ULL << 30);
    if (limits.contains("page_size")) out.page_size = expect_count(limits["page_size"], "$.limits.page_size", 1, 10000);
    if (limits.contains("executor_threads"))
        out.executor_threads =
            static_cast<unsigned>(expect_count(limits["executor_threads"], "$.limits.executor_threads", 1, 256));
    if (limits.contains("blocking_threads"))
        out.blocking_threads =
            static_cast<unsigned>(expect_count(limits["blocking_threads"], "$.limits.blocking_threads", 1, 1024));
    if (limits.contains("client_request_timeout_ms"))
        out.client_request_timeout_ms =
            expect_count(limits["client_request_timeout_ms"], "$.limits.client_request_timeout_ms", 1, 86400000);
    if (limits.contains("shutdown_grace_ms"))
        out.shutdown_grace_ms = expect_count(limits["shutdown_grace_ms"], "$.limits.shutdown_grace_ms", 0, 60000);
}

std::vector<std::string> expect_strings(const json& value, const std::string& path) {
    if (!value.is_array()) refuse(path, "expected an array of strings, got " + describe(value));
    std::vector<std::string> out;
    for (size_t i = 0; i < value.size(); ++i)
        out.push_back(expect_string(value[i], path + "[" + std::to_string(i) + "]"));
    return out;
}

// Tokens are kept only as hashes, so the plain secret is gone once the config is parsed.
std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

void parse_http(const json& http, Config& config) {
    expect_object(http, "$.http");
    only_keys(http, "$.http",
              {"listen", "endpoint", "allowed_hosts", "allowed_origins", "cors_origins", "bearer_tokens",
               "max_body_bytes", "max_sessions", "session_idle_timeout_ms", "header_timeout_ms", "read_timeout_ms",
               "event_buffer", "sse_retry_ms", "max_pending_write_bytes", "path_aliases"});
    HttpSettings& out = config.http;
    if (http.contains("listen")) {
        out.listen = expect_string(http["listen"], "$.http.listen");
        if (out.listen.rfind(':') == std::string::npos)
            refuse("$.http.listen", "expected HOST:PORT, got \"" + out.listen + "\"");
    }
    if (http.contains("endpoint")) {
        out.endpoint = expect_string(http["endpoint"], "$.http.endpoint");
        if (out.endpoint.front() != '/') refuse("$.http.endpoint", "expected a path starting with '/'");
    }
    if (http.contains("allowed_hosts"))
        out.allowed_hosts = expect_strings(http["allowed_hosts"], "$.http.allowed_hosts");
    if (http.contains("allowed_origins"))
        out.allowed_origins = expect_strings(http["allowed_origins"], "$.http.allowed_origins");
    if (http.contains("cors_origins")) out.cors_origins = expect_strings(http["cors_origins"], "$.http.cors_origins");
    if (http.contains("bearer_tokens")) {
        for (const auto& token : expect_strings(http["bearer_tokens"], "$.http.bearer_tokens")) {
            if (token.size() < 16) refuse("$.http.bearer_tokens", "tokens must be at least 16 characters long");
            out.bearer_token_sha256.push_back(sha256_hex(token));
        }
    }
    if (http.contains("path_aliases")) {
        expect_object(http["path_aliases"], "$.http.path_aliases");
        out.path_aliases.clear();
        for (const auto& [path, target] : http["path_aliases"].items()) {
            const std::string where = "$.http.path_aliases[\"" + path + "\"]";
            const std::string to = expect_string(target, where);
            if (path.empty() || path.front() != '/' || path.rfind("/api/v1/", 0) == 0 || path == "/healthz" ||
                path == out.endpoint)
                refuse(where,
                       "expected a path starting with '/', outside /api/v1/ and other than /healthz and "
                       "the MCP endpoint");
            if (to.rfind("/api/v1/", 0) != 0 || to.find('?') != std::string::npos)
                refuse(where, "expected a plugin route path under /api/v1/ without a query, got \"" + to + "\"");
            out.path_aliases[path] = to;
        }
    }
    auto count = [&](const char* key, auto& field, uint64_t min, uint64_t max) {
        if (http.contains(key))
            field = static_cast<std::remove_reference_t<decltype(field)>>(
                expect_count(http[key], std::string("$.http.") + key, min, max));
    };
    count("max_body_bytes", out.max_body_bytes, 1024, 1ULL << 30);
    count("max_sessions", out.max_sessions, 1, 1000000);
    count("session_idle_timeout_ms", out.session_idle_timeout_ms, 1000, 7ULL * 86400000);
    count("header_timeout_ms", out.header_timeout_ms, 100, 600000);
    count("read_timeout_ms", out.read_timeout_ms, 100, 3600000);
    count("event_buffer", out.event_buffer, 1, 1000000);
    count("sse_retry_ms", out.sse_retry_ms, 0, 600000);
    count("max_pending_write_bytes", out.max_pending_write_bytes, 65536, 1ULL << 32);
}

}  // namespace

std::string token_sha256(const std::string& token) { return sha256_hex(token); }

Config default_config(const fs::path& default_plugin_dir) {
    Config config;
    config.data_dir = default_data_dir();
    config.plugin_paths = {default_plugin_dir};
    config.discover = true;
    return config;
}

Config parse_config(const std::string& text, const fs::path& base_dir, const fs::path& default_plugin_dir) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ConfigError(std::string("$: not valid JSON: ") + e.what());
    }
    expect_object(root, "$");
    only_keys(root, "$",
              {"$schema", "data_dir", "plugin_paths", "plugins", "discover", "server", "log", "limits", "http"});
    substitute_env(root, "$");

    Config config;
    config.data_dir = root.contains("data_dir") ? resolve(expect_string(root["data_dir"], "$.data_dir"), base_dir)
                                                : default_data_dir();
    if (root.contains("plugin_paths")) {
        const json& paths = root["plugin_paths"];
        if (!paths.is_array()) refuse("$.plugin_paths", "expected an array of directory paths, got " + describe(paths));
        for (size_t i = 0; i < paths.size(); ++i)
            config.plugin_paths.push_back(
                resolve(expect_string(paths[i], "$.plugin_paths[" + std::to_string(i) + "]"), base_dir));
    } else {
        config.plugin_paths = {default_plugin_dir};
    }
    if (root.contains("plugins")) parse_plugins(root["plugins"], config, base_dir);
    if (root.contains("discover")) config.discover = expect_bool(root["discover"], "$.discover");
    if (root.contains("server")) {
        const json& server = expect_object(root["server"], "$.server");
        only_keys(server, "$.server", {"name", "instructions"});
        if (server.contains("name")) config.server_name = expect_string(server["name"], "$.server.name");
        if (server.contains("instructions"))
            config.instructions = expect_string(server["instructions"], "$.server.instructions");
    }
    if (root.contains("log")) parse_log(root["log"], config, base_dir);
    if (root.contains("limits")) parse_limits(root["limits"], config);
    if (root.contains("http")) parse_http(root["http"], config);
    return config;
}

Config load_config(const fs::path& path, const fs::path& default_plugin_dir) {
    std::ifstream file(path);
    if (!file) throw ConfigError(path.string() + ": cannot read the config file");
    std::stringstream text;
    text << file.rdbuf();
    try {
        return parse_config(text.str(), fs::absolute(path).parent_path(), default_plugin_dir);
    } catch (const ConfigError& e) {
        throw ConfigError(path.string() + ": " + e.what());
    }
}

}  // namespace switchboard::host
