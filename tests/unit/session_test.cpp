// session_test.cpp: the MCP front end. host::Session is driven directly through a recording
// ClientChannel (the transport seam) against a real Server with the conformance fixture loaded.
#include "session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client_channel.hpp"
#include "executor.hpp"
#include "plugin_manager.hpp"
#include "server.hpp"
#include "test_support.hpp"

namespace switchboard::host {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using switchboard::testing::contains;
using switchboard::testing::TempDir;
using switchboard::testing::test_plugin;

constexpr auto timeout = 10s;

// An in-memory transport: records every message the session sends, with the request it relates to.
class RecordingChannel : public ClientChannel {
 public:
    struct Sent {
        json message;
        json related;
    };

    void send(const json& message, const json& related_request) override {
        std::lock_guard lock(mutex_);
        sent_.push_back({message, related_request});
        changed_.notify_all();
    }

    // The first message sent that satisfies `match`, waiting up to `wait` for it.
    std::optional<Sent> wait_for(const std::function<bool(const json&)>& match,
                                 std::chrono::milliseconds wait = timeout) {
        std::unique_lock lock(mutex_);
        std::optional<Sent> found;
        changed_.wait_for(lock, wait, [&] {
            for (const auto& sent : sent_)
                if (match(sent.message)) {
                    found = sent;
                    return true;
                }
            return false;
        });
        return found;
    }

    std::vector<Sent> all() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }

 private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Sent> sent_;
};

bool is_response_to(const json& message, const json& id) {
    return message.is_object() && message.contains("id") && message["id"] == id &&
           (message.contains("result") || message.contains("error"));
}

// The text of a CallToolResult's first content item.
std::string first_text(const json& result) { return result.at("content").at(0).at("text").get<std::string>(); }

// One client: a session and the channel it writes to.
struct Client {
    std::shared_ptr<RecordingChannel> channel;
    std::shared_ptr<Session> session;
    int64_t next_id = 1;

    void send_text(const std::string& text) { session->receive(text); }
    void send(const json& message) { session->receive(message.dump()); }
    void notify(const std::string& method, json params = nullptr) {
        send(jsonrpc::notification(method, std::move(params)));
    }
    // Sends a request without waiting; returns its id.
    json start(const std::string& method, json params = nullptr) {
        const json id = next_id++;
        send(jsonrpc::request(id, method, std::move(params)));
        return id;
    }
    std::optional<json> response(const json& id, std::chrono::milliseconds wait = timeout) {
        auto sent = channel->wait_for([&](const json& message) { return is_response_to(message, id); }, wait);
        if (!sent) return std::nullopt;
        return sent->message;
    }
    // Sends a request and returns its response (a failure and null when none arrives).
    json request(const std::string& method, json params = nullptr) {
        const json id = start(method, std::move(params));
        auto answer = response(id);
        EXPECT_TRUE(answer) << "no response to " << method;
        return answer.value_or(json());
    }
    json initialize(const std::string& version = "2025-11-25", json capabilities = json::object()) {
        json answer = request("initialize", {{"protocolVersion", version},
                                             {"capabilities", std::move(capabilities)},
                                             {"clientInfo", {{"name", "session-test"}, {"version", "1"}}}});
        notify("notifications/initialized");
        return answer;
    }
    json call_tool(const std::string& name, json arguments = json::object(), json meta = nullptr) {
        json params = {{"name", name}, {"arguments", std::move(arguments)}};
        if (!meta.is_null()) params["_meta"] = std::move(meta);
        return request("tools/call", std::move(params));
    }
};

// Records the host.tool.called events of the bus while it lives.
class ToolCalledEvents {
 public:
    explicit ToolCalledEvents(EventBus& bus) : bus_(bus) {
        id_ = bus_.subscribe("host.tool.called", [this](const std::string&, const std::string& payload) {
            std::lock_guard lock(mutex_);
            events_.push_back(json::parse(payload));
        });
    }
    ~ToolCalledEvents() { bus_.unsubscribe(id_); }
    ToolCalledEvents(const ToolCalledEvents&) = delete;
    ToolCalledEvents& operator=(const ToolCalledEvents&) = delete;

    // The first event, waiting for it; null when none arrives.
    json first() {
        switchboard::testing::eventually([this] {
            std::lock_guard lock(mutex_);
            return !events_.empty();
        });
        std::lock_guard lock(mutex_);
        return events_.empty() ? json() : events_.front();
    }

