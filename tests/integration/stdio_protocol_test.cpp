// stdio_protocol_test.cpp: the real binary over real pipes: the MCP conversation, JSON-RPC errors,
// the message size limit, and the rule that stdout carries protocol messages and nothing else.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "mcp_process.hpp"

namespace switchboard::testing {
namespace {

using namespace std::chrono_literals;

std::string first_text(const Json& result) { return result.at("content").at(0).at("text").get<std::string>(); }

class StdioProtocol : public ::testing::Test {
 protected:
    std::unique_ptr<McpProcess> start(const Json& extra = Json::object()) {
        const auto config = dir_.write("switchboard.json", fixture_config(dir_, extra).dump(2));
        return std::make_unique<McpProcess>(std::vector<std::string>{"--config", config.string()});
    }

    TempDir dir_;
};

// Every line the process wrote to stdout is one JSON-RPC 2.0 message.
void expect_only_json_rpc(const std::vector<std::string>& lines) {
    ASSERT_FALSE(lines.empty());
    for (const auto& line : lines) {
        const Json message = Json::parse(line, nullptr, false);
        ASSERT_FALSE(message.is_discarded()) << "stdout line is not JSON: " << line;
        ASSERT_TRUE(message.is_object()) << line;
        EXPECT_EQ(message.value("jsonrpc", ""), "2.0") << line;
        const bool request_or_notification = message.contains("method");
        const bool response = message.contains("id") && (message.contains("result") || message.contains("error"));
        EXPECT_TRUE(request_or_notification || response) << line;
    }
}

TEST_F(StdioProtocol, InitializeListAndCallOverRealPipes) {
    auto server = start();
    const auto init = server->initialize();
    ASSERT_TRUE(init) << server->stderr_text();
    EXPECT_EQ((*init)["result"]["protocolVersion"], "2025-11-25");
    EXPECT_EQ((*init)["result"]["serverInfo"]["name"], "switchboard");
    EXPECT_TRUE((*init)["result"]["capabilities"].contains("tools"));

    std::vector<std::string> names;
    Json params = Json::object();
    for (int page = 0; page < 100; ++page) {
        const auto list = server->request("tools/list", params);
        ASSERT_TRUE(list && list->contains("result")) << (list ? list->dump() : "no response");
        for (const auto& tool : (*list)["result"]["tools"]) {
            names.push_back(tool["name"]);
            EXPECT_TRUE(tool.contains("description"));
            EXPECT_EQ(tool["inputSchema"]["type"], "object");
        }
        if (!(*list)["result"].contains("nextCursor")) break;
        params = {{"cursor", (*list)["result"]["nextCursor"]}};
    }
    for (const char* expected : {"test_simple_text", "test_sampling", "json_schema_2020_12_tool"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;

    const auto call = server->request("tools/call", {{"name", "test_simple_text"}, {"arguments", Json::object()}});
    ASSERT_TRUE(call && call->contains("result")) << (call ? call->dump() : "no response");
    EXPECT_EQ(first_text((*call)["result"]), "This is a simple text response for testing.");
    EXPECT_FALSE((*call)["result"].value("isError", false));

    // Tool log messages are protocol messages too: they come on stdout, before the response.
    ASSERT_TRUE(server->request("logging/setLevel", {{"level", "debug"}}));
    std::vector<Json> before;
    const Json id = server->start_request("tools/call", {{"name", "test_tool_with_logging"}});
    const auto logged = server->read_response(id, default_timeout, &before);
    ASSERT_TRUE(logged);
    EXPECT_EQ(first_text((*logged)["result"]), "Tool with logging executed successfully");
    const auto notifications = std::count_if(before.begin(), before.end(), [](const Json& message) {
        return message.value("method", "") == "notifications/message";
    });
    EXPECT_EQ(notifications, 3);

    server->close_stdin();
    const auto status = server->wait_exit();
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    expect_only_json_rpc(server->stdout_lines());
    // The logs went to stderr.
    const std::string err = server->stderr_text();
    EXPECT_TRUE(contains(err, "loaded plugin conformance_fixture")) << err;
    EXPECT_TRUE(contains(err, "serving MCP on stdio")) << err;
    for (const auto& line : server->stdout_lines()) EXPECT_FALSE(contains(line, "loaded plugin")) << line;
}

TEST_F(StdioProtocol, ParseErrorHasNullIdAndTheProcessKeepsServing) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    for (const char* garbage :
         {"this is not json", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ", "}{", "\x01\x02"}) {
        ASSERT_TRUE(server->send_line(garbage));
        const auto error = server->read_message();
        ASSERT_TRUE(error) << "no answer to: " << garbage;
        EXPECT_TRUE((*error)["id"].is_null()) << error->dump();
        EXPECT_EQ((*error)["error"]["code"], -32700) << error->dump();
    }
    const auto ping = server->request("ping");
    ASSERT_TRUE(ping);
    EXPECT_EQ((*ping)["result"], Json::object());
}

TEST_F(StdioProtocol, InvalidRequestIsMinus32600WithTheId) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    server->send(Json{{"jsonrpc", "2.0"}, {"id", 501}});
    auto error = server->read_response(501);
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32600);
    server->send(Json{{"id", 502}, {"method", "ping"}});
    error = server->read_response(502);
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32600);
    EXPECT_TRUE(contains((*error)["error"]["message"], "jsonrpc"));
    // Batches are refused in a 2025-11-25 session.
    server->send_line(R"([{"jsonrpc": "2.0", "id": 503, "method": "ping"}])");
    const auto batch = server->read_message();
    ASSERT_TRUE(batch);
    EXPECT_EQ((*batch)["error"]["code"], -32600);
    EXPECT_TRUE(server->request("ping"));
}

TEST_F(StdioProtocol, RequestBeforeInitializeIsRefused) {
    auto server = start();
    const auto early = server->request("tools/list");
    ASSERT_TRUE(early);
    EXPECT_EQ((*early)["error"]["code"], -32600);
    const auto ping = server->request("ping");
    ASSERT_TRUE(ping);
    EXPECT_TRUE(ping->contains("result"));
}

TEST_F(StdioProtocol, UnknownMethodIsMinus32601) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    const auto error = server->request("tools/frobnicate");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32601);
    EXPECT_TRUE(contains((*error)["error"]["message"], "tools/frobnicate"));
}

