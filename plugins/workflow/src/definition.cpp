// definition.cpp: see definition.hpp.
#include "definition.hpp"

#include "expression.hpp"
#include "template.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

namespace workflow {

namespace {

const std::set<std::string> kTopKeys = {"name",       "description", "tasks",   "outputs",         "timeout",
                                        "on_failure", "$schema",     "project", "max_concurrency", "team"};
const std::set<std::string> kCleanupKeys = {"id", "tool", "arguments", "timeout", "retry", "description"};
const std::set<std::string> kTaskKeys = {
    "id",       "kind",        "after", "when",    "tool",  "arguments",      "duration", "timeout",
    "retry",    "description", "cases", "default", "items", "concurrency",    "signal",   "message",
    "workflow", "version",     "input", "until",   "while", "max_iterations", "interval", "compensate",
    "pool",     "priority",    "agent", "prompt",  "model"};
const std::set<std::string> kRetryKeys = {"max_attempts", "initial_interval", "backoff_factor",
                                          "max_interval", "jitter",           "non_retryable"};
const char* const kAcceptedKinds = "tool, wait, switch, map, approval, workflow, loop, agent";
const std::set<std::string> kMapRoots = {"item", "index"};
const std::set<std::string> kLoopRoots = {"iteration", "previous"};
const char* const kSignalPattern = "^[A-Za-z0-9_.:-]{1,64}$";

// Compiled once: compiling it for each task was most of the time of validating a large workflow.
const std::regex& task_id_pattern() {
    static const std::regex pattern("^[A-Za-z_][A-Za-z0-9_]{0,63}$");
    return pattern;
}

class Validator {
 public:
    ParseResult run(const Json& document) {
        if (!document.is_object()) {
            problem("$", "expected a workflow definition object {name, tasks, ...}");
            return finish();
        }
        unknown_keys(document, "$", kTopKeys);
        if (!document.contains("name") || !document["name"].is_string() ||
            !std::regex_match(document["name"].get<std::string>(), std::regex("^[A-Za-z0-9_.-]{1,64}$")))
            problem("$.name", "expected a name matching ^[A-Za-z0-9_.-]{1,64}$");
        else
            definition_.name = document["name"].get<std::string>();
        if (document.contains("description")) {
            if (document["description"].is_string())
                definition_.description = document["description"].get<std::string>();
            else
                problem("$.description", "expected a string");
        }
        if (document.contains("timeout")) {
            definition_.timeout_ms = parse_duration_ms(document["timeout"]);
            if (!definition_.timeout_ms || *definition_.timeout_ms <= 0)
                problem("$.timeout",
                        "expected a positive duration for the whole run: milliseconds or \"30s\", \"10m\", \"2h\"");
        }
        if (document.contains("max_concurrency")) {
            const Json& cap = document["max_concurrency"];
            if (!cap.is_number_integer() || cap.get<int64_t>() < 1 || cap.get<int64_t>() > 10000)
                problem("$.max_concurrency", "expected an integer from 1 to 10000 (tool calls of one run in flight)");
            else
                definition_.max_concurrency = cap.get<int>();
        }
        for (const char* key : {"project", "team"}) {
            if (!document.contains(key)) continue;
            if (document[key].is_string() && !document[key].get<std::string>().empty())
                (std::string(key) == "project" ? definition_.project : definition_.team) = document[key];
            else
                problem(std::string("$.") + key,
                        std::string("expected the ") + key + " whose LLM budgets this workflow spends, a string");
        }
        if (document.contains("on_failure")) parse_on_failure(document["on_failure"]);
        if (!document.contains("tasks") || !document["tasks"].is_array() || document["tasks"].empty()) {
            problem("$.tasks", "expected a non-empty array of tasks");
            return finish();
        }
        const Json& tasks = document["tasks"];
        for (size_t i = 0; i < tasks.size(); ++i) parse_task(tasks[i], "$.tasks[" + std::to_string(i) + "]", i);
        check_references(tasks);
        link_switches();
        if (problems_.empty()) check_cycles();
        if (problems_.empty()) check_expressions(document);
        if (problems_.empty()) link_dependencies();
        return finish();
    }

 private:
    void problem(std::string path, std::string message) { problems_.push_back({std::move(path), std::move(message)}); }

