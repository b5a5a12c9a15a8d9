// engine_limits_test.cpp: the engine dispatches under pools, tool limits, a run's own
// max_concurrency and priorities. The host holds every tool call until the test answers it, and
// runs blocking work (checkpoints) when the test says, so what is in flight is exact.
#include "engine.hpp"
#include "plugin_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>

namespace workflow {
namespace {

class HeldCallsHost : public EngineHost {
 public:
    struct Call {
        std::string tool;
        std::string task_id;
        std::function<void(bool, Json)> done;
    };
    uint64_t call_tool(const Json& params, std::function<void(bool, Json)> done) override {
        calls.push_back({params["name"].get<std::string>(), params["_meta"]["workflow"]["task_id"], std::move(done)});
        return ++next_call;
    }
    void cancel_call(uint64_t) override {}
    void post_blocking(std::function<void()> task) override { blocking.push_back(std::move(task)); }
    uint64_t run_after(int64_t, std::function<void()> task) override {
        timers.push_back(std::move(task));
        return ++next_timer;
    }
    void cancel_timer(uint64_t) override {}
    void publish(std::string_view, const Json&) override {}
    void resource_updated(std::string_view) override {}
    void log_error(std::string_view message) override { ADD_FAILURE() << "engine error: " << message; }

    void settle() {
        while (!blocking.empty()) {
            auto task = std::move(blocking.front());
            blocking.pop_front();
            task();
        }
    }
    // Answers the oldest unanswered call, then lets the engine carry on.
    Call answer_first() {
        Call call = std::move(calls.front());
        calls.pop_front();
        call.done(true, Json{{"content", Json::array()}, {"structuredContent", Json::object()}});
        settle();
        return call;
    }
    size_t in_flight(const std::string& tool) const {
        return static_cast<size_t>(
            std::count_if(calls.begin(), calls.end(), [&](const Call& call) { return call.tool == tool; }));
    }

    std::deque<Call> calls;  // in flight
    std::deque<std::function<void()>> blocking;
    std::vector<std::function<void()>> timers;
    uint64_t next_call = 0;
    uint64_t next_timer = 1;
};

// n independent tool tasks t0..t(n-1) calling `tool`, with `extra` merged into each task.
Json tasks_of(const std::string& tool, int n, const Json& extra = Json::object()) {
    Json tasks = Json::array();
    for (int i = 0; i < n; ++i) {
        std::string id = "t";  // not "t" + to_string(i): GCC 12 warns falsely (-Wstringop-overflow)
        id += std::to_string(i);
        Json task = {{"id", id}, {"tool", tool}};
        task.update(extra);
        tasks.push_back(task);
    }
    return tasks;
}

class EngineLimitsTest : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("workflow_engine_limits_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        host_.settle();
        engine_.reset();
        std::filesystem::remove_all(dir_);
    }
    void make_engine(const Json& config) {
        const PluginConfig parsed = parse_plugin_config(config);
        EngineOptions options;
        options.max_concurrency = parsed.max_concurrency;
        options.pools = parsed.pools;
        options.tool_limits = parsed.tool_limits;
        engine_ = std::make_unique<Engine>(host_, std::make_unique<Store>((dir_ / "workflow.db").string()), options);
    }
    // Returns the run id once the run is durable.
    std::string start(const Json& document, int priority = 0) {
        const ParseResult parsed = engine_->check_definition(document);
        EXPECT_TRUE(parsed.definition) << describe_problems(parsed.problems);
        if (!parsed.definition) return "";
        StoredDefinition stored;
        stored.name = parsed.definition->name;
        stored.version = engine_->read([&](Store& store) { return store.add_definition(stored.name, document, 1); });
        stored.document = document;
        std::string run_id;
        engine_->start_run(
            stored, *parsed.definition, Json::object(), [&](const std::string& id) { run_id = id; }, nullptr, nullptr,
            priority);
        host_.settle();
        return run_id;
    }

