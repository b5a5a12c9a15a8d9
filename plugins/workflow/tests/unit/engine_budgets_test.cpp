// engine_budgets_test.cpp: an exceeded LLM budget holds the LLM-bound calls it applies to (tasks
// in an `llm` pool, agent tasks) until its period ends, metrics stops backing it, or a user
// resumes the run; and agent tasks call spawner_run, or fail with spawner_unavailable.
#include "held_calls_engine.hpp"

namespace workflow {
namespace {

const Json kLlmPools = {{"pools", {{"openai", {{"llm", true}}}, {"plain", {{"max_concurrency", 5}}}}}};

Json budget_exceeded(int64_t id, const std::string& scope, const std::string& value, Json period_end = Json()) {
    return {{"id", id},        {"scope", scope},           {"scope_value", value},
            {"period", "day"}, {"period_end", period_end}, {"state", "exceeded"}};
}

class EngineBudgetsTest : public HeldCallsEngineTest {
 protected:
    RunRow run(const std::string& run_id) {
        return engine_->read([&](Store& store) { return *store.run(run_id); });
    }
    std::vector<std::string> history_types(const std::string& run_id) {
        const Json events = engine_->read([&](Store& store) { return store.history(run_id, 0, 1000); });
        std::vector<std::string> types;
        for (const Json& event : events) types.push_back(event.value("type", "") + ":" + event["data"].dump());
        return types;
    }
};

TEST_F(EngineBudgetsTest, AProjectBudgetHoldsOnlyItsProjectsLlmCallsUntilMetricsLiftsIt) {
    make_engine(kLlmPools);
    engine_->hold_budget(budget_exceeded(7, "project", "web"));
    host_.settle();
    const std::string web = start({{"name", "web"},
                                   {"project", "web"},
                                   {"tasks",
                                    {{{"id", "llm"}, {"tool", "chat"}, {"pool", "openai"}},
                                     {{"id", "plain"}, {"tool", "grep"}, {"pool", "plain"}}}}});
    const std::string app = start(
        {{"name", "app"}, {"project", "app"}, {"tasks", {{{"id", "llm"}, {"tool", "chat2"}, {"pool", "openai"}}}}});
    EXPECT_EQ(host_.in_flight("chat"), 0u);   // held
    EXPECT_EQ(host_.in_flight("grep"), 1u);   // not LLM-bound
    EXPECT_EQ(host_.in_flight("chat2"), 1u);  // another project
    EXPECT_EQ(waiting_for(web, "llm"), "budget 7");
    const std::vector<std::string> history = history_types(web);
    EXPECT_NE(std::find(history.begin(), history.end(), "task.waiting:{\"for\":\"budget 7\"}"), history.end());

    engine_->recheck_budgets(Json::array({{{"id", 7}, {"state", "exceeded"}}}));  // still exceeded
    host_.settle();
    EXPECT_EQ(host_.in_flight("chat"), 0u);
    engine_->recheck_budgets(Json::array({{{"id", 7}, {"state", "ok"}}}));  // raised
    host_.settle();
    EXPECT_EQ(host_.in_flight("chat"), 1u);
    EXPECT_EQ(waiting_for(web, "llm"), "");
    EXPECT_EQ(engine_->budget_holds().size(), 0u);
    while (!host_.calls.empty()) host_.answer_first();
    EXPECT_EQ(run(web).status, RunStatus::succeeded);
}

TEST_F(EngineBudgetsTest, TheRunsInputNamesTheProjectWhenTheDefinitionDoesNot) {
    make_engine(kLlmPools);
    engine_->hold_budget(budget_exceeded(1, "project", "web"));
    host_.settle();
    const Json document = {{"name", "w"}, {"tasks", {{{"id", "llm"}, {"tool", "chat"}, {"pool", "openai"}}}}};
    const ParseResult parsed = engine_->check_definition(document);
    ASSERT_TRUE(parsed.definition);
    StoredDefinition stored;
    stored.name = "w";
    stored.version = engine_->read([&](Store& store) { return store.add_definition("w", document, 1); });
    stored.document = document;
    for (const char* project : {"web", "app"})
        engine_->start_run(stored, *parsed.definition, {{"project", project}}, nullptr, nullptr);
    host_.settle();
    EXPECT_EQ(host_.in_flight("chat"), 1u);  // the "app" run only
}

TEST_F(EngineBudgetsTest, AChildRunThatNamesNoProjectSpendsItsParents) {
    make_engine(kLlmPools);
    engine_->hold_budget(budget_exceeded(3, "project", "web"));
    host_.settle();
    const Json child = {{"name", "child"}, {"tasks", {{{"id", "llm"}, {"tool", "chat"}, {"pool", "openai"}}}}};
    engine_->read([&](Store& store) { return store.add_definition("child", child, 1); });
    const Json own = {{"name", "own"}, {"project", "app"}, {"tasks", child["tasks"]}};
    engine_->read([&](Store& store) { return store.add_definition("own", own, 1); });
    start({{"name", "parent"},
           {"project", "web"},
           {"tasks",
            {{{"id", "plain"}, {"kind", "workflow"}, {"workflow", "child"}},
             {{"id", "named"}, {"kind", "workflow"}, {"workflow", "own"}}}}});
    // The child "own" names project app: its call starts; "child" spends web's budget: held.
    EXPECT_EQ(host_.in_flight("chat"), 1u);
    const Json runs = engine_->read([&](Store& store) { return store.list_runs("child", "", 10); });
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(waiting_for(runs[0]["run_id"].get<std::string>(), "llm"), "budget 3");
}

TEST_F(EngineBudgetsTest, AgentAndModelBudgetsHoldAgentTasksAndThePeriodEndLiftsThem) {
    make_engine(Json::object());
    engine_->hold_budget(budget_exceeded(4, "agent", "writer", "2000-01-01T00:00:00.000Z"));  // a period long over
    host_.settle();
    const std::string id =
        start({{"name", "agents"},
               {"tasks",
                {{{"id", "write"}, {"kind", "agent"}, {"agent", "writer"}, {"prompt", "draft it"}},
                 {{"id", "read"}, {"kind", "agent"}, {"agent", "reader"}, {"prompt", "check it"}, {"model", "m1"}}}}});
    ASSERT_EQ(host_.calls.size(), 1u);
    EXPECT_EQ(host_.calls.front().tool, kSpawnerTool);
    EXPECT_EQ(waiting_for(id, "write"), "budget 4");
    // The engine's own timer for the period end: run the one the hold armed.
    ASSERT_FALSE(host_.timers.empty());
    host_.timers.back()();
    host_.settle();
    EXPECT_EQ(host_.calls.size(), 2u);
    EXPECT_EQ(engine_->budget_holds().size(), 0u);
}

TEST_F(EngineBudgetsTest, ATemplatedAgentOrModelIsMatchedAsRenderedBeforeTheFirstAttempt) {
    make_engine(Json::object());
    engine_->hold_budget(budget_exceeded(5, "agent", "critic"));
    engine_->hold_budget(budget_exceeded(6, "model", "big"));
    host_.settle();
    const Json document = {
        {"name", "who"},
        {"tasks",
         {{{"id", "a"}, {"kind", "agent"}, {"agent", "{{ input.who }}"}, {"prompt", "p"}},
          {{"id", "b"}, {"kind", "agent"}, {"agent", "w"}, {"prompt", "p"}, {"model", "{{ input.model }}"}},
          {{"id", "c"}, {"kind", "agent"}, {"agent", "w"}, {"prompt", "p"}}}}};
    const ParseResult parsed = engine_->check_definition(document);
    ASSERT_TRUE(parsed.definition) << describe_problems(parsed.problems);
    StoredDefinition stored;
    stored.name = "who";
    stored.version = engine_->read([&](Store& store) { return store.add_definition("who", document, 1); });
    stored.document = document;
    std::string id;
    engine_->start_run(
        stored, *parsed.definition, {{"who", "critic"}, {"model", "big"}}, [&](const std::string& run) { id = run; },
        nullptr, nullptr);
    host_.settle();
    ASSERT_EQ(host_.calls.size(), 1u);
    EXPECT_EQ(host_.calls.front().task_id, "c");
    EXPECT_EQ(waiting_for(id, "a"), "budget 5");
    EXPECT_EQ(waiting_for(id, "b"), "budget 6");
}

TEST_F(EngineBudgetsTest, AHoldSurvivesARestartAndAResumeLetsTheRunGoOnPastIt) {
    make_engine(kLlmPools);
    engine_->hold_budget(budget_exceeded(2, "global", ""));
    host_.settle();
    engine_.reset();
    make_engine(kLlmPools);  // the same database
    EXPECT_EQ(engine_->budget_holds().size(), 1u);
    const std::string id = start({{"name", "g"}, {"tasks", {{{"id", "llm"}, {"tool", "chat"}, {"pool", "openai"}}}}});
    EXPECT_EQ(host_.in_flight("chat"), 0u);
    EXPECT_EQ(waiting_for(id, "llm"), "budget 2");

    ASSERT_EQ(engine_->resume_run(id, nullptr), std::nullopt);
    host_.settle();
    EXPECT_EQ(host_.in_flight("chat"), 1u);
    EXPECT_TRUE(run(id).ignore_budgets);
    EXPECT_EQ(engine_->budget_holds().size(), 1u);  // the budget still holds other runs
    // Resuming a running run that nothing holds is refused, as before.
    EXPECT_NE(engine_->resume_run(id, nullptr), std::nullopt);
}

TEST_F(EngineBudgetsTest, AnAgentTaskCallsSpawnerRunAndFailsClearlyWithoutASpawner) {
    make_engine(Json::object());
    const std::string id = start(
        {{"name", "a"},
         {"tasks", {{{"id", "ask"}, {"kind", "agent"}, {"agent", "writer"}, {"prompt", "hello {{ len('abc') }}"}}}}});
    ASSERT_EQ(host_.calls.size(), 1u);
    HeldCallsHost::Call call = std::move(host_.calls.front());
    host_.calls.pop_front();
    EXPECT_EQ(call.tool, "spawner_run");
    call.done(false, {{"code", -32602}, {"message", "Unknown tool: spawner_run"}});
    host_.settle();
    const RunRow row = run(id);
    EXPECT_EQ(row.status, RunStatus::failed);
    ASSERT_EQ(row.tasks.size(), 1u);
    EXPECT_EQ(row.tasks[0].state.error_kind, "spawner_unavailable");
    EXPECT_NE(row.tasks[0].state.error.get<std::string>().find("load one that does"), std::string::npos);
    EXPECT_EQ(row.tasks[0].input, Json({{"agent", "writer"}, {"prompt", "hello 3"}}));
}

TEST(AgentDefinitionTest, AgentTasksAreCheckedAtDefineTime) {
    const ParseResult bad = parse_definition(
        {{"name", "a"},
         {"project", 3},
         {"tasks",
          {{{"id", "x"}, {"kind", "agent"}, {"prompt", "{{ tasks.nope.output }}"}, {"tool", "t"}, {"model", ""}}}}});
    std::vector<std::string> paths;
    for (const Problem& problem : bad.problems) paths.push_back(problem.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"$.project", "$.tasks[0].agent", "$.tasks[0].model", "$.tasks[0].tool"}))
        << describe_problems(bad.problems);
    const ParseResult good = parse_definition(
        {{"name", "a"},
         {"tasks", {{{"id", "x"}, {"kind", "agent"}, {"agent", "w"}, {"prompt", "{{ tasks.nope.output }}"}}}}});
    ASSERT_EQ(good.problems.size(), 1u);
    EXPECT_EQ(good.problems[0].path, "$.tasks[0].prompt");  // the agent's own key, not .arguments
}

}  // namespace
}  // namespace workflow
