// config_test.cpp: the host configuration: what parses, what is refused and how the refusal reads.
#include "config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "test_support.hpp"

namespace switchboard::host {
namespace {

namespace fs = std::filesystem;
using switchboard::testing::ScopedEnv;
using switchboard::testing::TempDir;

const fs::path base_dir = "/etc/switchboard";
const fs::path default_plugins = "/opt/switchboard/lib/switchboard/plugins";

Config parse(const std::string& text) { return parse_config(text, base_dir, default_plugins); }

// The message of the ConfigError that parsing `text` throws, or a failure when it parses.
std::string refusal(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "config was accepted but should have been refused: " << text;
    return {};
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

TEST(Config, ValidConfigParsesEverySection) {
    const Config config = parse(R"({
      "$schema": "https://example.com/switchboard.schema.json",
      "data_dir": "/var/lib/switchboard",
      "plugin_paths": ["/usr/lib/switchboard/plugins", "/opt/extra"],
      "discover": true,
      "plugins": {
        "hello": {"config": {"greeting": "Welcome", "nested": {"n": 1}}},
        "my_plugin-2": {"path": "/opt/my-plugin/my_plugin.so", "enabled": true},
        "legacy": {"enabled": false}
      },
      "server": {"name": "team-switchboard", "instructions": "Tools for our agent team."},
      "log": {"level": "debug", "file": "/tmp/switchboard.log"},
      "limits": {"max_message_bytes": 2048, "page_size": 7, "executor_threads": 3, "blocking_threads": 5,
                 "client_request_timeout_ms": 1500, "shutdown_grace_ms": 0}
    })");
    EXPECT_EQ(config.data_dir, fs::path("/var/lib/switchboard"));
    ASSERT_EQ(config.plugin_paths.size(), 2u);
    EXPECT_EQ(config.plugin_paths[0], fs::path("/usr/lib/switchboard/plugins"));
    EXPECT_EQ(config.plugin_paths[1], fs::path("/opt/extra"));
    EXPECT_TRUE(config.discover);

    ASSERT_EQ(config.plugins.size(), 3u);
    const PluginSettings& hello = config.plugins.at("hello");
    EXPECT_TRUE(hello.enabled);
    EXPECT_FALSE(hello.path.has_value());
    EXPECT_EQ(hello.config, nlohmann::json::parse(R"({"greeting": "Welcome", "nested": {"n": 1}})"));
    const PluginSettings& mine = config.plugins.at("my_plugin-2");
    ASSERT_TRUE(mine.path.has_value());
    EXPECT_EQ(*mine.path, fs::path("/opt/my-plugin/my_plugin.so"));
    EXPECT_EQ(mine.config, nlohmann::json::object());
    EXPECT_FALSE(config.plugins.at("legacy").enabled);

    EXPECT_EQ(config.server_name, "team-switchboard");
    EXPECT_EQ(config.instructions, "Tools for our agent team.");
    EXPECT_EQ(config.log.level, "debug");
    ASSERT_TRUE(config.log.file.has_value());
    EXPECT_EQ(*config.log.file, fs::path("/tmp/switchboard.log"));
    EXPECT_EQ(config.limits.max_message_bytes, 2048u);
    EXPECT_EQ(config.limits.page_size, 7u);
    EXPECT_EQ(config.limits.executor_threads, 3u);
    EXPECT_EQ(config.limits.blocking_threads, 5u);
    EXPECT_EQ(config.limits.client_request_timeout_ms, 1500u);
    EXPECT_EQ(config.limits.shutdown_grace_ms, 0u);
}

TEST(Config, DefaultsWhenKeysAreAbsent) {
    ScopedEnv xdg("XDG_DATA_HOME", "/home/someone/.data");
    const Config config = parse("{}");
    EXPECT_EQ(config.data_dir, fs::path("/home/someone/.data/switchboard"));
    ASSERT_EQ(config.plugin_paths.size(), 1u);
    EXPECT_EQ(config.plugin_paths[0], default_plugins);
    EXPECT_TRUE(config.plugins.empty());
    EXPECT_FALSE(config.discover);
    EXPECT_EQ(config.server_name, "switchboard");
    EXPECT_EQ(config.instructions, "");
    EXPECT_EQ(config.log.level, "info");
    EXPECT_FALSE(config.log.file.has_value());
    const Limits defaults;
    EXPECT_EQ(config.limits.max_message_bytes, 4u * 1024 * 1024);
    EXPECT_EQ(config.limits.page_size, defaults.page_size);
    EXPECT_EQ(config.limits.executor_threads, defaults.executor_threads);
    EXPECT_EQ(config.limits.blocking_threads, defaults.blocking_threads);
    EXPECT_EQ(config.limits.client_request_timeout_ms, defaults.client_request_timeout_ms);
    EXPECT_EQ(config.limits.shutdown_grace_ms, defaults.shutdown_grace_ms);
}

TEST(Config, DataDirFallsBackToHomeWithoutXdg) {
    ScopedEnv xdg("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", "/home/someone");
    EXPECT_EQ(parse("{}").data_dir, fs::path("/home/someone/.local/share/switchboard"));
}

TEST(Config, DefaultConfigDiscoversTheDefaultPluginDir) {
    const Config config = default_config(default_plugins);
    EXPECT_TRUE(config.discover);
    ASSERT_EQ(config.plugin_paths.size(), 1u);
    EXPECT_EQ(config.plugin_paths[0], default_plugins);
    EXPECT_TRUE(config.plugins.empty());
    EXPECT_FALSE(config.data_dir.empty());
}

TEST(Config, RelativePathsResolveAgainstTheConfigDir) {
    const Config config = parse(R"({
      "data_dir": "data",
      "plugin_paths": ["plugins", "../shared/plugins", "/abs/plugins"],
      "plugins": {"p": {"path": "./custom/p.so"}},
      "log": {"file": "logs/switchboard.log"}
    })");
    EXPECT_EQ(config.data_dir, fs::path("/etc/switchboard/data"));
    EXPECT_EQ(config.plugin_paths[0], fs::path("/etc/switchboard/plugins"));
    EXPECT_EQ(config.plugin_paths[1], fs::path("/etc/shared/plugins"));
    EXPECT_EQ(config.plugin_paths[2], fs::path("/abs/plugins"));
    EXPECT_EQ(*config.plugins.at("p").path, fs::path("/etc/switchboard/custom/p.so"));
    EXPECT_EQ(*config.log.file, fs::path("/etc/switchboard/logs/switchboard.log"));
}

TEST(Config, LoadConfigResolvesAgainstTheFilesDirectory) {
    TempDir dir;
    const fs::path file = dir.write("conf/switchboard.json", R"({"data_dir": "state", "plugin_paths": ["p"]})");
    const Config config = load_config(file, default_plugins);
    EXPECT_EQ(config.data_dir, dir.path() / "conf" / "state");
    EXPECT_EQ(config.plugin_paths.at(0), dir.path() / "conf" / "p");
}

TEST(Config, LoadConfigNamesTheFileInErrors) {
    TempDir dir;
    const fs::path file = dir.write("bad.json", R"({"limits": {"page_size": 0}})");
    try {
        load_config(file, default_plugins);
        FAIL() << "a page_size of 0 was accepted";
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        EXPECT_TRUE(starts_with(message, file.string() + ": $.limits.page_size")) << message;
    }
    try {
        load_config(dir.path() / "missing.json", default_plugins);
        FAIL() << "a missing file was accepted";
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find((dir.path() / "missing.json").string()), std::string::npos) << message;
        EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
    }
}