 private:
    EventBus& bus_;
    uint64_t id_ = 0;
    std::mutex mutex_;
    std::vector<json> events_;
};

int error_code(const json& response) { return response.at("error").at("code").get<int>(); }
std::string error_message(const json& response) { return response.at("error").at("message").get<std::string>(); }

class SessionTest : public ::testing::Test {
 protected:
    void SetUp() override {
        Config config;
        config.data_dir = data_.path();
        config.limits.page_size = 5;
        config.limits.client_request_timeout_ms = 20000;
        config.limits.shutdown_grace_ms = 2000;
        tune(config);
        server_ = std::make_unique<Server>(std::move(config), executor_);
        manager_ = std::make_unique<PluginManager>(*server_);
        const auto refused = manager_->load("conformance_fixture", test_plugin("conformance_fixture"), json::object());
        ASSERT_FALSE(refused) << *refused;
    }

    void TearDown() override {
        server_->shutdown();
        for (const auto& client : clients_) server_->remove_session(client.session->id());
        executor_.stop();
        manager_->destroy_all();
    }

    // Lets a derived fixture change the configuration before the server starts.
    virtual void tune(Config&) {}

    Client& open() {
        Client client;
        client.channel = std::make_shared<RecordingChannel>();
        client.session =
            std::make_shared<Session>(*server_, "session-" + std::to_string(clients_.size() + 1), client.channel);
        server_->add_session(client.session);
        clients_.push_back(client);
        return clients_.back();
    }

    TempDir data_;
    Executor executor_{2, 4};
    std::unique_ptr<Server> server_;
    std::unique_ptr<PluginManager> manager_;
    std::deque<Client> clients_;
};

// ---- lifecycle -----------------------------------------------------------------------------

TEST_F(SessionTest, RequestsBeforeInitializeAreRefusedButPingIsAllowed) {
    Client& client = open();
    EXPECT_FALSE(client.session->initialized());
    for (const char* method : {"tools/list", "tools/call", "resources/read", "logging/setLevel", "no/such"}) {
        const json answer = client.request(method, json::object());
        ASSERT_TRUE(answer.contains("error")) << method << ": " << answer.dump();
        EXPECT_EQ(error_code(answer), jsonrpc::invalid_request) << method;
        EXPECT_TRUE(contains(error_message(answer), "initialize")) << error_message(answer);
    }
    const json ping = client.request("ping");
    EXPECT_EQ(ping.at("result"), json::object());
    // Nothing was routed to the plugin meanwhile, and the session can still initialize.
    EXPECT_EQ(client.initialize().at("result").at("protocolVersion"), "2025-11-25");
    EXPECT_TRUE(client.session->initialized());
}

TEST_F(SessionTest, InitializeNegotiatesEachSupportedVersion) {
    for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
        Client& client = open();
        const json answer = client.initialize(version);
        ASSERT_TRUE(answer.contains("result")) << answer.dump();
        const json& result = answer["result"];
        EXPECT_EQ(result.at("protocolVersion"), version);
        EXPECT_EQ(client.session->protocol_version(), version);
        EXPECT_EQ(result.at("serverInfo").at("name"), "switchboard");
        EXPECT_TRUE(result["serverInfo"].contains("version"));
        const json& capabilities = result.at("capabilities");
        EXPECT_TRUE(capabilities.contains("tools"));
        EXPECT_TRUE(capabilities.contains("resources"));
        EXPECT_TRUE(capabilities.contains("prompts"));
        EXPECT_TRUE(capabilities.contains("logging"));
        EXPECT_TRUE(capabilities.contains("completions"));
    }
}

TEST_F(SessionTest, UnknownVersionIsAnsweredWithTheLatest) {
    for (const char* version : {"1999-01-01", "2024-11-05", "2099-12-31"}) {
        Client& client = open();
        const json answer = client.initialize(version);
        ASSERT_TRUE(answer.contains("result")) << answer.dump();
        EXPECT_EQ(answer["result"]["protocolVersion"], "2025-11-25") << "asked for " << version;
    }
}

TEST_F(SessionTest, InitializeWithoutAVersionIsInvalidParamsAndCanBeRetried) {
    Client& client = open();
    json answer = client.request("initialize", {{"capabilities", json::object()}});
    EXPECT_EQ(error_code(answer), jsonrpc::invalid_params);
    EXPECT_TRUE(contains(error_message(answer), "protocolVersion"));
    answer = client.request("initialize", {{"protocolVersion", 20251125}});
    EXPECT_EQ(error_code(answer), jsonrpc::invalid_params);
    EXPECT_FALSE(client.session->initialized());
    EXPECT_EQ(client.initialize().at("result").at("protocolVersion"), "2025-11-25");
}

