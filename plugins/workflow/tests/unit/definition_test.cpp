// definition_test.cpp: validation at define time, each problem with its JSON path.
#include "definition.hpp"

#include <gtest/gtest.h>

namespace workflow {
namespace {

Json tool_task(const std::string& id, Json after = Json::array()) {
    return {{"id", id}, {"tool", "t_x"}, {"after", std::move(after)}};
}

std::vector<std::string> paths(const ParseResult& result) {
    std::vector<std::string> list;
    for (const Problem& problem : result.problems) list.push_back(problem.path);
    return list;
}

std::string first_message(const ParseResult& result) {
    return result.problems.empty() ? std::string() : result.problems[0].message;
}

TEST(Definition, AcceptsAFullDefinition) {
    const Json document = {{"name", "etl"},
                           {"tasks",
                            {{{"id", "fetch"},
                              {"tool", "src_fetch"},
                              {"arguments", {{"url", "{{ input.url }}"}}},
                              {"timeout", "5s"},
                              {"retry",
                               {{"max_attempts", 3},
                                {"initial_interval", "100ms"},
                                {"backoff_factor", 2},
                                {"max_interval", "1s"},
                                {"non_retryable", {"call_error"}}}}},
                             {{"id", "pause"}, {"kind", "wait"}, {"duration", 50}, {"after", {"fetch"}}},
                             {{"id", "store"},
                              {"tool", "dst_store"},
                              {"after", {"pause"}},
                              {"when", "len(tasks.fetch.output.rows) > 0"},
                              {"arguments", {{"rows", "{{ tasks.fetch.output.rows }}"}}}}}},
                           {"outputs", {{"stored", "{{ tasks.store.output }}"}}}};
    const ParseResult result = parse_definition(document);
    ASSERT_TRUE(result.problems.empty()) << describe_problems(result.problems);
    const Definition& definition = *result.definition;
    EXPECT_EQ(definition.tasks.size(), 3u);
    EXPECT_EQ(definition.task("fetch").retry.max_attempts, 3);
    EXPECT_EQ(definition.task("fetch").retry.initial_interval_ms, 100);
    EXPECT_EQ(definition.task("fetch").retry.max_interval_ms, 1000);
    EXPECT_EQ(*definition.task("fetch").timeout_ms, 5000);
    EXPECT_EQ(definition.task("pause").kind, TaskKind::wait);
    EXPECT_EQ(definition.task("pause").wait_ms, 50);
}

TEST(Definition, UnknownAfterReference) {
    const ParseResult result =
        parse_definition({{"name", "w"}, {"tasks", {tool_task("a"), tool_task("b", {"a", "nope"})}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[1].after[1]"}));
    EXPECT_EQ(first_message(result), "unknown task 'nope'; `after` names ids of tasks in this workflow");
}

TEST(Definition, CycleIsReportedWithItsTasks) {
    const ParseResult result = parse_definition(
        {{"name", "w"}, {"tasks", {tool_task("a", {"c"}), tool_task("b", {"a"}), tool_task("c", {"b"})}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[1].after[0]"}));  // the edge that closes it
    EXPECT_EQ(first_message(result), "dependency cycle: a -> c -> b -> a");
}

TEST(Definition, SelfDependency) {
    const ParseResult result = parse_definition({{"name", "w"}, {"tasks", {tool_task("a", {"a"})}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[0].after[0]"}));
}

TEST(Definition, BadExpressionsHaveTheirPaths) {
    Json when_task = tool_task("b", {"a"});
    when_task["when"] = "tasks.a.output.n >";
    Json args_task = tool_task("c", {"a"});
    args_task["arguments"] = {{"deep", {{"x", "{{ tasks.a.output. }}"}}}};
    const ParseResult result = parse_definition({{"name", "w"}, {"tasks", {tool_task("a"), when_task, args_task}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[1].when", "$.tasks[2].arguments"}));
    EXPECT_EQ(result.problems[0].message, "bad expression: expected a value at the end");
    EXPECT_EQ(result.problems[1].message,
              "$.tasks[2].arguments.deep.x: bad expression ' tasks.a.output. ': expected a name after '.' at the end");
}

TEST(Definition, ReadingATaskWithoutRunningAfterItIsRefused) {
    Json reader = tool_task("b");
    reader["arguments"] = {{"x", "{{ tasks.a.output }}"}};
    Json unknown_root = tool_task("c");
    unknown_root["when"] = "env.HOME == 'x'";
    const ParseResult result = parse_definition({{"name", "w"}, {"tasks", {tool_task("a"), reader, unknown_root}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[1].arguments.x", "$.tasks[2].when"}));
    EXPECT_EQ(result.problems[0].message, "reads tasks.a but does not run after it; add it to `after`");
    EXPECT_EQ(result.problems[1].message, "unknown name 'env'; expressions start from `input` or `tasks.<id>`");
}

TEST(Definition, SchemaErrors) {
    const ParseResult result =
        parse_definition({{"name", "bad name!"},
                          {"color", "red"},
                          {"tasks",
                           {{{"id", "a"}, {"kind", "robot"}},
                            {{"id", "a"}, {"tool", "x"}, {"timeout", "soon"}},
                            {{"id", "1x"}, {"tool", 5}},
                            {{"id", "w"}, {"kind", "wait"}},
                            {{"id", "r"},
                             {"tool", "x"},
                             {"retry", {{"max_attempts", 0}, {"non_retryable", {"boom"}}, {"extra", 1}}}}}}});
    EXPECT_EQ(paths(result),
              (std::vector<std::string>{"$.color", "$.name", "$.tasks[0].kind", "$.tasks[1].id", "$.tasks[1].timeout",
                                        "$.tasks[2].id", "$.tasks[2].tool", "$.tasks[3]", "$.tasks[4].retry.extra",
                                        "$.tasks[4].retry.max_attempts", "$.tasks[4].retry.non_retryable[0]"}));
    EXPECT_EQ(result.problems[2].message,
              "unknown kind; accepted: tool, wait, switch, map, approval, workflow, loop, agent");
    EXPECT_EQ(result.problems[3].message, "duplicate task id 'a'");
}

TEST(Definition, SwitchBranchesRunAfterTheSwitch) {
    const ParseResult result =
        parse_definition({{"name", "w"},
                          {"tasks",
                           {{{"id", "size"}, {"tool", "x"}},
                            {{"id", "route"},
                             {"kind", "switch"},
                             {"after", {"size"}},
                             {"cases", {{{"when", "tasks.size.output > 10"}, {"then", {"big"}}}}},
                             {"default", {"small"}}},
                            {{"id", "big"}, {"tool", "x"}, {"arguments", {{"case", "{{ tasks.route.output.case }}"}}}},
                            {{"id", "small"}, {"tool", "x"}}}}});
    ASSERT_TRUE(result.problems.empty()) << describe_problems(result.problems);
    const Definition& definition = *result.definition;
    EXPECT_EQ(definition.task("big").after, (std::vector<std::string>{"route"}));
    EXPECT_EQ(definition.task("big").gate->case_index, 0);
    EXPECT_EQ(definition.task("small").gate->case_index, -1);
    EXPECT_EQ(definition.task("route").reads, (std::vector<size_t>{0}));
}

TEST(Definition, SwitchErrors) {
    const ParseResult result = parse_definition(
        {{"name", "w"},
         {"tasks",
          {{{"id", "route"},
            {"kind", "switch"},
            {"cases", {{{"when", "input.x >"}, {"then", {"a", "ghost"}}}, {{"when", "true"}, {"then", {"a"}}}}},
            {"tool", "x"}},
           {{"id", "a"}, {"tool", "x"}},
           {{"id", "s2"}, {"kind", "switch"}}}}});
    EXPECT_EQ(paths(result), (std::vector<std::string>{"$.tasks[0].tool", "$.tasks[2].cases",
                                                       "$.tasks[0].cases[0].then[1]", "$.tasks[0].cases[1].then[0]"}));
    EXPECT_EQ(result.problems[3].message,
              "task 'a' is already in a switch branch; a task belongs to one branch at most");
}

// Validation must not recurse per task: a long chain listed backwards once overflowed the stack.
TEST(Definition, LongChainListedBackwards) {
    constexpr int kTasks = 100000;
    const auto id = [](int i) {
        std::string text = "t";  // not "t" + ...: GCC 12 warns falsely (-Wrestrict) on that
        text += std::to_string(i);
        return text;
    };
    Json tasks = Json::array();
    for (int i = 0; i < kTasks; ++i) {
        Json task = {{"id", id(i)}, {"tool", "x"}};
        if (i + 1 < kTasks) task["after"] = {id(i + 1)};
        tasks.push_back(std::move(task));
    }
    const ParseResult chain = parse_definition({{"name", "long"}, {"tasks", tasks}});
    EXPECT_TRUE(chain.problems.empty()) << describe_problems(chain.problems);
    tasks[kTasks - 1]["after"] = {"t0"};  // close the loop
    const ParseResult cycle = parse_definition({{"name", "long"}, {"tasks", tasks}});
    ASSERT_EQ(cycle.problems.size(), 1u);
    EXPECT_EQ(cycle.problems[0].path, "$.tasks[99999].after[0]");
}

TEST(Definition, NotAnObjectOrNoTasks) {
    EXPECT_EQ(paths(parse_definition(Json::array())), (std::vector<std::string>{"$"}));
    EXPECT_EQ(paths(parse_definition({{"name", "w"}, {"tasks", Json::array()}})),
              (std::vector<std::string>{"$.tasks"}));
}

TEST(Definition, Durations) {
    EXPECT_EQ(parse_duration_ms(250), 250);
    EXPECT_EQ(parse_duration_ms("250ms"), 250);
    EXPECT_EQ(parse_duration_ms("2s"), 2000);
    EXPECT_EQ(parse_duration_ms("1.5m"), 90000);
    EXPECT_EQ(parse_duration_ms("1h"), 3600000);
    EXPECT_FALSE(parse_duration_ms("2 s"));
    EXPECT_FALSE(parse_duration_ms(-1));
    EXPECT_FALSE(parse_duration_ms(true));
}

}  // namespace
}  // namespace workflow