    void unknown_keys(const Json& object, const std::string& path, const std::set<std::string>& known) {
        for (const auto& [key, value] : object.items()) {
            if (known.contains(key)) continue;
            std::string accepted;
            for (const std::string& name : known) accepted += (accepted.empty() ? "" : ", ") + name;
            problem(path + "." + key, "unknown key; accepted: " + accepted);
        }
    }

    void parse_task(const Json& task, const std::string& path, size_t index) {
        TaskDefinition parsed;
        if (!task.is_object()) {
            problem(path, "expected a task object {id, kind, ...}");
            definition_.tasks.push_back(parsed);
            return;
        }
        unknown_keys(task, path, kTaskKeys);
        if (!task.contains("id") || !task["id"].is_string() ||
            !std::regex_match(task["id"].get<std::string>(), task_id_pattern())) {
            problem(path + ".id", "expected an id matching ^[A-Za-z_][A-Za-z0-9_]{0,63}$ (usable in expressions)");
        } else {
            parsed.id = task["id"].get<std::string>();
            if (!definition_.index_by_id.emplace(parsed.id, index).second)
                problem(path + ".id", "duplicate task id '" + parsed.id + "'");
        }
        const std::string kind = task.contains("kind") && task["kind"].is_string() ? task["kind"].get<std::string>()
                                 : task.contains("kind")                           ? std::string("?")
                                                                                   : std::string("tool");
        if (kind == "tool" || kind == "map" || kind == "loop") {
            parsed.kind = kind == "map" ? TaskKind::map : kind == "loop" ? TaskKind::loop : TaskKind::tool;
            if (!task.contains("tool") || !task["tool"].is_string() || task["tool"].get<std::string>().empty())
                problem(path + ".tool", "a tool task needs the name of the tool to call");
            else
                parsed.tool = task["tool"].get<std::string>();
            if (task.contains("arguments")) {
                if (task["arguments"].is_object())
                    parsed.arguments = task["arguments"];
                else
                    problem(path + ".arguments", "expected an object of tool arguments (templates allowed)");
            }
            if (parsed.kind == TaskKind::map) parse_map(task, path, parsed);
            if (parsed.kind == TaskKind::loop) parse_loop(task, path, parsed);
        } else if (kind == "wait") {
            parsed.kind = TaskKind::wait;
            if (task.contains("signal") == task.contains("duration")) {
                problem(path,
                        "a wait task needs either a duration (\"250ms\", \"2s\", \"1m\", \"1h\" or milliseconds) or "
                        "a signal name to wait for");
            } else if (task.contains("signal")) {
                parsed.signal = parse_signal_name(task["signal"], path + ".signal");
            } else if (const auto duration = parse_duration_ms(task["duration"]); !duration) {
                problem(path + ".duration",
                        "a wait task needs a duration: milliseconds or \"250ms\", \"2s\", \"1m\", \"1h\"");
            } else {
                parsed.wait_ms = *duration;
            }
        } else if (kind == "workflow") {
            parsed.kind = TaskKind::workflow;
            if (!task.contains("workflow") || !task["workflow"].is_string() ||
                !std::regex_match(task["workflow"].get<std::string>(), std::regex("^[A-Za-z0-9_.-]{1,64}$")))
                problem(path + ".workflow", "a workflow task needs the name of a defined workflow to run as a child");
            else
                parsed.workflow = task["workflow"].get<std::string>();
            if (task.contains("version")) {
                if (!task["version"].is_number_integer() || task["version"].get<int64_t>() < 1)
                    problem(path + ".version", "expected a version number >= 1");
                else
                    parsed.version = task["version"].get<int64_t>();
            }
            if (task.contains("input")) {
                if (task["input"].is_object())
                    parsed.input = task["input"];
                else
                    problem(path + ".input", "expected an object: the child run's input (templates allowed)");
            }
        } else if (kind == "approval") {
            parsed.kind = TaskKind::approval;
            parsed.signal = task.contains("signal") ? parse_signal_name(task["signal"], path + ".signal") : parsed.id;
            if (task.contains("message") && !task["message"].is_string())
                problem(path + ".message", "expected the question for the human, a string (templates allowed)");
            parsed.message = task.value("message", "Approve task " + parsed.id + "?");
        } else if (kind == "agent") {
            parsed.kind = TaskKind::agent;
            parse_agent(task, path, parsed);
        } else if (kind == "switch") {
            parsed.kind = TaskKind::switch_;
            parse_switch(task, path, parsed);
        } else {
            problem(path + ".kind", std::string("unknown kind; accepted: ") + kAcceptedKinds);
        }
        if (task.contains("after")) {
            const Json& after = task["after"];
            if (!after.is_array()) problem(path + ".after", "expected an array of task ids");
            for (size_t i = 0; after.is_array() && i < after.size(); ++i) {
                if (after[i].is_string())
                    parsed.after.push_back(after[i].get<std::string>());
                else
                    problem(path + ".after[" + std::to_string(i) + "]", "expected a task id");
            }
        }
        if (task.contains("when")) {
            if (task["when"].is_string())
                parsed.when = task["when"].get<std::string>();
            else
                problem(path + ".when", "expected an expression string, for example \"input.count > 0\"");
        }
        if (task.contains("timeout")) {
            parsed.timeout_ms = parse_duration_ms(task["timeout"]);
            if (!parsed.timeout_ms || *parsed.timeout_ms <= 0)
                problem(path + ".timeout", "expected a positive duration: milliseconds or \"250ms\", \"2s\", \"1m\"");
        }
        if (task.contains("retry")) parse_retry(task["retry"], path + ".retry", parsed.retry);
        parse_dispatch(task, path, parsed);
        if (task.contains("compensate"))
            parsed.compensation =
                parse_cleanup_step(task["compensate"], path + ".compensate", parsed.id + ":compensate");
        definition_.tasks.push_back(std::move(parsed));
    }