    HeldCallsHost host_;
    std::filesystem::path dir_;
    std::unique_ptr<Engine> engine_;
};

TEST_F(EngineLimitsTest, PoolOfOneNeverHasTwoInFlightAndDoesNotBlockAnotherPool) {
    make_engine({{"pools", {{"slow", {{"max_concurrency", 1}}}, {"fast", {{"max_concurrency", 3}}}}}});
    const std::string slow = start({{"name", "slow"}, {"tasks", tasks_of("slow_tool", 4, {{"pool", "slow"}})}});
    start({{"name", "fast"}, {"tasks", tasks_of("fast_tool", 3, {{"pool", "fast"}})}});
    EXPECT_EQ(host_.in_flight("slow_tool"), 1u);
    EXPECT_EQ(host_.in_flight("fast_tool"), 3u);  // not stuck behind the held slow tasks
    Json status = {{"run_id", slow}, {"tasks", {{{"id", "t0"}}, {{"id", "t1"}}}}};
    engine_->add_waiting_for(status);
    EXPECT_FALSE(status["tasks"][0].contains("waiting_for"));  // t0 runs
    EXPECT_EQ(status["tasks"][1].value("waiting_for", ""), "pool slow");
    size_t slow_answered = 0;
    while (!host_.calls.empty()) {
        EXPECT_LE(host_.in_flight("slow_tool"), 1u);
        if (host_.answer_first().tool == "slow_tool") ++slow_answered;
    }
    EXPECT_EQ(slow_answered, 4u);
}

TEST_F(EngineLimitsTest, ToolLimitAndRunLimitCapTheirCalls) {
    make_engine({{"max_concurrency", 100}, {"tool_limits", {{"limited", 2}}}});
    start({{"name", "a"}, {"tasks", tasks_of("limited", 5)}});
    start({{"name", "b"}, {"max_concurrency", 3}, {"tasks", tasks_of("free", 6)}});
    EXPECT_EQ(host_.in_flight("limited"), 2u);
    EXPECT_EQ(host_.in_flight("free"), 3u);
    while (!host_.calls.empty()) {
        EXPECT_LE(host_.in_flight("limited"), 2u);
        EXPECT_LE(host_.in_flight("free"), 3u);
        host_.answer_first();
    }
}

TEST_F(EngineLimitsTest, MapItemsCountTowardTheirMapsPool) {
    make_engine({{"pools", {{"one", {{"max_concurrency", 1}}}}}});
    start({{"name", "m"},
           {"tasks",
            {{{"id", "each"},
              {"kind", "map"},
              {"tool", "item_tool"},
              {"pool", "one"},
              {"concurrency", 3},
              {"items", {1, 2, 3}}},
             {{"id", "other"}, {"tool", "other_tool"}}}}});
    EXPECT_EQ(host_.in_flight("item_tool"), 1u);
    EXPECT_EQ(host_.in_flight("other_tool"), 1u);
    size_t items = 0;
    while (!host_.calls.empty()) {
        EXPECT_LE(host_.in_flight("item_tool"), 1u);
        if (host_.answer_first().tool == "item_tool") ++items;
    }
    EXPECT_EQ(items, 3u);
}

TEST_F(EngineLimitsTest, HigherPriorityRunsAndTasksStartFirst) {
    make_engine({{"pools", {{"one", {{"max_concurrency", 1}}}}}});
    start({{"name", "blocker"}, {"tasks", tasks_of("blocker", 1, {{"pool", "one"}})}});
    start({{"name", "low"}, {"tasks", tasks_of("low", 2, {{"pool", "one"}})}}, 0);
    start({{"name", "high"}, {"tasks", tasks_of("high", 2, {{"pool", "one"}})}}, 5);
    Json tasks = tasks_of("mid", 1, {{"pool", "one"}});
    tasks.push_back({{"id", "urgent"}, {"tool", "urgent"}, {"pool", "one"}, {"priority", 10}});
    start({{"name", "mixed"}, {"tasks", tasks}}, 0);
    std::vector<std::string> order;
    while (!host_.calls.empty()) order.push_back(host_.answer_first().tool);
    EXPECT_EQ(order, (std::vector<std::string>{"blocker", "urgent", "high", "high", "low", "low", "mid"}));
}

TEST_F(EngineLimitsTest, UnknownPoolIsADefineTimeProblemWithItsPath) {
    make_engine({{"pools", {{"known", {{"max_concurrency", 1}}}}}});
    const ParseResult parsed = engine_->check_definition(
        {{"name", "w"},
         {"tasks", {{{"id", "a"}, {"tool", "x"}, {"pool", "known"}}, {{"id", "b"}, {"tool", "x"}, {"pool", "nope"}}}}});
    EXPECT_FALSE(parsed.definition);
    ASSERT_EQ(parsed.problems.size(), 1u);
    EXPECT_EQ(parsed.problems[0].path, "$.tasks[1].pool");
}

TEST(PluginConfigLimits, PoolsAndToolLimitsParseAndBadValuesNameTheirPath) {
    const PluginConfig config = parse_plugin_config(
        {{"pools", {{"openai", {{"max_concurrency", 2}, {"rate", {{"calls", 60}, {"per_seconds", 30}}}}}}},
         {"tool_limits", {{"knowledge_search", 4}}}});
    EXPECT_EQ(config.pools.at("openai").max_concurrency, 2);
    EXPECT_EQ(config.pools.at("openai").rate.calls, 60);
    EXPECT_EQ(config.pools.at("openai").rate.per_ms, 30000);
    EXPECT_EQ(config.tool_limits.at("knowledge_search"), 4);
    try {
        parse_plugin_config({{"pools", {{"openai", {{"rate", {{"calls", 0}, {"per_seconds", 1}}}}}}}});
        FAIL() << "a rate of 0 calls was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("$.plugins.workflow.config.pools.openai.rate.calls"), std::string::npos);
    }
    EXPECT_THROW(parse_plugin_config({{"tool_limits", {{"x", 0}}}}), std::invalid_argument);
    EXPECT_THROW(parse_plugin_config({{"pools", {{"p", {{"size", 1}}}}}}), std::invalid_argument);
}

}  // namespace
}  // namespace workflow
