// shutdown_test.cpp: the process exits promptly (exit code 0) on stdin EOF and on SIGTERM or SIGINT,
// also while a tool call is running or waiting on the client.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>

#include "mcp_process.hpp"

namespace switchboard::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto exit_budget = 1000ms;

class Shutdown : public ::testing::Test {
 protected:
    std::unique_ptr<McpProcess> start() {
        const auto config = dir_.write("switchboard.json", fixture_config(dir_).dump(2));
        auto server = std::make_unique<McpProcess>(std::vector<std::string>{"--config", config.string()});
        return server;
    }

    // Runs `stop`, then waits for the exit; expects a clean exit within the budget.
    template <typename Stop>
    void expect_prompt_clean_exit(McpProcess& server, Stop stop) {
        const auto start = Clock::now();
        stop();
        const auto status = server.wait_exit(10s);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        ASSERT_TRUE(status) << "the process did not exit\n" << server.stderr_text();
        ::testing::Test::RecordProperty("exit_ms", static_cast<int>(elapsed.count()));
        EXPECT_TRUE(WIFEXITED(*status)) << "status " << *status << "\n" << server.stderr_text();
        if (WIFEXITED(*status)) {
            EXPECT_EQ(WEXITSTATUS(*status), 0) << server.stderr_text();
        }
        EXPECT_LE(elapsed, exit_budget) << "took " << elapsed.count() << " ms\n" << server.stderr_text();
        // The host's watchdog forces an exit when shutdown hangs; a clean shutdown never needs it.
        EXPECT_EQ(server.stderr_text().find("exiting now"), std::string::npos) << server.stderr_text();
        EXPECT_NE(server.stderr_text().find("switchboard stopped"), std::string::npos) << server.stderr_text();
    }

    TempDir dir_;
};

TEST_F(Shutdown, IdleProcessExitsOnStdinEof) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    expect_prompt_clean_exit(*server, [&] { server->close_stdin(); });
}

TEST_F(Shutdown, ExitsOnStdinEofWithASlowToolInFlight) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    ASSERT_TRUE(server->request("logging/setLevel", {{"level", "debug"}}));
    server->start_request("tools/call", {{"name", "test_tool_with_logging"}});
    // Wait until the tool is running: its first log message is on stdout.
    const auto first = server->read_message();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->value("method", ""), "notifications/message");
    expect_prompt_clean_exit(*server, [&] { server->close_stdin(); });
}

TEST_F(Shutdown, ExitsOnStdinEofWhileAToolWaitsOnTheClient) {
    auto server = start();
    ASSERT_TRUE(server->initialize("2025-11-25", {{"sampling", Json::object()}}));
    server->start_request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "never answered"}}}});
    const auto sampling = server->read_message();
    ASSERT_TRUE(sampling);
    ASSERT_EQ(sampling->value("method", ""), "sampling/createMessage");
    expect_prompt_clean_exit(*server, [&] { server->close_stdin(); });
}

TEST_F(Shutdown, ExitsOnSigtermWithASlowToolInFlight) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    ASSERT_TRUE(server->request("logging/setLevel", {{"level", "debug"}}));
    server->start_request("tools/call", {{"name", "test_tool_with_logging"}});
    ASSERT_TRUE(server->read_message());
    expect_prompt_clean_exit(*server, [&] { server->signal(SIGTERM); });
}

TEST_F(Shutdown, ExitsOnSigtermWhileAToolWaitsOnTheClient) {
    auto server = start();
    ASSERT_TRUE(server->initialize("2025-11-25", {{"sampling", Json::object()}}));
    server->start_request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "never answered"}}}});
    const auto sampling = server->read_message();
    ASSERT_TRUE(sampling);
    ASSERT_EQ(sampling->value("method", ""), "sampling/createMessage");
    // stdin stays open: only the signal ends the process.
    expect_prompt_clean_exit(*server, [&] { server->signal(SIGTERM); });
}

TEST_F(Shutdown, ExitsOnSigint) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    expect_prompt_clean_exit(*server, [&] { server->signal(SIGINT); });
}

TEST_F(Shutdown, ExitsOnEofBeforeAnyMessage) {
    auto server = start();
    ASSERT_TRUE(server->wait_for_stderr("serving MCP on stdio"));
    expect_prompt_clean_exit(*server, [&] { server->close_stdin(); });
    EXPECT_TRUE(server->stdout_lines().empty());
}

}  // namespace
}  // namespace switchboard::testing