    std::string parse_signal_name(const Json& name, const std::string& path) {
        if (name.is_string() && std::regex_match(name.get<std::string>(), std::regex(kSignalPattern)))
            return name.get<std::string>();
        problem(path, std::string("expected a signal name matching ") + kSignalPattern);
        return {};
    }

    // A compensation or on_failure step: a tool call with optional retry and timeout. Its
    // templates may read any task, the run's input, and `error` (why the run failed).
    std::shared_ptr<TaskDefinition> parse_cleanup_step(const Json& step, const std::string& path, std::string id) {
        auto parsed = std::make_shared<TaskDefinition>();
        parsed->id = std::move(id);
        if (!step.is_object()) {
            problem(path, "expected {\"tool\": name, \"arguments\"?: {...}, \"retry\"?, \"timeout\"?}");
            return parsed;
        }
        unknown_keys(step, path, kCleanupKeys);
        if (!step.contains("tool") || !step["tool"].is_string() || step["tool"].get<std::string>().empty())
            problem(path + ".tool", "expected the name of the tool to call");
        else
            parsed->tool = step["tool"].get<std::string>();
        if (step.contains("arguments") && !step["arguments"].is_object())
            problem(path + ".arguments", "expected an object of tool arguments (templates allowed)");
        else if (step.contains("arguments"))
            parsed->arguments = step["arguments"];
        if (step.contains("timeout")) {
            parsed->timeout_ms = parse_duration_ms(step["timeout"]);
            if (!parsed->timeout_ms || *parsed->timeout_ms <= 0)
                problem(path + ".timeout", "expected a positive duration: milliseconds or \"250ms\", \"2s\", \"1m\"");
        }
        if (step.contains("retry")) parse_retry(step["retry"], path + ".retry", parsed->retry);
        cleanup_paths_.emplace_back(parsed, path);
        return parsed;
    }

    void parse_on_failure(const Json& steps) {
        if (!steps.is_array()) {
            problem("$.on_failure", "expected an array of steps {id, tool, arguments?, retry?, timeout?}");
            return;
        }
        std::set<std::string> ids;
        for (size_t i = 0; i < steps.size(); ++i) {
            const std::string path = "$.on_failure[" + std::to_string(i) + "]";
            const Json& step = steps[i];
            std::string id;
            if (!step.is_object() || !step.contains("id") || !step["id"].is_string() ||
                !std::regex_match(step["id"].get<std::string>(), task_id_pattern()))
                problem(path + ".id", "expected an id matching ^[A-Za-z_][A-Za-z0-9_]{0,63}$");
            else if (!ids.insert(id = step["id"].get<std::string>()).second)
                problem(path + ".id", "duplicate on_failure id '" + id + "'");
            definition_.on_failure.push_back(parse_cleanup_step(step, path, "on_failure:" + id));
        }
    }