TEST(Config, EnvSubstitutionAnywhereInStrings) {
    ScopedEnv token("SB_TEST_TOKEN", "s3cret");
    ScopedEnv root("SB_TEST_ROOT", "/srv/sb");
    const Config config = parse(R"({
      "data_dir": "${env:SB_TEST_ROOT}/data",
      "plugin_paths": ["${env:SB_TEST_ROOT}/plugins"],
      "plugins": {"k": {"config": {"token": "Bearer ${env:SB_TEST_TOKEN}",
                                   "both": "${env:SB_TEST_ROOT}:${env:SB_TEST_TOKEN}!",
                                   "list": ["${env:SB_TEST_TOKEN}", 3],
                                   "plain": "no $ {env:here}"}}}
    })");
    EXPECT_EQ(config.data_dir, fs::path("/srv/sb/data"));
    EXPECT_EQ(config.plugin_paths.at(0), fs::path("/srv/sb/plugins"));
    const auto& plugin_config = config.plugins.at("k").config;
    EXPECT_EQ(plugin_config["token"], "Bearer s3cret");
    EXPECT_EQ(plugin_config["both"], "/srv/sb:s3cret!");
    EXPECT_EQ(plugin_config["list"], nlohmann::json::parse(R"(["s3cret", 3])"));
    EXPECT_EQ(plugin_config["plain"], "no $ {env:here}");
}

