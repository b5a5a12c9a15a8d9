// plugins_test.cpp: bad plugins are refused with the file and the reason while the good one serves,
// and `--validate-plugin` reports what a plugin offers or exactly why it cannot load.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <string>

#include <switchboard/plugin.h>

#include "mcp_process.hpp"

namespace switchboard::testing {
namespace {

// The ABI this build's host speaks, as the host prints it: "major.minor".
const std::string host_abi = std::to_string(SB_ABI_MAJOR) + "." + std::to_string(SB_ABI_MINOR);

struct BadPlugin {
    const char* id;
    std::string reason;  // a part of the refusal
};

// Each bad plugin and what its refusal says. They fail on their own, without the fixture.
const BadPlugin alone_bad_plugins[] = {
    {"bad_no_entry", "exports no \"switchboard_plugin_entry\" symbol"},
    {"bad_abi_major", "is incompatible with host ABI " + host_abi},
    {"bad_abi_minor", "is newer than host ABI " + host_abi},
    {"bad_create_fails", "cannot open the database: disk quota exceeded"},
    {"bad_invalid_schema", "\"inputSchema\" must be a JSON Schema object"},
    {"bad_undefined_symbol", "undefined symbol: switchboard_test_symbol_nobody_defines"},
};

TEST(BadPlugins, EachIsNamedOnStderrWithItsReasonAndTheGoodOneServes) {
    TempDir dir;
    Json plugins = {{"conformance_fixture", Json::object()}};
    for (const auto& bad : alone_bad_plugins) plugins[bad.id] = Json::object();
    // Plugins load in id order and the first to register a name keeps it, so the plugin that
    // duplicates the fixture's tool goes under an id that sorts after "conformance_fixture".
    plugins["zz_duplicate_tool"] = {{"path", test_plugin("bad_duplicate_tool").string()}};
    const auto config = dir.write("switchboard.json", fixture_config(dir, {{"plugins", plugins}}).dump(2));
    McpProcess server({"--config", config.string()});

    ASSERT_TRUE(server.wait_for_stderr("serving MCP on stdio")) << server.stderr_text();
    const std::string err = server.stderr_text();
    for (const auto& bad : alone_bad_plugins) {
        const std::string file = test_plugin(bad.id).string();
        const auto at = err.find(file + ":");
        ASSERT_NE(at, std::string::npos) << bad.id << " is not named on stderr:\n" << err;
        const std::string line = err.substr(at, err.find('\n', at) - at);
        EXPECT_TRUE(contains(line, bad.reason)) << bad.id << ": " << line;
    }
    const std::string duplicate_file = test_plugin("bad_duplicate_tool").string();
    const auto at = err.find(duplicate_file + ":");
    ASSERT_NE(at, std::string::npos) << err;
    const std::string duplicate = err.substr(at, err.find('\n', at) - at);
    EXPECT_TRUE(contains(duplicate, "test_simple_text")) << duplicate;
    EXPECT_TRUE(contains(duplicate, "\"zz_duplicate_tool\"")) << duplicate;
    EXPECT_TRUE(contains(duplicate, "\"conformance_fixture\"")) << duplicate;
    EXPECT_TRUE(contains(err, "serving MCP on stdio with 1 plugin(s)")) << err;

    // The good plugin serves, and nothing of the bad ones is offered.
    ASSERT_TRUE(server.initialize());
    const auto call = server.request("tools/call", {{"name", "test_simple_text"}});
    ASSERT_TRUE(call && call->contains("result")) << (call ? call->dump() : "no response");
    EXPECT_EQ((*call)["result"]["content"][0]["text"], "This is a simple text response for testing.");
    const auto bad_tool = server.request("tools/call", {{"name", "bad_schema_tool"}});
    ASSERT_TRUE(bad_tool);
    EXPECT_EQ((*bad_tool)["error"]["code"], -32602);
}

TEST(ValidatePlugin, FixtureReportsNameVersionAbiAndTools) {
    const RunResult result = run_switchboard({"--validate-plugin", test_plugin("conformance_fixture").string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_TRUE(contains(result.out, "MCP conformance fixture 1.0.0")) << result.out;
    EXPECT_TRUE(contains(result.out, "ABI: " + host_abi)) << result.out;
    EXPECT_TRUE(contains(result.out, test_plugin("conformance_fixture").string())) << result.out;
    EXPECT_TRUE(contains(result.out, "  test_simple_text: Returns a fixed text.")) << result.out;
    EXPECT_TRUE(contains(result.out, "  json_schema_2020_12_tool")) << result.out;
    EXPECT_TRUE(contains(result.out, "test://template/{id}/data")) << result.out;
    EXPECT_TRUE(contains(result.out, "OK")) << result.out;
}

TEST(ValidatePlugin, FixtureAsJson) {
    const RunResult result =
        run_switchboard({"--validate-plugin", test_plugin("conformance_fixture").string(), "--json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const Json report = Json::parse(result.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << "--json output is not JSON: " << result.out;
    EXPECT_EQ(report["ok"], true);
    EXPECT_EQ(report["id"], "conformance_fixture");
    EXPECT_EQ(report["name"], "MCP conformance fixture");
    EXPECT_EQ(report["version"], "1.0.0");
    EXPECT_EQ(report["abi"], host_abi);
    EXPECT_EQ(report["hostAbi"], host_abi);
    std::vector<std::string> tools;
    for (const auto& tool : report["offers"]["tools"]) tools.push_back(tool["name"]);
    EXPECT_NE(std::find(tools.begin(), tools.end(), "test_simple_text"), tools.end());
    EXPECT_EQ(report["offers"]["resources"].size(), 3u);
    EXPECT_EQ(report["offers"]["resourceTemplates"].size(), 1u);
    EXPECT_EQ(report["offers"]["prompts"].size(), 4u);
}

TEST(ValidatePlugin, EachBadPluginExitsOneWithTheReason) {
    for (const auto& bad : alone_bad_plugins) {
        const std::string file = test_plugin(bad.id).string();
        RunResult result = run_switchboard({"--validate-plugin", file});
        EXPECT_EQ(result.exit_code, 1) << bad.id << "\n" << result.out << result.err;
        EXPECT_TRUE(contains(result.out, "cannot load: " + file + ":")) << bad.id << ": " << result.out;
        EXPECT_TRUE(contains(result.out, bad.reason)) << bad.id << ": " << result.out;

        result = run_switchboard({"--validate-plugin", file, "--json"});
        EXPECT_EQ(result.exit_code, 1) << bad.id;
        const Json report = Json::parse(result.out, nullptr, false);
        ASSERT_FALSE(report.is_discarded()) << bad.id << ": --json output is not JSON: " << result.out;
        EXPECT_EQ(report["ok"], false) << bad.id;
        EXPECT_EQ(report["file"], file) << bad.id;
        EXPECT_TRUE(contains(report.value("error", ""), bad.reason)) << bad.id << ": " << report.dump();
    }
}

TEST(ValidatePlugin, DuplicateToolPluginLoadsOnItsOwn) {
    // Its only fault is a name the fixture also uses; alone, nothing collides.
    const RunResult result = run_switchboard({"--validate-plugin", test_plugin("bad_duplicate_tool").string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_TRUE(contains(result.out, "test_simple_text")) << result.out;
}

TEST(ValidatePlugin, TextFileAndMissingFileExitOne) {
    TempDir dir;
    const auto text = dir.write("notes.so", "just some text\n");
    RunResult result = run_switchboard({"--validate-plugin", text.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_TRUE(contains(result.out, text.string())) << result.out;
    EXPECT_TRUE(contains(result.out, "cannot be loaded as a shared library")) << result.out;

    const auto missing = dir.path() / "missing.so";
    result = run_switchboard({"--validate-plugin", missing.string(), "--json"});
    EXPECT_EQ(result.exit_code, 1);
    const Json report = Json::parse(result.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << result.out;
    EXPECT_EQ(report["ok"], false);
    EXPECT_TRUE(contains(report.value("error", ""), "no such plugin file")) << report.dump();
}

}  // namespace
}  // namespace switchboard::testing