    void parse_loop(const Json& task, const std::string& path, TaskDefinition& parsed) {
        parsed.concurrency = 1;  // iterations run one after another
        if (task.contains("until") == task.contains("while") ||
            !task[task.contains("until") ? "until" : "while"].is_string()) {
            problem(path,
                    "a loop needs one of `until` (stop when true) or `while` (go on while true): an expression "
                    "over `output` (the last iteration's) and `iteration`");
        } else {
            parsed.repeat_while = task.contains("while");
            parsed.repeat = task[parsed.repeat_while ? "while" : "until"].get<std::string>();
        }
        if (task.contains("max_iterations")) {
            if (!task["max_iterations"].is_number_integer() || task["max_iterations"].get<int64_t>() < 1 ||
                task["max_iterations"].get<int64_t>() > 10000)
                problem(path + ".max_iterations", "expected an integer from 1 to 10000");
            else
                parsed.max_iterations = task["max_iterations"].get<int>();
        }
        if (task.contains("interval")) {
            const auto interval = parse_duration_ms(task["interval"]);
            if (!interval)
                problem(path + ".interval", "expected a duration between iterations: milliseconds or \"2s\", \"1m\"");
            else
                parsed.interval_ms = *interval;
        }
    }

    void parse_map(const Json& task, const std::string& path, TaskDefinition& parsed) {
        if (!task.contains("items") || !(task["items"].is_array() || task["items"].is_string()))
            problem(
                path + ".items",
                "a map needs items: an array, or a template that gives one, e.g. \"{{ tasks.list.output.files }}\"");
        else
            parsed.items = task["items"];
        if (task.contains("concurrency")) {
            if (!task["concurrency"].is_number_integer() || task["concurrency"].get<int64_t>() < 1 ||
                task["concurrency"].get<int64_t>() > 1000)
                problem(path + ".concurrency", "expected an integer from 1 to 1000 (items in flight at once)");
            else
                parsed.concurrency = task["concurrency"].get<int>();
        }
    }

    // An agent task delegates to the spawner plugin: it becomes a call of kSpawnerTool with
    // {agent, prompt, model?}, so retries, timeouts, limits and cancellation work as for a tool.
    void parse_agent(const Json& task, const std::string& path, TaskDefinition& parsed) {
        for (const char* key : {"agent", "prompt"}) {
            if (task.contains(key) && task[key].is_string() && !task[key].get<std::string>().empty())
                parsed.arguments[key] = task[key];
            else
                problem(path + "." + key, std::string("an agent task needs ") +
                                              (std::string(key) == "agent"
                                                   ? "the agent (or role) to delegate to, a string (templates allowed)"
                                                   : "the prompt: what the agent is asked to do, a string (templates "
                                                     "allowed)"));
        }
        if (task.contains("model")) {
            if (task["model"].is_string() && !task["model"].get<std::string>().empty())
                parsed.arguments["model"] = task["model"];
            else
                problem(path + ".model", "expected the model the agent should use, a string");
        }
        for (const char* key : {"tool", "arguments"})
            if (task.contains(key))
                problem(path + "." + key, std::string("an agent task calls ") + kSpawnerTool +
                                              " itself; give agent, prompt and model? instead of " + key);
        parsed.tool = kSpawnerTool;
    }

    // `pool` and `priority`: how its tool calls queue for a slot.
    void parse_dispatch(const Json& task, const std::string& path, TaskDefinition& parsed) {
        const bool calls_tools = parsed.kind == TaskKind::tool || parsed.kind == TaskKind::map ||
                                 parsed.kind == TaskKind::loop || parsed.kind == TaskKind::agent;
        for (const char* key : {"pool", "priority"})
            if (task.contains(key) && !calls_tools)
                problem(path + "." + key, "applies only to tasks that call a tool (kinds tool, map, loop, agent)");
        if (task.contains("pool")) {
            if (task["pool"].is_string() && !task["pool"].get<std::string>().empty())
                parsed.pool = task["pool"].get<std::string>();
            else
                problem(path + ".pool", "expected the name of a pool from the plugin config's \"pools\"");
        }
        if (task.contains("priority")) {
            const Json& priority = task["priority"];
            if (!priority.is_number_integer() || priority.get<int64_t>() < -1000 || priority.get<int64_t>() > 1000)
                problem(path + ".priority", "expected an integer from -1000 to 1000 (higher starts first)");
            else
                parsed.priority = priority.get<int>();
        }
    }

