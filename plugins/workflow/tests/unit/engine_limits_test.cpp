// engine_limits_test.cpp: the engine dispatches under pools, tool limits, a run's own
// max_concurrency and priorities (held_calls_engine.hpp: the held calls make in-flight exact).
#include "held_calls_engine.hpp"

namespace workflow {
namespace {

class EngineLimitsTest : public HeldCallsEngineTest {};

TEST_F(EngineLimitsTest, PoolOfOneNeverHasTwoInFlightAndDoesNotBlockAnotherPool) {
    make_engine({{"pools", {{"slow", {{"max_concurrency", 1}}}, {"fast", {{"max_concurrency", 3}}}}}});
    const std::string slow = start({{"name", "slow"}, {"tasks", tasks_of("slow_tool", 4, {{"pool", "slow"}})}});
    start({{"name", "fast"}, {"tasks", tasks_of("fast_tool", 3, {{"pool", "fast"}})}});
    EXPECT_EQ(host_.in_flight("slow_tool"), 1u);
    EXPECT_EQ(host_.in_flight("fast_tool"), 3u);  // not stuck behind the held slow tasks
    EXPECT_EQ(waiting_for(slow, "t0"), "");       // t0 runs
    EXPECT_EQ(waiting_for(slow, "t1"), "pool slow");
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

TEST_F(EngineLimitsTest, PluginLimitCapsAllOfThePluginsToolsTogether) {
    host_.owners = {{"search", "knowledge"}, {"open", "knowledge"}, {"chat", "llm"}};
    make_engine({{"max_concurrency", 100}, {"plugin_limits", {{"knowledge", 2}}}});
    const std::string run = start({{"name", "k"}, {"tasks", tasks_of("search", 3)}});
    start({{"name", "o"}, {"tasks", tasks_of("open", 3)}});
    start({{"name", "c"}, {"tasks", tasks_of("chat", 4)}});
    EXPECT_EQ(host_.in_flight("search") + host_.in_flight("open"), 2u);
    EXPECT_EQ(host_.in_flight("chat"), 4u);  // another plugin's tools are not held
    EXPECT_EQ(waiting_for(run, "t2"), "plugin knowledge");
    size_t knowledge_answered = 0;
    while (!host_.calls.empty()) {
        EXPECT_LE(host_.in_flight("search") + host_.in_flight("open"), 2u);
        const std::string tool = host_.answer_first().tool;
        if (tool == "search" || tool == "open") ++knowledge_answered;
    }
    EXPECT_EQ(knowledge_answered, 6u);
}

TEST_F(EngineLimitsTest, WorkflowLimitCapsAllRunsOfTheWorkflowTogether) {
    make_engine({{"max_concurrency", 100}, {"workflow_limits", {{"report", 3}}}});
    const std::string first = start({{"name", "report"}, {"tasks", tasks_of("write", 4)}});
    start({{"name", "report"}, {"tasks", tasks_of("write", 4)}});  // a second run, and a second version
    start({{"name", "other"}, {"tasks", tasks_of("other_tool", 4)}});
    EXPECT_EQ(host_.in_flight("write"), 3u);
    EXPECT_EQ(host_.in_flight("other_tool"), 4u);  // another workflow's runs are not held
    EXPECT_EQ(waiting_for(first, "t3"), "workflow report");
    size_t written = 0;
    while (!host_.calls.empty()) {
        EXPECT_LE(host_.in_flight("write"), 3u);
        if (host_.answer_first().tool == "write") ++written;
    }
    EXPECT_EQ(written, 8u);
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
    // Runs of equal priority take turns: "mixed"'s mid goes between "low"'s two calls.
    EXPECT_EQ(order, (std::vector<std::string>{"blocker", "urgent", "high", "high", "low", "mid", "low"}));
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
         {"tool_limits", {{"knowledge_search", 4}}},
         {"plugin_limits", {{"knowledge", 3}}},
         {"workflow_limits", {{"nightly", 1}}}});
    EXPECT_EQ(config.pools.at("openai").max_concurrency, 2);
    EXPECT_EQ(config.pools.at("openai").rate.calls, 60);
    EXPECT_EQ(config.pools.at("openai").rate.per_ms, 30000);
    EXPECT_EQ(config.tool_limits.at("knowledge_search"), 4);
    EXPECT_EQ(config.plugin_limits.at("knowledge"), 3);
    EXPECT_EQ(config.workflow_limits.at("nightly"), 1);
    try {
        parse_plugin_config({{"pools", {{"openai", {{"rate", {{"calls", 0}, {"per_seconds", 1}}}}}}}});
        FAIL() << "a rate of 0 calls was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("$.plugins.workflow.config.pools.openai.rate.calls"), std::string::npos);
    }
    EXPECT_THROW(parse_plugin_config({{"tool_limits", {{"x", 0}}}}), std::invalid_argument);
    EXPECT_THROW(parse_plugin_config({{"plugin_limits", {"knowledge"}}}), std::invalid_argument);
    EXPECT_THROW(parse_plugin_config({{"workflow_limits", {{"nightly", -1}}}}), std::invalid_argument);
    EXPECT_THROW(parse_plugin_config({{"pools", {{"p", {{"size", 1}}}}}}), std::invalid_argument);
}

}  // namespace
}  // namespace workflow