TEST_F(SessionTest, SecondInitializeIsRefused) {
    Client& client = open();
    ASSERT_TRUE(client.initialize("2025-06-18").contains("result"));
    const json again =
        client.request("initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}});
    EXPECT_EQ(error_code(again), jsonrpc::invalid_request);
    EXPECT_TRUE(contains(error_message(again), "already initialized"));
    EXPECT_EQ(client.session->protocol_version(), "2025-06-18");
}

TEST_F(SessionTest, ServerInstructionsComeFromTheConfig) {
    // The fixture sets none; an empty instructions string is left out.
    Client& client = open();
    EXPECT_FALSE(client.initialize().at("result").contains("instructions"));
}

// ---- framing and JSON-RPC errors -------------------------------------------------------------

TEST_F(SessionTest, GarbageIsAParseErrorWithNullId) {
    Client& client = open();
    client.send_text("{this is not json");
    auto sent = client.channel->wait_for([](const json& m) { return m.contains("error"); });
    ASSERT_TRUE(sent);
    EXPECT_TRUE(sent->message.at("id").is_null());
    EXPECT_EQ(error_code(sent->message), jsonrpc::parse_error);
    // The session goes on.
    EXPECT_TRUE(client.initialize().contains("result"));
}

TEST_F(SessionTest, InvalidRequestsAreAnsweredWithTheirId) {
    Client& client = open();
    client.initialize();
    client.send(json{{"jsonrpc", "1.0"}, {"id", 41}, {"method", "ping"}});
    auto answer = client.response(41);
    ASSERT_TRUE(answer);
    EXPECT_EQ(error_code(*answer), jsonrpc::invalid_request);
    client.send(json{{"jsonrpc", "2.0"}, {"id", "no-method"}});
    answer = client.response("no-method");
    ASSERT_TRUE(answer);
    EXPECT_EQ(error_code(*answer), jsonrpc::invalid_request);
    client.send_text("42");
    auto scalar = client.channel->wait_for([](const json& m) {
        return m.contains("error") && m["id"].is_null() && m["error"]["code"] == jsonrpc::invalid_request;
    });
    EXPECT_TRUE(scalar);
}

TEST_F(SessionTest, UnknownMethodIsMethodNotFound) {
    Client& client = open();
    client.initialize();
    const json answer = client.request("tools/destroy", json::object());
    EXPECT_EQ(error_code(answer), jsonrpc::method_not_found);
    EXPECT_TRUE(contains(error_message(answer), "tools/destroy"));
}

TEST_F(SessionTest, InvalidParamsAreRefusedWithMinus32602) {
    Client& client = open();
    client.initialize();
    struct Case {
        const char* method;
        json params;
        const char* says;
    };
    const Case cases[] = {
        {"tools/call", {{"name", "no_such_tool"}}, "Unknown tool: no_such_tool"},
        {"tools/call", {{"arguments", json::object()}}, "\"name\""},
        {"tools/call", {{"name", 7}}, "\"name\""},
        {"tools/call", {{"name", "test_simple_text"}, {"arguments", "text"}}, "\"arguments\""},
        {"tools/call", json::array({"test_simple_text"}), "\"params\""},
        {"tools/list", {{"cursor", "not-a-cursor"}}, "cursor"},
        {"tools/list", {{"cursor", 3}}, "\"cursor\""},
        {"prompts/list", {{"cursor", "Zm9vYmFy"}}, "cursor"},
        {"prompts/get", {{"name", "no_such_prompt"}}, "Unknown prompt: no_such_prompt"},
        {"resources/read", json::object(), "\"uri\""},
        {"resources/subscribe", json::object(), "\"uri\""},
        {"completion/complete",
         {{"ref", {{"type", "ref/other"}}}, {"argument", {{"name", "a"}, {"value", ""}}}},
         "ref"},
        {"logging/setLevel", {{"level", "verbose"}}, "debug, info, notice"},
        {"logging/setLevel", json::object(), "\"level\""},
    };
    for (const auto& test : cases) {
        const json answer = client.request(test.method, test.params);
        ASSERT_TRUE(answer.contains("error")) << test.method << " " << test.params.dump() << ": " << answer.dump();
        EXPECT_EQ(error_code(answer), jsonrpc::invalid_params) << test.method << " " << test.params.dump();
        EXPECT_TRUE(contains(error_message(answer), test.says))
            << test.method << " " << test.params.dump() << ": " << error_message(answer);
    }
}

TEST_F(SessionTest, UnknownResourceIsResourceNotFound) {
    Client& client = open();
    client.initialize();
    for (const char* method : {"resources/read", "resources/subscribe"}) {
        const json answer = client.request(method, {{"uri", "test://nothing-here"}});
        EXPECT_EQ(error_code(answer), jsonrpc::resource_not_found) << method;
        EXPECT_TRUE(contains(error_message(answer), "test://nothing-here"));
    }
}

TEST_F(SessionTest, AnIdStillInFlightCannotBeReused) {
    Client& client = open();
    client.initialize();
    const json params = {{"name", "test_tool_with_logging"}, {"arguments", json::object()}};
    client.send(jsonrpc::request(500, "tools/call", params));
    client.send(jsonrpc::request(500, "tools/call", params));
    auto first = client.channel->wait_for([](const json& m) { return is_response_to(m, 500) && m.contains("error"); });
    ASSERT_TRUE(first);
    EXPECT_EQ(error_code(first->message), jsonrpc::invalid_request);
    EXPECT_TRUE(contains(error_message(first->message), "already in use"));
    auto second =
        client.channel->wait_for([](const json& m) { return is_response_to(m, 500) && m.contains("result"); });
    ASSERT_TRUE(second);
    EXPECT_EQ(first_text(second->message["result"]), "Tool with logging executed successfully");
}

// ---- batches ---------------------------------------------------------------------------------

TEST_F(SessionTest, BatchesAreRefusedFrom2025_06_18On) {
    for (const char* version : {"2025-11-25", "2025-06-18"}) {
        Client& client = open();
        client.initialize(version);
        client.send(json::array({jsonrpc::request(9001, "ping", nullptr), jsonrpc::request(9002, "ping", nullptr)}));
        auto refused = client.channel->wait_for([](const json& m) { return m.is_object() && m.contains("error"); });
        ASSERT_TRUE(refused) << version;
        EXPECT_TRUE(refused->message.at("id").is_null());
        EXPECT_EQ(error_code(refused->message), jsonrpc::invalid_request);
        EXPECT_TRUE(contains(error_message(refused->message), "2025-03-26")) << error_message(refused->message);
        EXPECT_FALSE(client.response(9001, 100ms)) << "a member of a refused batch was answered";
    }
}

TEST_F(SessionTest, BatchBeforeInitializeIsRefused) {
    Client& client = open();
    client.send(json::array({jsonrpc::request(1, "ping", nullptr)}));
    auto refused = client.channel->wait_for([](const json& m) { return m.is_object() && m.contains("error"); });
    ASSERT_TRUE(refused);
    EXPECT_EQ(error_code(refused->message), jsonrpc::invalid_request);
}

TEST_F(SessionTest, BatchesAreAcceptedIn2025_03_26WithOneArrayResponse) {
    Client& client = open();
    client.initialize("2025-03-26");
    client.send(json::array({jsonrpc::request(1001, "ping", nullptr),
                             jsonrpc::request(1002, "tools/call", {{"name", "test_simple_text"}}),
                             jsonrpc::notification("notifications/roots/list_changed", nullptr),
                             json{{"jsonrpc", "2.0"}, {"id", 1003}},  // invalid: no method
                             jsonrpc::request(1004, "no/such/method", nullptr)}));
    auto batch = client.channel->wait_for([](const json& m) { return m.is_array(); });
    ASSERT_TRUE(batch);
    const json& responses = batch->message;
    ASSERT_EQ(responses.size(), 4u) << responses.dump();
    std::map<int, json> by_id;
    for (const auto& response : responses) by_id[response.at("id").get<int>()] = response;
    EXPECT_EQ(by_id.at(1001).at("result"), json::object());
    EXPECT_EQ(first_text(by_id.at(1002).at("result")), "This is a simple text response for testing.");
    EXPECT_EQ(error_code(by_id.at(1003)), jsonrpc::invalid_request);
    EXPECT_EQ(error_code(by_id.at(1004)), jsonrpc::method_not_found);
    // Nothing of the batch was answered outside the array.
    for (const json id : {1001, 1002, 1003, 1004}) EXPECT_FALSE(client.response(id, 0ms)) << id;
}

TEST_F(SessionTest, EmptyBatchIsInvalid) {
    Client& client = open();
    client.initialize("2025-03-26");
    client.send_text("[]");
    auto refused = client.channel->wait_for([](const json& m) { return m.is_object() && m.contains("error"); });
    ASSERT_TRUE(refused);
    EXPECT_EQ(error_code(refused->message), jsonrpc::invalid_request);
}

// ---- host methods ----------------------------------------------------------------------------

TEST_F(SessionTest, ToolsListPagesThroughEveryToolOnce) {
    Client& client = open();
    client.initialize();
    std::vector<std::string> names;
    json params = json::object();
    int pages = 0;
    while (true) {
        const json answer = client.request("tools/list", params);
        ASSERT_TRUE(answer.contains("result")) << answer.dump();
        const json& result = answer["result"];
        EXPECT_LE(result.at("tools").size(), 5u);
        for (const auto& tool : result["tools"]) names.push_back(tool.at("name"));
        ++pages;
        if (!result.contains("nextCursor")) break;
        params = {{"cursor", result["nextCursor"]}};
        ASSERT_LT(pages, 100);
    }
    const size_t total = server_->catalog().size(CatalogKind::tool);
    EXPECT_EQ(names.size(), total);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), total) << "a tool was served twice";
    EXPECT_EQ(pages, static_cast<int>((total + 4) / 5));
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_NE(std::find(names.begin(), names.end(), "test_simple_text"), names.end());
}