    void parse_switch(const Json& task, const std::string& path, TaskDefinition& parsed) {
        const auto ids = [&](const Json& list, const std::string& at) {
            std::vector<std::string> result;
            if (!list.is_array()) problem(at, "expected an array of the ids of the tasks this branch runs");
            for (size_t i = 0; list.is_array() && i < list.size(); ++i) {
                if (list[i].is_string())
                    result.push_back(list[i].get<std::string>());
                else
                    problem(at + "[" + std::to_string(i) + "]", "expected a task id");
            }
            return result;
        };
        const Json& cases = task.contains("cases") ? task["cases"] : Json();
        if (!cases.is_array() || cases.empty())
            problem(path + ".cases", "a switch needs cases: [{\"when\": expression, \"then\": [task ids]}, ...]");
        for (size_t i = 0; cases.is_array() && i < cases.size(); ++i) {
            const std::string at = path + ".cases[" + std::to_string(i) + "]";
            if (!cases[i].is_object() || !cases[i].contains("when") || !cases[i]["when"].is_string()) {
                problem(at, "expected {\"when\": expression, \"then\": [task ids]}");
                continue;
            }
            unknown_keys(cases[i], at, {"when", "then"});
            parsed.cases.push_back({cases[i]["when"].get<std::string>(), nullptr,
                                    ids(cases[i].value("then", Json::array()), at + ".then")});
        }
        if (task.contains("default")) parsed.fallback = ids(task["default"], path + ".default");
        for (const char* key : {"tool", "arguments", "duration", "timeout", "retry"})
            if (task.contains(key))
                problem(path + "." + key, "a switch task only decides; it takes no " + std::string(key));
    }

    // Branch tasks run after their switch and only on its branch; each is in one branch at most.
    void link_switches() {
        for (size_t s = 0; s < definition_.tasks.size(); ++s) {
            TaskDefinition& decider = definition_.tasks[s];
            if (decider.kind != TaskKind::switch_) continue;
            const std::string path = "$.tasks[" + std::to_string(s) + "]";
            const auto gate = [&](const std::vector<std::string>& ids, int case_index, const std::string& at) {
                for (size_t i = 0; i < ids.size(); ++i) {
                    const std::string id_path = at + "[" + std::to_string(i) + "]";
                    auto found = definition_.index_by_id.find(ids[i]);
                    if (found == definition_.index_by_id.end()) {
                        problem(id_path, "unknown task '" + ids[i] + "'; a branch lists ids of tasks in this workflow");
                        continue;
                    }
                    TaskDefinition& branch_task = definition_.tasks[found->second];
                    if (found->second == s) {
                        problem(id_path, "a switch cannot be in its own branch");
                    } else if (branch_task.gate) {
                        problem(id_path, "task '" + ids[i] +
                                             "' is already in a switch branch; a task belongs to one branch at most");
                    } else {
                        branch_task.gate = BranchGate{s, case_index};
                        if (std::find(branch_task.after.begin(), branch_task.after.end(), decider.id) ==
                            branch_task.after.end())
                            branch_task.after.push_back(decider.id);
                    }
                }
            };
            for (size_t c = 0; c < decider.cases.size(); ++c)
                gate(decider.cases[c].then, static_cast<int>(c), path + ".cases[" + std::to_string(c) + "].then");
            gate(decider.fallback, -1, path + ".default");
        }
    }