TEST(Config, MissingEnvVariableIsRefusedWithItsPath) {
    ScopedEnv missing("SB_TEST_DEFINITELY_MISSING", nullptr);
    const std::string message =
        refusal(R"({"plugins": {"k": {"config": {"keys": ["x", "${env:SB_TEST_DEFINITELY_MISSING}"]}}}})");
    EXPECT_EQ(message, "$.plugins.k.config.keys[1]: environment variable SB_TEST_DEFINITELY_MISSING is not set");
}

TEST(Config, MalformedEnvReferencesAreRefused) {
    EXPECT_EQ(refusal(R"({"data_dir": "${env:UNTERMINATED"})"), "$.data_dir: unterminated ${env:NAME} reference");
    EXPECT_EQ(refusal(R"({"data_dir": "${env:}"})"), "$.data_dir: empty variable name in ${env:}");
}

TEST(Config, UnknownTopLevelKeyNamesTheKeyAndTheAcceptedOnes) {
    const std::string message = refusal(R"({"plugin_path": []})");
    EXPECT_TRUE(starts_with(message, "$.plugin_path: unknown key")) << message;
    for (const char* accepted :
         {"$schema", "data_dir", "plugin_paths", "plugins", "discover", "server", "log", "limits"})
        EXPECT_NE(message.find(accepted), std::string::npos) << accepted << " missing in: " << message;
}

TEST(Config, UnknownNestedKeysAreRefused) {
    EXPECT_TRUE(starts_with(refusal(R"({"plugins": {"k": {"enable": true}}})"), "$.plugins.k.enable: unknown key"));
    EXPECT_TRUE(starts_with(refusal(R"({"limits": {"page": 3}})"), "$.limits.page: unknown key"));
    EXPECT_TRUE(starts_with(refusal(R"({"log": {"lvl": "info"}})"), "$.log.lvl: unknown key"));
    EXPECT_TRUE(starts_with(refusal(R"({"server": {"title": "x"}})"), "$.server.title: unknown key"));
}

TEST(Config, WrongTypeForEnabled) {
    EXPECT_EQ(refusal(R"({"plugins": {"knowledge": {"enabled": "yes"}}})"),
              "$.plugins.knowledge.enabled: expected true or false, got \"yes\"");
    EXPECT_EQ(refusal(R"({"plugins": {"knowledge": {"enabled": 1}}})"),
              "$.plugins.knowledge.enabled: expected true or false, got 1");
}

TEST(Config, WrongTypesElsewhere) {
    EXPECT_EQ(refusal(R"({"discover": "true"})"), "$.discover: expected true or false, got \"true\"");
    EXPECT_EQ(refusal(R"({"data_dir": 5})"), "$.data_dir: expected a non-empty string, got 5");
    EXPECT_EQ(refusal(R"({"data_dir": ""})"), "$.data_dir: expected a non-empty string, got \"\"");
    EXPECT_EQ(refusal(R"({"plugins": []})"), "$.plugins: expected an object, got []");
    EXPECT_EQ(refusal(R"({"plugins": {"k": true}})"), "$.plugins.k: expected an object, got true");
    EXPECT_EQ(refusal(R"({"plugins": {"k": {"config": "x"}}})"), "$.plugins.k.config: expected an object, got \"x\"");
    EXPECT_EQ(refusal(R"({"plugins": {"k": {"path": ["a"]}}})"),
              "$.plugins.k.path: expected a non-empty string, got [\"a\"]");
    EXPECT_EQ(refusal(R"({"server": []})"), "$.server: expected an object, got []");
    EXPECT_EQ(refusal(R"({"log": {"file": 3}})"), "$.log.file: expected a non-empty string, got 3");
    EXPECT_EQ(refusal("[]"), "$: expected an object, got []");
}

TEST(Config, PluginPathsMustBeAnArrayOfStrings) {
    EXPECT_EQ(refusal(R"({"plugin_paths": "/usr/lib/switchboard"})"),
              "$.plugin_paths: expected an array of directory paths, got \"/usr/lib/switchboard\"");
    EXPECT_EQ(refusal(R"({"plugin_paths": ["/ok", 7]})"), "$.plugin_paths[1]: expected a non-empty string, got 7");
}

TEST(Config, BadPluginIdIsRefused) {
    const std::string message = refusal(R"({"plugins": {"bad id!": {}}})");
    EXPECT_EQ(message, "$.plugins.bad id!: plugin ids are 1-64 characters of A-Z, a-z, 0-9, _ and -");
    EXPECT_TRUE(starts_with(refusal(R"({"plugins": {"": {}}})"), "$.plugins.: plugin ids are"));
    EXPECT_TRUE(starts_with(refusal(R"({"plugins": {"a.b": {}}})"), "$.plugins.a.b: plugin ids are"));
    EXPECT_TRUE(starts_with(refusal(R"({"plugins": {")" + std::string(65, 'x') + R"(": {}}})"),
                            "$.plugins." + std::string(65, 'x') + ": plugin ids are"));
    // 64 characters are fine.
    EXPECT_EQ(parse(R"({"plugins": {")" + std::string(64, 'x') + R"(": {}}})").plugins.size(), 1u);
}

TEST(Config, LimitsOutOfRangeNameTheRange) {
    EXPECT_EQ(refusal(R"({"limits": {"page_size": 0}})"),
              "$.limits.page_size: expected an integer from 1 to 10000, got 0");
    EXPECT_EQ(refusal(R"({"limits": {"page_size": 10001}})"),
              "$.limits.page_size: expected an integer from 1 to 10000, got 10001");
    EXPECT_EQ(refusal(R"({"limits": {"max_message_bytes": 1023}})"),
              "$.limits.max_message_bytes: expected an integer from 1024 to 1073741824, got 1023");
    EXPECT_EQ(refusal(R"({"limits": {"executor_threads": -1}})"),
              "$.limits.executor_threads: expected an integer from 1 to 256, got -1");
    EXPECT_EQ(refusal(R"({"limits": {"blocking_threads": 2.5}})"),
              "$.limits.blocking_threads: expected an integer from 1 to 1024, got 2.5");
    EXPECT_EQ(refusal(R"({"limits": {"shutdown_grace_ms": "500"}})"),
              "$.limits.shutdown_grace_ms: expected an integer from 0 to 60000, got \"500\"");
    EXPECT_EQ(refusal(R"({"limits": {"client_request_timeout_ms": 18446744073709551615}})"),
              "$.limits.client_request_timeout_ms: expected an integer from 1 to 86400000, got 18446744073709551615");
    // The bounds themselves are accepted.
    const Config config =
        parse(R"({"limits": {"page_size": 10000, "max_message_bytes": 1024, "shutdown_grace_ms": 0}})");
    EXPECT_EQ(config.limits.page_size, 10000u);
    EXPECT_EQ(config.limits.max_message_bytes, 1024u);
}

TEST(Config, PathAliasesDefaultToMetricsAndAreValidated) {
    EXPECT_EQ(parse("{}").http.path_aliases.at("/metrics"), "/api/v1/metrics/prometheus");
    const Config config = parse(R"({"http": {"path_aliases": {"/stats": "/api/v1/probe/stats"}}})");
    EXPECT_EQ(config.http.path_aliases, (std::map<std::string, std::string>{{"/stats", "/api/v1/probe/stats"}}));
    EXPECT_TRUE(parse(R"({"http": {"path_aliases": {}}})").http.path_aliases.empty());

    EXPECT_EQ(
        refusal(R"({"http": {"path_aliases": {"/x": "/elsewhere"}}})"),
        R"($.http.path_aliases["/x"]: expected a plugin route path under /api/v1/ without a query, got "/elsewhere")");
    for (const char* path : {"x", "/api/v1/a", "/healthz", "/mcp"})
        EXPECT_TRUE(
            starts_with(refusal(std::string(R"({"http": {"path_aliases": {")") + path + R"(": "/api/v1/a/b"}}})"),
                        std::string(R"($.http.path_aliases[")") + path + R"("]: expected a path)"))
            << path;
    EXPECT_TRUE(
        starts_with(refusal(R"({"http": {"path_aliases": ["/x"]}})"), "$.http.path_aliases: expected an object"));
}

TEST(Config, BadLogLevelListsTheAcceptedOnes) {
    EXPECT_EQ(refusal(R"({"log": {"level": "verbose"}})"),
              "$.log.level: expected one of trace, debug, info, warn, error, critical, off, got \"verbose\"");
    for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        EXPECT_EQ(parse(std::string(R"({"log": {"level": ")") + level + "\"}}").log.level, level);
}

TEST(Config, InvalidJsonIsRefusedAtTheRoot) {
    const std::string message = refusal(R"({"plugins": {)");
    EXPECT_TRUE(starts_with(message, "$: not valid JSON: ")) << message;
    EXPECT_TRUE(starts_with(refusal(""), "$: not valid JSON: "));
    EXPECT_TRUE(starts_with(refusal(R"({"a": 1,})"), "$: not valid JSON: "));
}

}  // namespace
}  // namespace switchboard::host
