// cli_test.cpp: the command line of the real binary: --version, --help, bad options and bad configs.
#include <gtest/gtest.h>

#include <string>

#include "mcp_process.hpp"

namespace switchboard::testing {
namespace {

TEST(Cli, VersionExitsZero) {
    for (const char* flag : {"--version", "-V"}) {
        const RunResult result = run_switchboard({flag});
        EXPECT_EQ(result.exit_code, 0) << flag << "\n" << result.err;
        EXPECT_TRUE(contains(result.out, "switchboard ")) << result.out;
        EXPECT_TRUE(contains(result.out, "plugin ABI 1.")) << result.out;
        EXPECT_TRUE(contains(result.out, "2025-11-25")) << result.out;
    }
}

TEST(Cli, HelpExitsZero) {
    for (const char* flag : {"--help", "-h"}) {
        const RunResult result = run_switchboard({flag});
        EXPECT_EQ(result.exit_code, 0) << flag << "\n" << result.err;
        EXPECT_TRUE(contains(result.out, "Usage:")) << result.out;
        EXPECT_TRUE(contains(result.out, "--config")) << result.out;
        EXPECT_TRUE(contains(result.out, "--validate-plugin")) << result.out;
    }
}

TEST(Cli, UnknownOptionExitsTwo) {
    const RunResult result = run_switchboard({"--frobnicate"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_TRUE(contains(result.err, "--frobnicate")) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
    EXPECT_EQ(run_switchboard({"--config"}).exit_code, 2);
}

struct BadConfig {
    const char* text;
    const char* path;  // the JSON path the error must name
};

TEST(Cli, InvalidConfigExitsTwoWithTheJsonPath) {
    TempDir dir;
    const BadConfig cases[] = {
        {R"({"limits": {"page_size": 0}})", "$.limits.page_size"},
        {R"({"plugins": {"conformance_fixture": {"enabled": "yes"}}})", "$.plugins.conformance_fixture.enabled"},
        {R"({"plugin_paths": "/usr/lib"})", "$.plugin_paths"},
        {R"({"surprise": true})", "$.surprise"},
        {R"({"log": {"level": "loud"}})", "$.log.level"},
        {R"({"plugins": {"k": {"config": {"token": "${env:SWITCHBOARD_IT_UNSET_VARIABLE}"}}}})",
         "$.plugins.k.config.token"},
        {R"({"plugins": )", "$: not valid JSON"},
    };
    int n = 0;
    for (const auto& test : cases) {
        const auto config = dir.write("config-" + std::to_string(n++) + ".json", test.text);
        const RunResult result = run_switchboard({"--config", config.string()});
        EXPECT_EQ(result.exit_code, 2) << test.text << "\n" << result.err;
        EXPECT_TRUE(contains(result.err, test.path)) << test.text << "\n" << result.err;
        EXPECT_TRUE(contains(result.err, config.string())) << "the error must name the file\n" << result.err;
        EXPECT_TRUE(result.out.empty()) << "stdout must stay clean: " << result.out;
    }
}

TEST(Cli, MissingConfigFileExitsTwo) {
    TempDir dir;
    const auto missing = dir.path() / "nope.json";
    const RunResult result = run_switchboard({"--config", missing.string()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_TRUE(contains(result.err, missing.string())) << result.err;
}

}  // namespace
}  // namespace switchboard::testing