    void parse_retry(const Json& retry, const std::string& path, RetryPolicy& policy) {
        if (!retry.is_object()) {
            problem(path, "expected a retry policy object");
            return;
        }
        unknown_keys(retry, path, kRetryKeys);
        if (retry.contains("max_attempts")) {
            if (!retry["max_attempts"].is_number_integer() || retry["max_attempts"].get<int64_t>() < 1 ||
                retry["max_attempts"].get<int64_t>() > 100)
                problem(path + ".max_attempts", "expected an integer from 1 to 100 (total attempts)");
            else
                policy.max_attempts = retry["max_attempts"].get<int>();
        }
        for (const char* key : {"initial_interval", "max_interval"}) {
            if (!retry.contains(key)) continue;
            const auto duration = parse_duration_ms(retry[key]);
            if (!duration)
                problem(path + "." + key, "expected a duration: milliseconds or \"250ms\", \"2s\", \"1m\"");
            else
                (std::string(key) == "initial_interval" ? policy.initial_interval_ms : policy.max_interval_ms) =
                    *duration;
        }
        if (retry.contains("backoff_factor")) {
            if (!retry["backoff_factor"].is_number() || retry["backoff_factor"].get<double>() < 1.0)
                problem(path + ".backoff_factor", "expected a number >= 1");
            else
                policy.backoff_factor = retry["backoff_factor"].get<double>();
        }
        if (retry.contains("jitter")) {
            if (!retry["jitter"].is_number() || retry["jitter"].get<double>() < 0 || retry["jitter"].get<double>() > 1)
                problem(path + ".jitter", "expected a number from 0 to 1");
            else
                policy.jitter = retry["jitter"].get<double>();
        }
        if (retry.contains("non_retryable")) {
            const Json& kinds = retry["non_retryable"];
            if (!kinds.is_array()) problem(path + ".non_retryable", "expected an array of error kinds");
            for (size_t i = 0; kinds.is_array() && i < kinds.size(); ++i) {
                static const std::set<std::string> kKinds = {"tool_error",         "call_error",     "timeout",
                                                             "bad_arguments",      "workflow_error", "rejected",
                                                             "spawner_unavailable"};
                if (!kinds[i].is_string() || !kKinds.contains(kinds[i].get<std::string>()))
                    problem(path + ".non_retryable[" + std::to_string(i) + "]",
                            "expected an error kind: tool_error, call_error, timeout, bad_arguments, workflow_error, "
                            "rejected, spawner_unavailable");
                else
                    policy.non_retryable.push_back(kinds[i].get<std::string>());
            }
        }
    }

    void check_references(const Json& tasks) {
        for (size_t i = 0; i < definition_.tasks.size(); ++i) {
            const TaskDefinition& task = definition_.tasks[i];
            for (size_t j = 0; j < task.after.size(); ++j) {
                const std::string path = "$.tasks[" + std::to_string(i) + "].after[" + std::to_string(j) + "]";
                if (!definition_.index_by_id.contains(task.after[j]))
                    problem(path, "unknown task '" + task.after[j] + "'; `after` names ids of tasks in this workflow");
                else if (task.after[j] == task.id)
                    problem(path, "a task cannot run after itself");
            }
        }
        (void)tasks;
    }

    // Depth-first search; reports the first cycle with its tasks in order.
    // Depth-first search with an explicit stack (a recursive one overflows the thread's stack on a
    // chain of 100k tasks); reports the first cycle with its tasks in order.
    void check_cycles() {
        enum class Mark { none, active, done };
        std::vector<Mark> marks(definition_.tasks.size(), Mark::none);
        struct Frame {
            size_t task;
            size_t next_edge;
        };
        std::vector<Frame> stack;
        for (size_t root = 0; root < definition_.tasks.size(); ++root) {
            if (marks[root] != Mark::none) continue;
            marks[root] = Mark::active;
            stack.push_back({root, 0});
            while (!stack.empty()) {
                Frame& frame = stack.back();
                const TaskDefinition& task = definition_.tasks[frame.task];
                if (frame.next_edge == task.after.size()) {
                    marks[frame.task] = Mark::done;
                    stack.pop_back();
                    continue;
                }
                const size_t edge = frame.next_edge++;
                const size_t next = definition_.index_by_id.at(task.after[edge]);
                if (marks[next] == Mark::active) {
                    std::string cycle;
                    bool in_cycle = false;
                    for (const Frame& member : stack) {
                        if (member.task == next) in_cycle = true;
                        if (in_cycle) cycle += definition_.tasks[member.task].id + " -> ";
                    }
                    problem("$.tasks[" + std::to_string(frame.task) + "].after[" + std::to_string(edge) + "]",
                            "dependency cycle: " + cycle + definition_.tasks[next].id);
                    return;
                }
                if (marks[next] == Mark::none) {
                    marks[next] = Mark::active;
                    stack.push_back({next, 0});  // `frame` is not used after this
                }
            }
        }
    }

    std::set<std::string> ancestors(const std::string& id) const {
        std::set<std::string> seen;
        std::vector<std::string> todo = definition_.task(id).after;
        while (!todo.empty()) {
            const std::string next = todo.back();
            todo.pop_back();
            if (!seen.insert(next).second) continue;
            for (const std::string& parent : definition_.task(next).after) todo.push_back(parent);
        }
        return seen;
    }