TEST_F(StdioProtocol, InvalidParamsAreMinus32602) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    auto error = server->request("tools/call", {{"name", "no_such_tool"}});
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32602);
    EXPECT_TRUE(contains((*error)["error"]["message"], "no_such_tool"));
    error = server->request("tools/list", {{"cursor", "definitely not a cursor"}});
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32602);
    error = server->request("tools/call", {{"name", "test_simple_text"}, {"arguments", Json::array()}});
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["error"]["code"], -32602);
}

TEST_F(StdioProtocol, OversizedMessageGetsAnErrorAndTheProcessKeepsServing) {
    auto server = start({{"limits", {{"max_message_bytes", 1024 * 1024}}}});
    ASSERT_TRUE(server->initialize());
    const Json huge = {
        {"jsonrpc", "2.0"},
        {"id", 9999},
        {"method", "tools/call"},
        {"params", {{"name", "test_simple_text"}, {"arguments", {{"blob", std::string(2 << 20, 'x')}}}}}};
    ASSERT_TRUE(server->send(huge));
    const auto error = server->read_message();
    ASSERT_TRUE(error);
    EXPECT_TRUE((*error)["id"].is_null()) << error->dump();
    EXPECT_EQ((*error)["error"]["code"], -32600);
    EXPECT_TRUE(contains((*error)["error"]["message"], "limits.max_message_bytes")) << error->dump();
    EXPECT_TRUE(contains((*error)["error"]["message"], "1048576")) << error->dump();

    // A message under the limit still goes through, and the dropped one was never answered.
    const auto call = server->request(
        "tools/call", {{"name", "test_simple_text"}, {"arguments", {{"blob", std::string(512 << 10, 'y')}}}});
    ASSERT_TRUE(call);
    EXPECT_EQ(first_text((*call)["result"]), "This is a simple text response for testing.");
    server->close_stdin();
    ASSERT_TRUE(server->wait_exit());
    for (const auto& line : server->stdout_lines()) EXPECT_FALSE(contains(line, "\"id\":9999")) << line;
}

TEST_F(StdioProtocol, BlankLinesAndCarriageReturnsAreTolerated) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    ASSERT_TRUE(server->send_line(""));
    ASSERT_TRUE(server->send_line("   "));
    ASSERT_TRUE(server->send_line(R"({"jsonrpc": "2.0", "id": "crlf", "method": "ping"})"
                                  "\r"));
    const auto ping = server->read_message();
    ASSERT_TRUE(ping);
    EXPECT_EQ((*ping)["id"], "crlf");
    EXPECT_EQ((*ping)["result"], Json::object());
}

TEST_F(StdioProtocol, AnExceptionThrownInAHandlerBecomesIsError) {
    auto server = start();
    ASSERT_TRUE(server->initialize());
    // test_sampling reads its "prompt" argument with at(), which throws when it is missing.
    auto call = server->request("tools/call", {{"name", "test_sampling"}, {"arguments", Json::object()}});
    ASSERT_TRUE(call && call->contains("result")) << (call ? call->dump() : "no response");
    EXPECT_EQ((*call)["result"]["isError"], true);
    EXPECT_TRUE(contains(first_text((*call)["result"]), "invalid arguments for test_sampling"));
    // Sampling from a client without the capability throws a ToolError inside the handler.
    call = server->request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "hi"}}}});
    ASSERT_TRUE(call && call->contains("result")) << (call ? call->dump() : "no response");
    EXPECT_EQ((*call)["result"]["isError"], true);
    EXPECT_TRUE(contains(first_text((*call)["result"]), "sampling"));
    // The process is fine afterwards.
    EXPECT_TRUE(server->request("ping"));
}

TEST_F(StdioProtocol, SamplingRoundTripOverThePipes) {
    auto server = start();
    ASSERT_TRUE(server->initialize("2025-06-18", {{"sampling", Json::object()}}));
    const Json id =
        server->start_request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "2+2?"}}}});
    const auto request = server->read_message();
    ASSERT_TRUE(request);
    ASSERT_EQ(request->value("method", ""), "sampling/createMessage") << request->dump();
    EXPECT_EQ((*request)["params"]["messages"][0]["content"]["text"], "2+2?");
    server->send(
        Json{{"jsonrpc", "2.0"},
             {"id", (*request)["id"]},
             {"result", {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "4"}}}, {"model", "m"}}}});
    const auto result = server->read_response(id);
    ASSERT_TRUE(result);
    EXPECT_EQ(first_text((*result)["result"]), "LLM response: 4");
}

TEST_F(StdioProtocol, BatchesWorkIn2025_03_26) {
    auto server = start();
    ASSERT_TRUE(server->initialize("2025-03-26"));
    server->send_line(
        R"([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, )"
        R"({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "test_simple_text"}}])");
    const auto batch = server->read_message();
    ASSERT_TRUE(batch);
    ASSERT_TRUE(batch->is_array()) << batch->dump();
    EXPECT_EQ(batch->size(), 2u);
}

}  // namespace
}  // namespace switchboard::testing
