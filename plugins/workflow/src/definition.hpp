// definition.hpp: a workflow definition, parsed and validated from its JSON document.
//
// Validation collects every problem with the JSON path where it is ("$.tasks[2].after[0]"), so
// one define call reports them all. docs/workflow.md and schema/workflow.schema.json describe
// the document.
#pragma once

#include "expression.hpp"
#include "retry.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace workflow {

using Json = nlohmann::json;

enum class TaskKind { tool, wait, switch_, map, approval, workflow, loop, agent };

// An `agent` task calls this tool (the spawner plugin's) with {agent, prompt, model?, workflow}.
inline constexpr const char* kSpawnerTool = "spawner_run";

// One branch of a switch: the tasks that run when `when` is the first case that holds.
struct SwitchCase {
    std::string when;
    std::shared_ptr<const Expression> condition;
    std::vector<std::string> then;
};

// A task inside a switch branch runs only when that branch is taken.
struct BranchGate {
    size_t switch_index = 0;
    int case_index = -1;  // -1: the switch's `default`
};

struct TaskDefinition {
    std::string id;
    TaskKind kind = TaskKind::tool;
    std::vector<std::string> after;
    std::string when;                        // empty: always
    std::string tool;                        // kinds tool and map (called once per item); kind agent: kSpawnerTool
    Json arguments = Json::object();         // kind agent: {agent, prompt, model?}, built from its own keys
    Json items;                              // kind map: an array, or a template that gives one
    int concurrency = 4;                     // kind map: items in flight at once
    int64_t wait_ms = 0;                     // kind wait, for a duration
    std::string signal;                      // kind wait for a signal; kind approval (default: the task id)
    Json message;                            // kind approval: what the human is asked (templates allowed)
    std::string workflow;                    // kind workflow: the definition a child run starts from
    std::optional<int64_t> version;          // kind workflow: pinned version (default: the latest at start)
    Json input = Json::object();             // kind workflow: the child's input (templates allowed)
    std::string repeat;                      // kind loop: the `until` or `while` expression
    bool repeat_while = false;               // kind loop: `while` (go on while true), else `until`
    std::shared_ptr<const Expression> stop;  // kind loop: `repeat`, parsed
    int max_iterations = 100;                // kind loop
    int64_t interval_ms = 0;                 // kind loop: pause between iterations
    // `compensate`: a tool call that undoes this task, run (id "<id>:compensate") when the run
    // fails after this task succeeded.
    std::shared_ptr<const TaskDefinition> compensation;
    std::vector<SwitchCase> cases;      // kind switch, in order
    std::vector<std::string> fallback;  // kind switch: `default`, when no case holds
    std::optional<BranchGate> gate;     // set on tasks listed in a switch's cases or default
    std::optional<int64_t> timeout_ms;
    RetryPolicy retry;
    std::string pool;  // kinds tool, map, loop, agent: the config pool its calls count toward; empty: none
    int priority = 0;  // added to the run's priority; higher starts first

    // Derived at validation, so that scheduling never re-parses or scans the whole workflow.
    std::shared_ptr<const Expression> condition;  // `when`, parsed; null when always
    std::vector<size_t> dependencies;             // `after`, as indices
    std::vector<size_t> dependents;               // tasks that name this one in `after`
    std::vector<size_t> reads;                    // tasks its `when` and templates read
    // Its `arguments` hold a template, so each attempt renders them; false: they are used as
    // they are, with no context to build (most tool tasks).
    bool templated_arguments = true;
};

struct Definition {
    std::string name;
    std::string description;
    std::vector<TaskDefinition> tasks;  // in document order
    Json outputs;                       // templated; null when absent
    std::optional<int64_t> timeout_ms;  // the whole run, from its start
    int max_concurrency = 0;            // tool calls of one run in flight at once; 0: no own limit
    // Whose LLM budgets its LLM-bound calls spend (metrics' project and team scopes); empty: the
    // run's input.project / input.team when they are strings, else (a child run) its parent's.
    std::string project;
    std::string team;
    // `on_failure`: tool calls run one after another (ids "on_failure:<id>") when the run fails,
    // after the compensations.
    std::vector<std::shared_ptr<const TaskDefinition>> on_failure;
    std::map<std::string, size_t> index_by_id;
    std::vector<size_t> output_reads;  // tasks the `outputs` templates read

    const TaskDefinition& task(const std::string& id) const { return tasks.at(index_by_id.at(id)); }
    // The approval task that waits for signal `name`, if any: its signals carry a decision.
    const TaskDefinition* approval_for(const std::string& signal) const {
        for (const TaskDefinition& task : tasks)
            if (task.kind == TaskKind::approval && task.signal == signal) return &task;
        return nullptr;
    }
};

struct Problem {
    std::string path;
    std::string message;
};

struct ParseResult {
    std::optional<Definition> definition;  // set when there are no problems
    std::vector<Problem> problems;
};

// Parses and validates `document`: schema, unknown or duplicate ids, `after` references,
// cycles, expressions and the tasks they read (only tasks the reader depends on).
ParseResult parse_definition(const Json& document);

// Tasks whose `pool` is not one `known` accepts, with their paths: a define-time problem.
std::vector<Problem> unknown_pools(const Definition& definition, const std::function<bool(const std::string&)>& known);

// "250ms", "2s", "1.5m", "1h" or a number of milliseconds; nullopt when malformed.
std::optional<int64_t> parse_duration_ms(const Json& value);

// The problems as [{path, message}], for structured answers.
Json problems_json(const std::vector<Problem>& problems);

// The problems as one message for an `isError` result.
std::string describe_problems(const std::vector<Problem>& problems);

}  // namespace workflow