    // Roots must be input/tasks (and item/index in a map's arguments); a task may read only
    // tasks it (transitively) runs after.
    // `extra` names the further roots of the place (a map's item and index, a loop's iteration...).
    void check_expression(const std::string& path, const Expression& expression, const std::set<std::string>* readable,
                          const std::set<std::string>& extra = {}) {
        for (const std::string& root : expression.roots()) {
            if (root == "input" || root == "tasks" || extra.contains(root)) continue;
            std::string also;
            for (const std::string& name : extra) also += ", `" + name + "`";
            problem(path, "unknown name '" + root + "'; expressions start from `input` or `tasks.<id>`" +
                              (also.empty() ? std::string() : also + " here"));
        }
        for (const std::string& reference : expression.task_references()) {
            if (!definition_.index_by_id.contains(reference))
                problem(path, "unknown task '" + reference + "' in tasks." + reference);
            else if (readable != nullptr && !readable->contains(reference))
                problem(path, "reads tasks." + reference + " but does not run after it; add it to `after`");
        }
    }

    void check_expressions(const Json& document) {
        for (size_t i = 0; i < definition_.tasks.size(); ++i) {
            TaskDefinition& task = definition_.tasks[i];
            const std::string path = "$.tasks[" + std::to_string(i) + "]";
            // Ancestors cost a walk of the workflow: only for tasks that have expressions, else
            // validating a long chain is quadratic.
            std::optional<std::set<std::string>> ancestors_cache;
            const auto readable = [&] {
                if (!ancestors_cache) ancestors_cache = ancestors(task.id);
                return &*ancestors_cache;
            };
            std::set<std::string> reads;
            if (!task.when.empty()) {
                try {
                    auto condition = std::make_shared<const Expression>(Expression::parse(task.when));
                    check_expression(path + ".when", *condition, readable());
                    for (const std::string& id : condition->task_references()) reads.insert(id);
                    task.condition = std::move(condition);
                } catch (const ExpressionError& e) {
                    problem(path + ".when", std::string("bad expression: ") + e.what());
                }
            }
            for (size_t c = 0; c < task.cases.size(); ++c) {
                const std::string at = path + ".cases[" + std::to_string(c) + "].when";
                try {
                    auto condition = std::make_shared<const Expression>(Expression::parse(task.cases[c].when));
                    check_expression(at, *condition, readable());
                    for (const std::string& id : condition->task_references()) reads.insert(id);
                    task.cases[c].condition = std::move(condition);
                } catch (const ExpressionError& e) {
                    problem(at, std::string("bad expression: ") + e.what());
                }
            }
            const std::set<std::string> argument_roots = task.kind == TaskKind::map    ? kMapRoots
                                                         : task.kind == TaskKind::loop ? kLoopRoots
                                                                                       : std::set<std::string>{};
            if (!task.repeat.empty()) {
                const std::string at = path + (task.repeat_while ? ".while" : ".until");
                try {
                    auto stop = std::make_shared<const Expression>(Expression::parse(task.repeat));
                    check_expression(at, *stop, readable(), {"output", "iteration"});
                    for (const std::string& id : stop->task_references()) reads.insert(id);
                    task.stop = std::move(stop);
                } catch (const ExpressionError& e) {
                    problem(at, std::string("bad expression: ") + e.what());
                }
            }
            try {
                // An agent's arguments are its own keys: problems point at them.
                const std::string arguments_path = task.kind == TaskKind::agent ? path : path + ".arguments";
                task.templated_arguments = false;
                for_each_template(task.arguments, arguments_path, [&](const std::string& at, const Expression& e) {
                    task.templated_arguments = true;
                    check_expression(at, e, readable(), argument_roots);
                    for (const std::string& id : e.task_references()) reads.insert(id);
                });
            } catch (const ExpressionError& e) {
                problem(path + ".arguments", e.what());
            }
            try {
                for_each_template(task.input, path + ".input", [&](const std::string& at, const Expression& e) {
                    check_expression(at, e, readable());
                    for (const std::string& id : e.task_references()) reads.insert(id);
                });
            } catch (const ExpressionError& e) {
                problem(path + ".input", e.what());
            }
            try {
                for_each_template(task.message, path + ".message", [&](const std::string& at, const Expression& e) {
                    check_expression(at, e, readable());
                    for (const std::string& id : e.task_references()) reads.insert(id);
                });
            } catch (const ExpressionError& e) {
                problem(path + ".message", e.what());
            }
            try {
                for_each_template(task.items, path + ".items", [&](const std::string& at, const Expression& e) {
                    check_expression(at, e, readable());
                    for (const std::string& id : e.task_references()) reads.insert(id);
                });
            } catch (const ExpressionError& e) {
                problem(path + ".items", e.what());
            }
            task.reads = indices_of(reads);
        }
        if (document.contains("outputs")) {
            definition_.outputs = document["outputs"];
            std::set<std::string> reads;
            try {
                for_each_template(definition_.outputs, "$.outputs", [&](const std::string& at, const Expression& e) {
                    check_expression(at, e, nullptr);
                    for (const std::string& id : e.task_references()) reads.insert(id);
                });
            } catch (const ExpressionError& e) {
                problem("$.outputs", e.what());
            }
            definition_.output_reads = indices_of(reads);
        }
        for (auto& [step, path] : cleanup_paths_) {
            std::set<std::string> reads;
            try {
                step->templated_arguments = false;
                for_each_template(step->arguments, path + ".arguments",
                                  [&](const std::string& at, const Expression& e) {
                                      step->templated_arguments = true;
                                      check_expression(at, e, nullptr, {"error"});
                                      for (const std::string& id : e.task_references()) reads.insert(id);
                                  });
            } catch (const ExpressionError& e) {
                problem(path + ".arguments", e.what());
            }
            step->reads = indices_of(reads);
        }
    }