TEST_F(SessionTest, Json2020SchemaIsServedAsRegistered) {
    Client& client = open();
    client.initialize();
    json params = json::object();
    json found;
    while (found.is_null()) {
        const json result = client.request("tools/list", params).at("result");
        for (const auto& tool : result["tools"])
            if (tool["name"] == "json_schema_2020_12_tool") found = tool;
        if (!result.contains("nextCursor")) break;
        params = {{"cursor", result["nextCursor"]}};
    }
    ASSERT_FALSE(found.is_null());
    const json& schema = found.at("inputSchema");
    EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
    EXPECT_EQ(schema.at("$defs").at("address").at("$anchor"), "address");
    EXPECT_EQ(schema.at("properties").at("address").at("$ref"), "#/$defs/address");
    EXPECT_EQ(schema.at("allOf").size(), 1u);
    EXPECT_EQ(schema.at("properties").at("contact").at("anyOf").size(), 2u);
    EXPECT_EQ(schema.at("then").at("required"), json::array({"address"}));
    EXPECT_EQ(schema.at("additionalProperties"), false);
    EXPECT_EQ(schema, server_->catalog().find(CatalogKind::tool, "json_schema_2020_12_tool")->item["inputSchema"]);
}

TEST_F(SessionTest, LoggingSetLevelFiltersToolLogMessages) {
    Client& client = open();
    client.initialize();
    EXPECT_EQ(client.request("logging/setLevel", {{"level", "error"}}).at("result"), json::object());
    EXPECT_FALSE(client.session->log_enabled(SB_LOG_WARNING));
    EXPECT_TRUE(client.session->log_enabled(SB_LOG_ERROR));
    json quiet = client.call_tool("test_tool_with_logging");
    ASSERT_TRUE(quiet.contains("result"));
    for (const auto& sent : client.channel->all())
        EXPECT_NE(sent.message.value("method", ""), "notifications/message") << "info passed an error level";

    EXPECT_EQ(client.request("logging/setLevel", {{"level", "debug"}}).at("result"), json::object());
    const json id = client.start("tools/call", {{"name", "test_tool_with_logging"}});
    ASSERT_TRUE(client.response(id));
    std::vector<std::string> logged;
    for (const auto& sent : client.channel->all()) {
        if (sent.message.value("method", "") != "notifications/message") continue;
        EXPECT_EQ(sent.related, id) << "a tool's log message must be sent with its request";
        EXPECT_EQ(sent.message["params"]["level"], "info");
        logged.push_back(sent.message["params"]["data"]);
    }
    EXPECT_EQ(logged,
              (std::vector<std::string>{"Tool execution started", "Tool processing data", "Tool execution completed"}));
}

