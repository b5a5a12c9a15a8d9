// scheduler_test.cpp: the ready set, skips and their cascade, and run outcomes.
#include "scheduler.hpp"

#include <gtest/gtest.h>

namespace workflow {
namespace {

Definition parse(const Json& tasks) {
    ParseResult result = parse_definition({{"name", "w"}, {"tasks", tasks}});
    EXPECT_TRUE(result.problems.empty()) << describe_problems(result.problems);
    return std::move(*result.definition);
}

TaskStates fresh(const Definition& definition) {
    TaskStates states;
    for (const TaskDefinition& task : definition.tasks) states[task.id] = TaskState{};
    return states;
}

std::vector<std::string> ready(const Definition& definition, const Plan& plan) {
    std::vector<std::string> ids;
    for (const size_t index : plan.ready) ids.push_back(definition.tasks[index].id);
    return ids;
}

std::vector<std::string> skipped(const Plan& plan) {
    std::vector<std::string> ids;
    for (const Skip& skip : plan.skipped) ids.push_back(skip.task);
    return ids;
}

// a -> {b, c} -> d
const Json kDiamond = {{{"id", "a"}, {"tool", "x"}},
                       {{"id", "b"}, {"tool", "x"}, {"after", {"a"}}},
                       {{"id", "c"}, {"tool", "x"}, {"after", {"a"}}},
                       {{"id", "d"}, {"tool", "x"}, {"after", {"b", "c"}}}};

TEST(Scheduler, RootsAreReadyFirst) {
    const Definition definition = parse(kDiamond);
    const Plan plan = plan_next(definition, Json::object(), fresh(definition));
    EXPECT_EQ(ready(definition, plan), (std::vector<std::string>{"a"}));
    EXPECT_TRUE(plan.skipped.empty());
}

TEST(Scheduler, DependentsBecomeReadyWhenAllDependenciesSucceed) {
    const Definition definition = parse(kDiamond);
    TaskStates states = fresh(definition);
    states["a"].status = TaskStatus::succeeded;
    EXPECT_EQ(ready(definition, plan_next(definition, Json::object(), states)), (std::vector<std::string>{"b", "c"}));
    states["b"].status = TaskStatus::succeeded;
    states["c"].status = TaskStatus::running;
    EXPECT_TRUE(plan_next(definition, Json::object(), states).ready.empty());
    states["c"].status = TaskStatus::succeeded;
    EXPECT_EQ(ready(definition, plan_next(definition, Json::object(), states)), (std::vector<std::string>{"d"}));
}

TEST(Scheduler, FailureSkipsDependentsTransitively) {
    const Definition definition = parse(kDiamond);
    TaskStates states = fresh(definition);
    states["a"].status = TaskStatus::failed;
    const Plan plan = plan_next(definition, Json::object(), states);
    EXPECT_TRUE(plan.ready.empty());
    EXPECT_EQ(skipped(plan), (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_EQ(plan.skipped[0].reason, "dependency a failed");
}

TEST(Scheduler, WhenFalseSkipsAndCascades) {
    const Definition definition =
        parse({{{"id", "a"}, {"tool", "x"}},
               {{"id", "b"}, {"tool", "x"}, {"after", {"a"}}, {"when", "tasks.a.output.n > 5"}},
               {{"id", "c"}, {"tool", "x"}, {"after", {"b"}}},
               {{"id", "d"}, {"tool", "x"}, {"after", {"a"}}, {"when", "input.go"}}});
    TaskStates states = fresh(definition);
    states["a"].status = TaskStatus::succeeded;
    states["a"].output = {{"n", 1}};
    const Plan plan = plan_next(definition, {{"go", true}}, states);
    EXPECT_EQ(ready(definition, plan), (std::vector<std::string>{"d"}));
    EXPECT_EQ(skipped(plan), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(plan.skipped[0].reason, "condition is false: tasks.a.output.n > 5");
}

TEST(Scheduler, RetryingTaskStaysReadyWithoutReevaluatingWhen) {
    const Definition definition = parse({{{"id", "a"}, {"tool", "x"}, {"when", "input.go"}}});
    TaskStates states = fresh(definition);
    states["a"].attempt = 1;  // failed once, waiting to retry; the input no longer says go
    EXPECT_EQ(ready(definition, plan_next(definition, {{"go", false}}, states)), (std::vector<std::string>{"a"}));
}

TEST(Scheduler, RunOutcome) {
    TaskStates states = {{"a", {}}, {"b", {}}};
    EXPECT_FALSE(count_tasks(states).outcome());
    states["a"].status = TaskStatus::succeeded;
    states["b"].status = TaskStatus::skipped;
    EXPECT_EQ(count_tasks(states).outcome(), RunStatus::succeeded);
    EXPECT_DOUBLE_EQ(count_tasks(states).progress(), 1.0);
    states["b"].status = TaskStatus::failed;
    EXPECT_EQ(count_tasks(states).outcome(), RunStatus::failed);
    states["b"].status = TaskStatus::cancelled;
    EXPECT_EQ(count_tasks(states).outcome(), RunStatus::cancelled);
    states["b"].status = TaskStatus::running;
    EXPECT_DOUBLE_EQ(count_tasks(states).progress(), 0.5);
}

TEST(Scheduler, CountsFollowStatusChanges) {
    TaskCounts counts;
    counts.total = 2;
    counts.add(TaskStatus::failed, 1);
    EXPECT_EQ(counts.failed, 1u);
    counts.add(TaskStatus::failed, -1);  // retried: failed -> pending
    counts.add(TaskStatus::pending, 1);
    counts.add(TaskStatus::succeeded, 1);
    counts.add(TaskStatus::skipped, 1);
    EXPECT_EQ(counts.outcome(), RunStatus::succeeded);
}

// Only the dependents of the task that ended are looked at; a cascade still reaches the end.
TEST(Scheduler, CandidatesCascadeThroughDependents) {
    const Definition definition = parse(kDiamond);
    TaskStates states = fresh(definition);
    states["a"].status = TaskStatus::succeeded;
    states["b"].status = TaskStatus::failed;
    const auto lookup = [&](size_t index) -> const TaskState& { return states.at(definition.tasks[index].id); };
    const Plan plan = plan_tasks(definition, Json::object(), lookup, definition.tasks[1].dependents);
    EXPECT_TRUE(plan.ready.empty());
    EXPECT_EQ(skipped(plan), (std::vector<std::string>{"d"}));
    EXPECT_TRUE(plan_tasks(definition, Json::object(), lookup, {}).skipped.empty());
}

TEST(Scheduler, ConditionReadsOnlyTheTasksItNames) {
    const Definition definition =
        parse({{{"id", "a"}, {"tool", "x"}},
               {{"id", "b"}, {"tool", "x"}},
               {{"id", "c"}, {"tool", "x"}, {"after", {"a", "b"}}, {"when", "tasks.b.output == 2"}}});
    EXPECT_EQ(definition.tasks[2].reads, (std::vector<size_t>{1}));
    EXPECT_EQ(definition.tasks[0].dependents, (std::vector<size_t>{2}));
    TaskStates states = fresh(definition);
    states["a"].status = TaskStatus::succeeded;
    states["b"].status = TaskStatus::succeeded;
    states["b"].output = 2;
    EXPECT_EQ(ready(definition, plan_next(definition, Json::object(), states)), (std::vector<std::string>{"c"}));
}

TEST(Scheduler, SwitchTakesTheFirstCaseThatHolds) {
    const Definition definition = parse(
        {{{"id", "route"},
          {"kind", "switch"},
          {"cases", {{{"when", "input.n > 10"}, {"then", {"big"}}}, {{"when", "input.n > 5"}, {"then", {"medium"}}}}},
          {"default", {"small"}}},
         {{"id", "big"}, {"tool", "x"}},
         {{"id", "medium"}, {"tool", "x"}},
         {{"id", "small"}, {"tool", "x"}},
         {{"id", "after_medium"}, {"tool", "x"}, {"after", {"medium"}}}});
    const TaskDefinition& route = definition.task("route");
    EXPECT_EQ(choose_case(route, {{"input", {{"n", 20}}}})["case"], 0);
    EXPECT_EQ(choose_case(route, {{"input", {{"n", 7}}}})["case"], 1);
    EXPECT_EQ(choose_case(route, {{"input", {{"n", 1}}}})["case"], "default");

    TaskStates states = fresh(definition);
    states["route"].status = TaskStatus::succeeded;
    states["route"].output = choose_case(route, {{"input", {{"n", 1}}}});
    const Plan plan = plan_next(definition, {{"n", 1}}, states);
    EXPECT_EQ(ready(definition, plan), (std::vector<std::string>{"small"}));
    EXPECT_EQ(skipped(plan), (std::vector<std::string>{"big", "medium", "after_medium"}));
    EXPECT_EQ(plan.skipped[0].reason, "branch not taken by switch route");
}

TEST(Scheduler, SwitchWithoutDefaultSkipsEveryBranch) {
    const Definition definition =
        parse({{{"id", "route"}, {"kind", "switch"}, {"cases", {{{"when", "input.go"}, {"then", {"a"}}}}}},
               {{"id", "a"}, {"tool", "x"}}});
    EXPECT_TRUE(choose_case(definition.task("route"), {{"input", {{"go", false}}}})["case"].is_null());
    EXPECT_FALSE(branch_taken(Json{{"case", nullptr}}, -1));
    EXPECT_FALSE(branch_taken(Json{{"case", nullptr}}, 0));
}

}  // namespace
}  // namespace workflow