    // Known task ids as indices; unknown ones were reported already.
    std::vector<size_t> indices_of(const std::set<std::string>& ids) const {
        std::vector<size_t> indices;
        for (const std::string& id : ids) {
            auto found = definition_.index_by_id.find(id);
            if (found != definition_.index_by_id.end()) indices.push_back(found->second);
        }
        return indices;
    }

    void link_dependencies() {
        for (size_t i = 0; i < definition_.tasks.size(); ++i) {
            for (const std::string& id : definition_.tasks[i].after) {
                const size_t dependency = definition_.index_by_id.at(id);
                definition_.tasks[i].dependencies.push_back(dependency);
                definition_.tasks[dependency].dependents.push_back(i);
            }
        }
    }

    ParseResult finish() {
        ParseResult result;
        result.problems = std::move(problems_);
        if (result.problems.empty()) result.definition = std::move(definition_);
        return result;
    }

    Definition definition_;
    std::vector<Problem> problems_;
    std::vector<std::pair<std::shared_ptr<TaskDefinition>, std::string>> cleanup_paths_;  // step, JSON path
};

}  // namespace

ParseResult parse_definition(const Json& document) { return Validator().run(document); }

std::vector<Problem> unknown_pools(const Definition& definition, const std::function<bool(const std::string&)>& known) {
    std::vector<Problem> problems;
    for (size_t i = 0; i < definition.tasks.size(); ++i) {
        const std::string& pool = definition.tasks[i].pool;
        if (!pool.empty() && !known(pool))
            problems.push_back({"$.tasks[" + std::to_string(i) + "].pool",
                                "unknown pool '" + pool + "': pools are declared in the workflow plugin's config"});
    }
    return problems;
}

std::optional<int64_t> parse_duration_ms(const Json& value) {
    if (value.is_number_integer()) {
        const auto ms = value.get<int64_t>();
        return ms >= 0 ? std::optional<int64_t>(ms) : std::nullopt;
    }
    if (!value.is_string()) return std::nullopt;
    static const std::regex pattern("^([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)$");
    std::smatch match;
    const std::string text = value.get<std::string>();
    if (!std::regex_match(text, match, pattern)) return std::nullopt;
    const double number = std::stod(match[1].str());
    const std::string unit = match[2].str();
    const double scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 3600000;
    return static_cast<int64_t>(number * scale);
}

Json problems_json(const std::vector<Problem>& problems) {
    Json list = Json::array();
    for (const Problem& problem : problems) list.push_back({{"path", problem.path}, {"message", problem.message}});
    return list;
}

std::string describe_problems(const std::vector<Problem>& problems) {
    std::string text = "the workflow definition is invalid (" + std::to_string(problems.size()) + " problem" +
                       (problems.size() == 1 ? "" : "s") + "):";
    for (const Problem& problem : problems) text += "\n- " + problem.path + ": " + problem.message;
    return text;
}

}  // namespace workflow