TEST_F(SessionTest, ProgressNotificationsCarryTheClientsToken) {
    Client& client = open();
    client.initialize();
    const json answer = client.call_tool("test_tool_with_progress", json::object(), {{"progressToken", "tok-1"}});
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_EQ(first_text(answer["result"]), "tok-1");
    std::vector<double> progress;
    for (const auto& sent : client.channel->all()) {
        if (sent.message.value("method", "") != "notifications/progress") continue;
        EXPECT_EQ(sent.message["params"]["progressToken"], "tok-1");
        EXPECT_EQ(sent.message["params"]["total"], 100);
        progress.push_back(sent.message["params"]["progress"]);
    }
    EXPECT_EQ(progress, (std::vector<double>{0, 50, 100}));
}

TEST_F(SessionTest, ToolCallsResourcesAndPromptsReachThePlugin) {
    Client& client = open();
    client.initialize();
    EXPECT_EQ(first_text(client.call_tool("test_simple_text").at("result")),
              "This is a simple text response for testing.");
    const json error_result = client.call_tool("test_error_handling").at("result");
    EXPECT_EQ(error_result.at("isError"), true);
    const json read = client.request("resources/read", {{"uri", "test://template/7/data"}}).at("result");
    EXPECT_EQ(json::parse(read.at("contents").at(0).at("text").get<std::string>())["id"], "7");
    const json prompt = client
                            .request("prompts/get", {{"name", "test_prompt_with_arguments"},
                                                     {"arguments", {{"arg1", "a"}, {"arg2", "b"}}}})
                            .at("result");
    EXPECT_EQ(prompt.at("messages").at(0).at("content").at("text"), "Prompt with arguments: arg1='a', arg2='b'");
}

