// json_rpc_test.cpp: classification of incoming JSON-RPC 2.0 messages and the shapes the host sends.
#include "json_rpc.hpp"

#include <gtest/gtest.h>

namespace switchboard::host::jsonrpc {
namespace {

Message parse(const char* text) { return classify(json::parse(text)); }

TEST(JsonRpcClassify, RequestWithIntegerOrStringId) {
    Message message = parse(R"({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {"cursor": "x"}})");
    EXPECT_EQ(message.kind, Kind::request);
    EXPECT_EQ(message.id, 7);
    EXPECT_EQ(message.method, "tools/list");
    EXPECT_EQ(message.params, json::parse(R"({"cursor": "x"})"));
    EXPECT_TRUE(message.problem.empty());

    message = parse(R"({"jsonrpc": "2.0", "id": "abc-1", "method": "ping"})");
    EXPECT_EQ(message.kind, Kind::request);
    EXPECT_EQ(message.id, "abc-1");
    EXPECT_TRUE(message.params.is_null());

    message = parse(R"({"jsonrpc": "2.0", "id": -3, "method": "ping"})");
    EXPECT_EQ(message.kind, Kind::request);
    EXPECT_EQ(message.id, -3);
}

TEST(JsonRpcClassify, Notification) {
    const Message message = parse(R"({"jsonrpc": "2.0", "method": "notifications/initialized"})");
    EXPECT_EQ(message.kind, Kind::notification);
    EXPECT_TRUE(message.id.is_null());
    EXPECT_EQ(message.method, "notifications/initialized");

    const Message cancelled =
        parse(R"({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 4}})");
    EXPECT_EQ(cancelled.kind, Kind::notification);
    EXPECT_EQ(cancelled.params["requestId"], 4);
}

TEST(JsonRpcClassify, Responses) {
    Message message = parse(R"({"jsonrpc": "2.0", "id": 3, "result": {"roots": []}})");
    EXPECT_EQ(message.kind, Kind::response);
    EXPECT_EQ(message.id, 3);
    EXPECT_EQ(message.result, json::parse(R"({"roots": []})"));
    EXPECT_TRUE(message.error.is_null());

    message = parse(R"({"jsonrpc": "2.0", "id": 4, "error": {"code": -1, "message": "User rejected"}})");
    EXPECT_EQ(message.kind, Kind::response);
    EXPECT_EQ(message.error["message"], "User rejected");
    EXPECT_TRUE(message.result.is_null());

    // An error response to a message whose id could not be read carries id null.
    message = parse(R"({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}})");
    EXPECT_EQ(message.kind, Kind::response);
    EXPECT_TRUE(message.id.is_null());

    // A null result is still a result.
    message = parse(R"({"jsonrpc": "2.0", "id": 5, "result": null})");
    EXPECT_EQ(message.kind, Kind::response);
}

struct InvalidCase {
    const char* text;
    const char* problem;  // a part of the expected problem
    json id;              // the id the error response should carry
};

TEST(JsonRpcClassify, InvalidShapes) {
    const InvalidCase cases[] = {
        {R"([1, 2])", "must be a JSON object", nullptr},
        {R"("ping")", "must be a JSON object", nullptr},
        {R"(42)", "must be a JSON object", nullptr},
        {R"({"id": 1, "method": "ping"})", "\"jsonrpc\" must be \"2.0\"", 1},
        {R"({"jsonrpc": "1.0", "id": 1, "method": "ping"})", "\"jsonrpc\" must be \"2.0\"", 1},
        {R"({"jsonrpc": 2.0, "id": "a", "method": "ping"})", "\"jsonrpc\" must be \"2.0\"", "a"},
        {R"({"jsonrpc": "2.0", "id": 1.5, "method": "ping"})", "\"id\" must be a string or an integer", nullptr},
        {R"({"jsonrpc": "2.0", "id": true, "method": "ping"})", "\"id\" must be a string or an integer", nullptr},
        {R"({"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"})", "\"id\" must be a string or an integer", nullptr},
        {R"({"jsonrpc": "2.0", "id": null, "method": "ping"})", "\"id\" must be a string or an integer", nullptr},
        {R"({"jsonrpc": "2.0", "id": 2, "method": 5})", "\"method\" must be a string", 2},
        {R"({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": "x"})", "\"params\" must be an object", 3},
        {R"({"jsonrpc": "2.0", "id": 4, "method": "ping", "params": 1})", "\"params\" must be an object", 4},
        {R"({"jsonrpc": "2.0", "id": 5})", "\"method\" is missing", 5},
        {R"({"jsonrpc": "2.0"})", "\"method\" is missing", nullptr},
        {R"({"jsonrpc": "2.0", "result": {}})", "\"method\" is missing", nullptr},
        {R"({})", "\"jsonrpc\" must be \"2.0\"", nullptr},
    };
    for (const auto& test : cases) {
        const Message message = parse(test.text);
        EXPECT_EQ(message.kind, Kind::invalid) << test.text;
        EXPECT_NE(message.problem.find(test.problem), std::string::npos)
            << test.text << " gave problem: " << message.problem;
        EXPECT_EQ(message.id, test.id) << test.text;
    }
}

TEST(JsonRpcClassify, ArrayParamsAreAClassifiedRequest) {
    // JSON-RPC allows positional params; MCP methods then refuse them with -32602.
    const Message message = parse(R"({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": [1]})");
    EXPECT_EQ(message.kind, Kind::request);
    EXPECT_TRUE(message.params.is_array());
}

TEST(JsonRpcBuild, MessageShapes) {
    EXPECT_EQ(error_response(9, invalid_params, "bad"),
              json::parse(R"({"jsonrpc": "2.0", "id": 9, "error": {"code": -32602, "message": "bad"}})"));
    EXPECT_EQ(error_response(nullptr, parse_error, "x")["id"], nullptr);
    EXPECT_EQ(result_response("r", json::object()), json::parse(R"({"jsonrpc": "2.0", "id": "r", "result": {}})"));
    EXPECT_EQ(request(1, "roots/list", nullptr), json::parse(R"({"jsonrpc": "2.0", "id": 1, "method": "roots/list"})"));
    EXPECT_EQ(notification("notifications/tools/list_changed", nullptr),
              json::parse(R"({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})"));
    EXPECT_EQ(notification("n", {{"a", 1}})["params"]["a"], 1);
    // What the host builds classifies as what it is.
    EXPECT_EQ(classify(request(1, "ping", nullptr)).kind, Kind::request);
    EXPECT_EQ(classify(notification("n", nullptr)).kind, Kind::notification);
    EXPECT_EQ(classify(result_response(1, json::object())).kind, Kind::response);
    EXPECT_EQ(classify(error_response(nullptr, parse_error, "x")).kind, Kind::response);
}

}  // namespace
}  // namespace switchboard::host::jsonrpc