// ---- cancellation ------------------------------------------------------------------------------

TEST_F(SessionTest, CancelledNotificationMarksTheRequestCancelled) {
    Client& client = open();
    client.initialize();
    ToolCalledEvents events(server_->bus());
    client.send(jsonrpc::request("slow-1", "tools/call", {{"name", "test_tool_with_logging"}}));
    client.notify("notifications/cancelled", {{"requestId", "slow-1"}, {"reason", "user pressed stop"}});
    const json event = events.first();
    ASSERT_FALSE(event.is_null()) << "the cancelled call never ended";
    EXPECT_EQ(event["tool"], "test_tool_with_logging");
    EXPECT_EQ(event["outcome"], "cancelled");
    EXPECT_EQ(event["plugin"], "conformance_fixture");
    // A cancelled request gets no response.
    EXPECT_FALSE(client.response("slow-1", 300ms));
    // Cancelling something unknown or already finished is harmless.
    client.notify("notifications/cancelled", {{"requestId", "never-sent"}});
    client.notify("notifications/cancelled", json::object());
    EXPECT_EQ(client.request("ping").at("result"), json::object());
}

// ---- server-to-client requests ---------------------------------------------------------------------

TEST_F(SessionTest, SamplingWithoutTheCapabilityIsAToolErrorThatSaysSo) {
    Client& client = open();
    client.initialize("2025-11-25", json::object());
    const json answer = client.call_tool("test_sampling", {{"prompt", "Hi"}});
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_EQ(answer["result"].value("isError", false), true);
    EXPECT_TRUE(contains(first_text(answer["result"]), "sampling")) << first_text(answer["result"]);
    for (const auto& sent : client.channel->all())
        EXPECT_NE(sent.message.value("method", ""), "sampling/createMessage") << "the client cannot take this request";
}

TEST_F(SessionTest, ElicitationWithoutTheCapabilityIsAToolErrorThatSaysSo) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    const json answer = client.call_tool("test_elicitation", {{"message", "Name?"}});
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_EQ(answer["result"].value("isError", false), true);
    EXPECT_TRUE(contains(first_text(answer["result"]), "elicitation")) << first_text(answer["result"]);
}

TEST_F(SessionTest, SamplingRoundTripThroughTheClient) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    const json call_id = client.start("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "Hi"}}}});
    auto request =
        client.channel->wait_for([](const json& m) { return m.value("method", "") == "sampling/createMessage"; });
    ASSERT_TRUE(request);
    EXPECT_EQ(request->related, call_id) << "the sampling request must travel with the tool call";
    EXPECT_EQ(request->message.at("params").at("messages").at(0).at("content").at("text"), "Hi");
    client.send(jsonrpc::result_response(
        request->message.at("id"),
        {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "Hello!"}}}, {"model", "test-model"}}));
    auto answer = client.response(call_id);
    ASSERT_TRUE(answer);
    EXPECT_EQ(first_text(answer->at("result")), "LLM response: Hello!");
}

TEST_F(SessionTest, ClientErrorAnswerBecomesAToolError) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    const json call_id = client.start("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "Hi"}}}});
    auto request =
        client.channel->wait_for([](const json& m) { return m.value("method", "") == "sampling/createMessage"; });
    ASSERT_TRUE(request);
    client.send(jsonrpc::error_response(request->message.at("id"), -1, "User rejected sampling request"));
    auto answer = client.response(call_id);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->at("result").value("isError", false), true);
    EXPECT_TRUE(contains(first_text(answer->at("result")), "User rejected sampling request"));
}

TEST_F(SessionTest, ClosingTheSessionFailsPendingClientRequests) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    ToolCalledEvents events(server_->bus());
    const json call_id = client.start("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "Hi"}}}});
    ASSERT_TRUE(
        client.channel->wait_for([](const json& m) { return m.value("method", "") == "sampling/createMessage"; }));
    client.session->close();
    // The tool stops waiting and ends (cancelled) instead of hanging until the timeout.
    const json event = events.first();
    ASSERT_FALSE(event.is_null()) << "the call waiting on the client never ended";
    EXPECT_EQ(event["outcome"], "cancelled");
    EXPECT_FALSE(client.response(call_id, 100ms)) << "a closed session sends nothing";
    client.send(jsonrpc::request(77, "ping", nullptr));
    EXPECT_FALSE(client.response(77, 100ms)) << "a closed session answers nothing";
}

TEST_F(SessionTest, CancellingAToolWithdrawsItsRequestToTheClient) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    ToolCalledEvents events(server_->bus());
    const json call_id = client.start("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "Hi"}}}});
    auto sampling =
        client.channel->wait_for([](const json& m) { return m.value("method", "") == "sampling/createMessage"; });
    ASSERT_TRUE(sampling);
    client.notify("notifications/cancelled", {{"requestId", call_id}});
    // The client is told to drop the sampling request, and the tool is released without waiting.
    auto withdrawn = client.channel->wait_for([&](const json& m) {
        return m.value("method", "") == "notifications/cancelled" &&
               m["params"]["requestId"] == sampling->message["id"];
    });
    EXPECT_TRUE(withdrawn);
    const json event = events.first();
    ASSERT_FALSE(event.is_null());
    EXPECT_EQ(event["outcome"], "cancelled");
    EXPECT_FALSE(client.response(call_id, 100ms));
}

class SessionTimeoutTest : public SessionTest {
 protected:
    void tune(Config& config) override { config.limits.client_request_timeout_ms = 200; }
};

TEST_F(SessionTimeoutTest, UnansweredClientRequestTimesOutIntoAToolError) {
    Client& client = open();
    client.initialize("2025-11-25", {{"sampling", json::object()}});
    const auto started = std::chrono::steady_clock::now();
    const json answer = client.call_tool("test_sampling", {{"prompt", "Hi"}});
    EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_EQ(answer["result"].value("isError", false), true);
    EXPECT_TRUE(contains(first_text(answer["result"]), "limits.client_request_timeout_ms"))
        << first_text(answer["result"]);
    // The client was told to stop working on the request.
    auto sampling =
        client.channel->wait_for([](const json& m) { return m.value("method", "") == "sampling/createMessage"; });
    ASSERT_TRUE(sampling);
    EXPECT_TRUE(client.channel->wait_for([&](const json& m) {
        return m.value("method", "") == "notifications/cancelled" &&
               m["params"]["requestId"] == sampling->message["id"];
    }));
    // A late answer is ignored.
    client.send(jsonrpc::result_response(sampling->message["id"], {{"role", "assistant"}}));
    EXPECT_EQ(client.request("ping").at("result"), json::object());
}

// ---- handler failures ---------------------------------------------------------------------------

TEST_F(SessionTest, AnExceptionInAToolHandlerIsAToolError) {
    Client& client = open();
    client.initialize();
    // test_sampling reads args.at("prompt"); without it the handler throws.
    const json answer = client.call_tool("test_sampling", json::object());
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_EQ(answer["result"].value("isError", false), true);
    EXPECT_TRUE(contains(first_text(answer["result"]), "invalid arguments for test_sampling"))
        << first_text(answer["result"]);
}

}  // namespace
}  // namespace switchboard::host
