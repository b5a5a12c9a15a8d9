// engine.cpp: see engine.hpp.
#include "engine.hpp"

#include "engine_state.hpp"

#include "scheduler.hpp"
#include "task_messages.hpp"
#include "template.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

namespace workflow {

std::string new_run_id() {
    static thread_local std::mt19937_64 random(std::random_device{}());
    static const char* const kHex = "0123456789abcdef";
    std::string id = "run_";
    for (int i = 0; i < 16; ++i) id += kHex[random() % 16];
    return id;
}

double random01() {
    static thread_local std::mt19937_64 random(std::random_device{}());
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

namespace {

// getpid() is a system call each time (glibc does not cache it), and it was made for every task
// started; the engine never outlives a fork.
pid_t process_id() {
    static const pid_t pid = ::getpid();
    return pid;
}

std::string idempotency_key(const std::string& run_id, const std::string& task_id, int attempt) {
    return run_id + "/" + task_id + "/" + std::to_string(attempt);
}

// A tool's output: structuredContent when present, else the text content (as JSON when it parses).
Json tool_output(const Json& result) {
    if (result.contains("structuredContent")) return result["structuredContent"];
    std::string text;
    for (const Json& item : result.value("content", Json::array()))
        if (item.value("type", "") == "text") text += item.value("text", "");
    try {
        return Json::parse(text);
    } catch (const std::exception&) {
        return text;
    }
}

// The router's answer to a call of a tool no plugin offers (-32602 "Unknown tool: <name>").
bool is_unknown_tool(const Json& error) {
    return error.value("code", 0) == -32602 && error.value("message", std::string()).starts_with("Unknown tool");
}

std::string no_spawner_message() {
    return std::string("an agent task needs the spawner plugin: no plugin offers the tool ") + kSpawnerTool +
           "; load one that does (see docs/workflow.md, \"Agent tasks\")";
}

std::string tool_error_text(const Json& result) {
    std::string text;
    for (const Json& item : result.value("content", Json::array()))
        if (item.value("type", "") == "text") text += item.value("text", "");
    return text.empty() ? "the tool reported an error without a message" : text;
}

}  // namespace

Engine::Engine(EngineHost& host, std::unique_ptr<Store> store, EngineOptions options)
    : host_(host),
      options_(options),
      store_(std::move(store)),
      checkpointer_(host, *store_, store_mutex_, options.checkpoints) {
    for (const auto& [name, pool] : options_.pools) {
        ready_.set_limit("pool " + name, pool.max_concurrency, pool.rate);
        has_rates_ = has_rates_ || pool.rate.calls > 0;
    }
    for (const auto& [tool, cap] : options_.tool_limits) ready_.set_limit("tool " + tool, cap);
    for (const auto& [plugin, cap] : options_.plugin_limits) ready_.set_limit("plugin " + plugin, cap);
    for (const auto& [workflow, cap] : options_.workflow_limits) ready_.set_limit("workflow " + workflow, cap);
    for (const Json& status : store_->budget_holds()) {
        try {
            budgets_.add(budget_hold_from_event(status));
        } catch (const std::exception& e) {
            host_.log_error(std::string("a stored budget hold is unreadable and was dropped: ") + e.what());
        }
    }
}

Engine::~Engine() {
    {
        std::unique_lock lock(lifetime_->mutex);  // waits for callbacks under way
        lifetime_->stopped = true;
    }
    checkpointer_.drain_and_stop();
    std::lock_guard lock(mutex_);
    if (rate_timer_ > 1) host_.cancel_timer(rate_timer_);
    if (period_timer_ > 1) host_.cancel_timer(period_timer_);
    for (auto& [id, run] : runs_)
        for (auto& [task_id, task] : run->tasks)
            if (task.timer_id > 1) host_.cancel_timer(task.timer_id);
}

void Engine::add_waiting_for(Json& run) {
    std::lock_guard lock(mutex_);
    auto found = runs_.find(run.value("run_id", ""));
    if (found == runs_.end() || !run.contains("tasks")) return;
    std::map<std::string, std::string> waiting;  // task (or map) id -> the first reason seen
    for (const auto& [id, task] : found->second->tasks)
        if (task.queued && !task.waiting_for.empty())
            waiting.emplace(task.map != nullptr ? task.map->row.task_id : id, task.waiting_for);
    if (waiting.empty()) return;
    for (Json& entry : run["tasks"]) {
        auto reason = waiting.find(entry.value("id", ""));
        if (reason != waiting.end()) entry["waiting_for"] = reason->second;
    }
}

ParseResult Engine::check_definition(const Json& document) const {
    ParseResult result = parse_definition(document);
    if (!result.definition) return result;
    result.problems = unknown_pools(*result.definition, [this](const std::string& name) { return knows_pool(name); });
    if (!result.problems.empty()) result.definition.reset();
    return result;
}

// ---- starting and resuming --------------------------------------------------------------

void Engine::start_run(const StoredDefinition& stored, Definition definition, Json input,
                       std::function<void(const std::string&)> committed, std::unique_ptr<RunWatcher> watcher,
                       RunCreationWrite also, int priority) {
    std::unique_ptr<ActiveRun> run = make_run(stored, std::move(definition), std::move(input), new_run_id());
    run->row.priority = priority;
    if (watcher) run->watchers.push_back(std::move(watcher));
    locked([&](Actions&) { begin_run(std::move(run), std::move(committed), std::move(also)); });
}

std::unique_ptr<Engine::ActiveRun> Engine::make_run(const StoredDefinition& stored, Definition definition, Json input,
                                                    std::string id) {
    auto run = std::make_unique<ActiveRun>();
    run->row.id = std::move(id);
    run->row.name = stored.name;
    run->row.version = stored.version;
    run->row.input = std::move(input);
    run->row.created_at_ms = now_ms();
    run->definition = std::move(definition);
    for (const TaskDefinition& task : run->definition.tasks) {
        ActiveTask active;
        active.row.task_id = task.id;
        run->tasks.emplace(task.id, std::move(active));
    }
    run->index_tasks();
    return run;
}

void Engine::begin_run(std::unique_ptr<ActiveRun> run, std::function<void(const std::string&)> committed,
                       RunCreationWrite also) {
    RunRow insert = run->row;
    for (const ActiveTask* task : run->by_index) insert.tasks.push_back(task->row);
    const std::string run_id = run->row.id;
    const Json event = {
        {"name", insert.name}, {"version", insert.version}, {"input", insert.input}, {"pid", process_id()}};
    run->seq = 1;
    runs_.emplace(run_id, std::move(run));
    checkpointer_.submit(
        [insert, event, also = std::move(also)](Store& store) {
            store.insert_run(insert);
            store.append_event(insert.id, 1, insert.created_at_ms, "run.started", "", event);
            if (also) also(store, insert.id);
        },
        [this, run_id, committed, event] {
            host_.publish("workflow.run.started",
                          {{"run_id", run_id}, {"name", event["name"]}, {"version", event["version"]}});
            if (committed) committed(run_id);
            locked([&](Actions& actions) {
                auto found = runs_.find(run_id);
                if (found != runs_.end()) {
                    arm_run_timeout(*found->second, actions);
                    advance(*found->second, actions);
                }
                pump(actions);
            });
        });
}

void Engine::resume_unfinished() {
    // mutex_ is held across the read so that a run started by this process since load (already in
    // runs_, or finished and so no longer stored as running) is never taken for an orphan.
    locked([&](Actions& actions) {
        std::vector<ActiveRun*> resumed;
        {
            std::lock_guard store_lock(store_mutex_);
            for (const std::string& id : store_->unfinished_run_ids()) {
                if (runs_.contains(id)) continue;
                std::unique_ptr<ActiveRun> run = load_run(id);
                if (!run) continue;
                resumed.push_back(run.get());
                runs_.emplace(id, std::move(run));
            }
        }
        for (ActiveRun* run : resumed) reattach(*run, actions);
        arm_period_timer(actions);  // holds stored before the restart end with their period
        pump(actions);
    });
}

void Engine::reattach(ActiveRun& run, Actions& actions) {
    for (auto& [task_id, task] : run.tasks) {
        if (task.row.state.status != TaskStatus::running || task.queued || task.timer_id != 0 || task.in_flight)
            continue;
        if (task.items) continue;  // a map: rebuild_map below looks after its items
        if (task.definition->kind == TaskKind::workflow) {
            reattach_child(run, task, actions);
            continue;
        }
        if (waits_for_signal(*task.definition)) {
            if (task.row.state.not_before_ms > 0)  // its timeout
                arm_timer(run, task, std::max<int64_t>(0, task.row.state.not_before_ms - now_ms()), actions);
        } else if (task.definition->kind == TaskKind::wait) {
            arm_timer(run, task, std::max<int64_t>(0, task.row.state.not_before_ms - now_ms()), actions);
        } else {
            enqueue(run, task, true);  // in-flight work first
        }
    }
    for (ActiveTask* task : run.by_index)
        if (task->items && task->row.state.status == TaskStatus::running) rebuild_map(run, *task, actions);
    deliver_signals(run, actions);
    arm_run_timeout(run, actions);
    advance(run, actions);
}

void Engine::resume_later(int64_t delay_ms) {
    host_.run_after(delay_ms, [this, life = lifetime_] {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        host_.post_blocking([this, life] {
            std::shared_lock inner(life->mutex);
            if (!life->stopped) resume_unfinished();
        });
    });
}

std::unique_ptr<Engine::ActiveRun> Engine::load_run(const std::string& id) {
    std::optional<RunRow> row = store_->run(id);
    if (!row) return nullptr;
    const std::optional<StoredDefinition> stored = store_->definition(row->name, row->version);
    ParseResult parsed = stored ? parse_definition(stored->document) : ParseResult{};
    if (!parsed.definition) {
        host_.log_error("workflow run " + id + " cannot resume: its definition is missing or invalid");
        return nullptr;
    }
    auto run = std::make_unique<ActiveRun>();
    run->definition = std::move(*parsed.definition);
    run->seq = row->last_seq;
    for (TaskRow& task : row->tasks) {
        ActiveTask active;
        active.row = std::move(task);
        active.resume_same = active.row.state.status == TaskStatus::running;
        run->tasks.emplace(active.row.task_id, std::move(active));
    }
    row->tasks.clear();
    run->row = std::move(*row);
    for (Signal& signal : store_->pending_signals(id)) run->signals[signal.name].push_back(std::move(signal));
    run->index_tasks();
    attach_cleanup_rows(*run);
    for (ActiveTask* task : run->by_index)
        if (task->definition->kind == TaskKind::map && task->row.state.status != TaskStatus::pending)
            attach_items(*run, *task);
        else if (task->definition->kind == TaskKind::loop)
            attach_iterations(*run, *task);
    return run;
}

// ---- scheduling ---------------------------------------------------------------------------

void Engine::advance(ActiveRun& run, Actions& actions) {
    if (run.row.status != RunStatus::running || run.finishing) return;
    // A switch decides at once, which makes more tasks candidates: plan until nothing changes.
    while (!run.candidates.empty()) {
        const Plan plan = plan_tasks(run.definition, run.row.input, run.lookup(),
                                     std::exchange(run.candidates, std::vector<size_t>{}));
        for (const Skip& skip : plan.skipped) {
            ActiveTask& task = run.tasks.at(skip.task);
            run.set_status(task, TaskStatus::skipped);
            task.row.finished_at_ms = now_ms();
            checkpoint_task(run, task, "task.skipped", {{"reason", skip.reason}});
        }
        const int64_t now = now_ms();
        for (const size_t index : plan.ready) {
            ActiveTask& task = *run.by_index[index];
            if (task.queued || task.timer_id != 0) continue;
            if (task.row.state.not_before_ms > now) {
                arm_timer(run, task, task.row.state.not_before_ms - now, actions);
            } else if (waits_for_signal(*task.definition)) {
                start_signal_wait(run, task, actions);
            } else if (task.definition->kind == TaskKind::wait) {
                start_wait(run, task, actions);
            } else if (task.definition->kind == TaskKind::switch_) {
                decide_switch(run, task);
            } else if (task.definition->kind == TaskKind::map) {
                start_map(run, task, actions);
            } else if (task.definition->kind == TaskKind::workflow) {
                start_child(run, task, false, actions);
            } else if (task.definition->kind == TaskKind::loop) {
                start_loop(run, task, actions);
            } else {
                enqueue(run, task);
            }
        }
    }
    if (!run.counts.outcome()) return;
    if (run.cleaning)
        next_cleanup_step(run, actions);
    else if (needs_cleanup(run))
        start_cleanup(run, actions);
    else
        finish_run(run, actions);
}

void Engine::decide_switch(ActiveRun& run, ActiveTask& task) {
    task.row.state.attempt = 1;
    task.row.started_at_ms = now_ms();
    task.row.finished_at_ms = task.row.started_at_ms;
    try {
        task.row.state.output = choose_case(*task.definition, run.context_for(task.definition->reads));
        run.set_status(task, TaskStatus::succeeded);
        checkpoint_task(run, task, "task.succeeded", {{"attempt", 1}, {"case", task.row.state.output["case"]}});
    } catch (const std::exception& e) {
        task.row.state.error = std::string("a case failed to evaluate: ") + e.what();
        task.row.state.error_kind = "bad_arguments";
        run.set_status(task, TaskStatus::failed);
        checkpoint_task(run, task, "task.failed",
                        {{"attempt", 1}, {"error", task.row.state.error}, {"error_kind", "bad_arguments"}});
    }
}

void Engine::pump(Actions& actions) {
    const int64_t now = has_rates_ ? now_ms() : 0;  // only rates read the clock
    const auto held = [this](const DispatchQueue::Item& item, const std::string& reason) {
        note_waiting(item, reason);
    };
    while (in_flight_ < options_.max_concurrency) {
        std::optional<DispatchQueue::Item> next = ready_.pop(now, held);
        if (!next) break;
        auto found = runs_.find(next->run_id);
        ActiveTask* task = found == runs_.end() ? nullptr : &found->second->task_at(next->task_id, next->task_index);
        const bool resuming = task != nullptr && task->resume_same && task->row.state.status == TaskStatus::running;
        if (task == nullptr || found->second->row.status != RunStatus::running ||
            (!resuming && task->row.state.status != TaskStatus::pending)) {
            ready_.release(next->limits);  // stale: the run ended, paused, or the task was cancelled
            if (task != nullptr) task->queued = false;
            continue;
        }
        if (std::string budget = budget_reason(*found->second, *task); !budget.empty()) {
            ready_.release(next->limits);  // it takes its slots again when the budget lets it go
            note_waiting(*next, budget);
            budget_held_.push_back(std::move(*next));
            continue;
        }
        task->queued = false;
        task->waiting_for.clear();
        task->slots = std::move(next->limits);
        start_attempt(*found->second, *task, resuming, actions);
    }
    if (has_rates_) arm_rate_timer(actions);
}

void Engine::enqueue(ActiveRun& run, ActiveTask& task, bool first) {
    task.queued = true;
    DispatchQueue::Item item;
    item.run_id = run.row.id;
    item.task_id = task.row.task_id;
    item.task_index = task.index;
    item.priority = run.row.priority + task.definition->priority;
    // Only configured limits are named, so a task with none costs no lookups.
    if (!task.definition->pool.empty() && options_.pools.contains(task.definition->pool))
        item.limits.push_back("pool " + task.definition->pool);
    if (!options_.tool_limits.empty() && options_.tool_limits.contains(task.definition->tool))
        item.limits.push_back("tool " + task.definition->tool);
    if (!options_.plugin_limits.empty()) {
        const std::string& owner = tool_owner(task.definition->tool);
        if (options_.plugin_limits.contains(owner)) item.limits.push_back("plugin " + owner);
    }
    if (!options_.workflow_limits.empty() && options_.workflow_limits.contains(run.row.name))
        item.limits.push_back("workflow " + run.row.name);
    if (run.definition.max_concurrency > 0) {
        item.limits.push_back("run " + run.row.id);
        // Declared at its first call, however the run came into memory; dropped when it ends.
        if (!ready_.has_limit(item.limits.back())) ready_.set_limit(item.limits.back(), run.definition.max_concurrency);
    }
    ready_.push(std::move(item), first);
}

const std::string& Engine::tool_owner(const std::string& tool) {
    auto known = tool_owners_.find(tool);
    if (known != tool_owners_.end()) return known->second;
    std::string owner = host_.tool_owner(tool);
    if (owner.empty()) {
        static const std::string unknown;
        return unknown;  // not cached: the tool may be registered later
    }
    return tool_owners_.emplace(tool, std::move(owner)).first->second;
}

void Engine::note_waiting(const DispatchQueue::Item& item, const std::string& reason) {
    auto found = runs_.find(item.run_id);
    if (found == runs_.end()) return;
    ActiveTask& task = found->second->task_at(item.task_id, item.task_index);
    if (task.waiting_for == reason) return;  // recorded once per reason, not each time it is held again
    task.waiting_for = reason;
    checkpoint_task(*found->second, task, "task.waiting", {{"for", reason}});
}

void Engine::arm_rate_timer(Actions& actions) {
    const std::optional<int64_t> due = ready_.next_token_ms();
    if (!due || rate_timer_ != 0) return;
    rate_timer_ = 1;  // placeholder until the host answers
    const int64_t delay = std::max<int64_t>(1, *due - now_ms());
    actions.push_back([this, life = lifetime_, delay] {
        const uint64_t id = host_.run_after(delay, [this, life] {
            std::shared_lock guard(life->mutex);
            if (life->stopped) return;
            locked([&](Actions& later) {
                rate_timer_ = 0;
                pump(later);
            });
        });
        std::lock_guard lock(mutex_);
        if (rate_timer_ == 1) rate_timer_ = id;
    });
}

Json Engine::render_arguments(const ActiveRun& run, const ActiveTask& task) const {
    Json context = run.context_for(task.definition->reads);
    if (task.map != nullptr && task.definition->kind == TaskKind::loop) {
        context["iteration"] = task.item + 1;
        context["previous"] = task.item > 0 ? task.map->items->items[task.item - 1]->row.state.output : Json();
    } else if (task.map != nullptr) {
        context["item"] = task.map->row.input["items"][task.item];
        context["index"] = task.item;
    } else if (task.cleanup_step) {
        context["error"] = failure_of(run);
    }
    return render_template(task.definition->arguments, context);
}

void Engine::start_attempt(ActiveRun& run, ActiveTask& task, bool same_attempt, Actions& actions) {
    const std::string run_id = run.row.id;
    const std::string task_id = task.row.task_id;
    task.resume_same = false;
    if (!same_attempt) {
        task.row.state.attempt += 1;
        try {
            task.row.input =
                task.definition->templated_arguments ? render_arguments(run, task) : task.definition->arguments;
        } catch (const std::exception& e) {
            run.set_status(task, TaskStatus::failed);
            task.row.state.error = std::string("cannot render the arguments: ") + e.what();
            task.row.state.error_kind = "bad_arguments";
            task.row.finished_at_ms = now_ms();
            checkpoint_task(run, task, "task.failed",
                            {{"error", task.row.state.error}, {"error_kind", "bad_arguments"}});
            advance(run, actions);
            return;
        }
    }
    const int attempt = task.row.state.attempt;
    const std::string key = idempotency_key(run_id, task_id, attempt);
    run.set_status(task, TaskStatus::running);
    task.row.state.not_before_ms = 0;
    task.row.started_at_ms = now_ms();
    task.in_flight = true;
    task.timed_out = false;
    task.cancel_requested = false;
    task.call_id = 0;
    ++in_flight_;
    std::string params = tool_call_params(task.definition->tool, task.row.input, key, run_id, task_id, attempt);
    // The event's data, only for a durable history. Built field by field, not from an initializer
    // list, which builds a two-element array per pair first: this runs for every task.
    Json started = Json::object();
    if (checkpointer_.durable()) {
        started["attempt"] = attempt;
        started["idempotency_key"] = key;
        started["pid"] = process_id();
    }
    const std::optional<int64_t> timeout = task.definition->timeout_ms;
    std::vector<std::string> slots = std::move(task.slots);  // given back when the call ends
    task.slots.clear();
    checkpoint_task(run, task, same_attempt ? "task.resumed" : "task.started", std::move(started));
    // The call goes out only after the checkpoint above commits, and only if the task still
    // wants it (a cancel may have come in between).
    checkpointer_.submit(
        nullptr, [this, life = lifetime_, run_id, task_id, index = task.index, attempt, params = std::move(params),
                  timeout, slots = std::move(slots)]() mutable {  // runs once: moves params
            bool wanted = false;
            locked([&](Actions& later) {
                auto found = runs_.find(run_id);
                ActiveTask* current = found == runs_.end() ? nullptr : &found->second->task_at(task_id, index);
                wanted = current != nullptr && current->in_flight && current->row.state.attempt == attempt &&
                         current->row.state.status == TaskStatus::running;
                if (wanted) return;
                --in_flight_;
                ready_.release(slots);
                if (current != nullptr) current->in_flight = false;
                pump(later);
            });
            if (!wanted) return;
            const uint64_t call_id = host_.call_tool(
                std::move(params), [this, life, run_id, task_id, index, attempt, slots](bool ok, Json value) {
                    std::shared_lock guard(life->mutex);
                    if (!life->stopped) on_reply(run_id, task_id, index, attempt, ok, value, slots);
                });
            locked([&](Actions& later) {
                auto found = runs_.find(run_id);
                if (found == runs_.end()) return;
                ActiveTask& current = found->second->task_at(task_id, index);
                if (!current.in_flight || current.row.state.attempt != attempt) return;  // already answered
                current.call_id = call_id;
                if (current.cancel_requested && call_id != 0)
                    later.push_back([this, call_id] { host_.cancel_call(call_id); });
                if (timeout && call_id != 0) {
                    current.timer_id = host_.run_after(*timeout, [this, life, run_id, task_id, attempt] {
                        std::shared_lock guard(life->mutex);
                        if (!life->stopped) on_timeout(run_id, task_id, attempt);
                    });
                }
            });
        });
}

void Engine::start_wait(ActiveRun& run, ActiveTask& task, Actions& actions) {
    run.set_status(task, TaskStatus::running);
    task.row.state.attempt = 1;
    task.row.started_at_ms = now_ms();
    task.row.state.not_before_ms = task.row.started_at_ms + task.definition->wait_ms;
    checkpoint_task(run, task, "task.started", {{"attempt", 1}, {"until_ms", task.row.state.not_before_ms}});
    arm_timer(run, task, task.definition->wait_ms, actions);
}

void Engine::arm_timer(ActiveRun& run, ActiveTask& task, int64_t delay_ms, Actions& actions) {
    const std::string run_id = run.row.id;
    const std::string task_id = task.row.task_id;
    task.timer_id = 1;  // placeholder until the host answers: advance() must not arm a second one
    actions.push_back([this, life = lifetime_, run_id, task_id, delay_ms] {
        const uint64_t id = host_.run_after(delay_ms, [this, life, run_id, task_id] {
            std::shared_lock guard(life->mutex);
            if (!life->stopped) on_timer(run_id, task_id);
        });
        std::lock_guard lock(mutex_);
        auto found = runs_.find(run_id);
        if (found == runs_.end()) return;
        ActiveTask& armed = found->second->tasks.at(task_id);
        if (armed.timer_id == 1) armed.timer_id = id;
    });
}

// A retry delay ended (task pending) or a wait ended (task running).
void Engine::on_timer(const std::string& run_id, const std::string& task_id) {
    locked([&](Actions& actions) {
        auto found = runs_.find(run_id);
        if (found == runs_.end()) return;
        ActiveRun& run = *found->second;
        ActiveTask& task = run.tasks.at(task_id);
        task.timer_id = 0;
        // A wait that ends is recorded even in a paused run; only new starts are held back.
        if (waits_for_signal(*task.definition) && task.row.state.status == TaskStatus::running) {
            task.row.state.error = "no signal '" + task.definition->signal + "' within " +
                                   std::to_string(task.definition->timeout_ms.value_or(0)) + " ms";
            task.row.state.error_kind = "timeout";
            run.set_status(task, TaskStatus::failed);
            finish_task(run, task, actions);
            return;
        }
        if (task.definition->kind == TaskKind::wait && task.row.state.status == TaskStatus::running) {
            run.set_status(task, TaskStatus::succeeded);
            task.row.state.output = Json::object({{"waited_ms", task.definition->wait_ms}});
            finish_task(run, task, actions);
            return;
        }
        if (run.row.status != RunStatus::running) return;
        task.row.state.not_before_ms = 0;
        if ((task.map != nullptr || task.cleanup_step) && task.row.state.status == TaskStatus::pending) {  // a retry
            enqueue(run, task);
        }
        run.candidates.push_back(task.index);
        advance(run, actions);
        pump(actions);
    });
}

void Engine::on_timeout(const std::string& run_id, const std::string& task_id, int attempt) {
    locked([&](Actions& actions) {
        auto found = runs_.find(run_id);
        if (found == runs_.end()) return;
        ActiveTask& task = found->second->tasks.at(task_id);
        task.timer_id = 0;
        if (task.definition->kind == TaskKind::workflow && task.row.state.status == TaskStatus::running &&
            task.row.state.attempt == attempt) {
            task.timed_out = true;  // the child's end (cancelled) fails the task with kind timeout
            actions.push_back([this, child = task.row.input.value("run_id", "")] { cancel_run(child, nullptr); });
            return;
        }
        if (!task.in_flight || task.row.state.attempt != attempt) return;
        task.timed_out = true;
        const uint64_t call_id = task.call_id;
        actions.push_back([this, call_id] { host_.cancel_call(call_id); });
    });
}

void Engine::on_reply(const std::string& run_id, const std::string& task_id, size_t index, int attempt, bool ok,
                      const Json& value, const std::vector<std::string>& slots) {
    locked([&](Actions& actions) {
        --in_flight_;
        ready_.release(slots);
        auto found = runs_.find(run_id);
        if (found != runs_.end()) {
            ActiveRun& run = *found->second;
            ActiveTask& task = run.task_at(task_id, index);
            if (task.in_flight && task.row.state.attempt == attempt && task.row.state.status == TaskStatus::running) {
                task.in_flight = false;
                task.call_id = 0;
                if (task.timer_id > 1) {
                    const uint64_t timer = task.timer_id;
                    actions.push_back([this, timer] { host_.cancel_timer(timer); });
                }
                task.timer_id = 0;
                const bool tool_failed = ok && value.value("isError", false);
                if (ok && !tool_failed) {
                    run.set_status(task, TaskStatus::succeeded);
                    task.row.state.output = tool_output(value);
                    task.row.state.error = nullptr;
                    task.row.state.error_kind.clear();
                    finish_task(run, task, actions);
                } else {
                    const bool no_spawner = !ok && task.definition->kind == TaskKind::agent && is_unknown_tool(value);
                    const std::string kind = task.timed_out ? "timeout"
                                             : tool_failed  ? "tool_error"
                                             : no_spawner   ? "spawner_unavailable"
                                                            : "call_error";
                    const std::string message =
                        task.timed_out ? "timed out after " + std::to_string(*task.definition->timeout_ms) + " ms"
                        : tool_failed  ? tool_error_text(value)
                        : no_spawner   ? no_spawner_message()
                                       : value.value("message", std::string("the call failed"));
                    task.row.state.error = message;
                    task.row.state.error_kind = kind;
                    if (should_retry(task.definition->retry, attempt, kind)) {
                        const int64_t delay = backoff_delay_ms(task.definition->retry, attempt + 1, random01());
                        run.set_status(task, TaskStatus::pending);
                        task.row.state.not_before_ms = now_ms() + delay;
                        checkpoint_task(
                            run, task, "task.retrying",
                            {{"attempt", attempt}, {"error", message}, {"error_kind", kind}, {"delay_ms", delay}});
                        if (task.map != nullptr || task.cleanup_step)
                            arm_timer(run, task, delay, actions);
                        else
                            advance(run, actions);
                    } else {
                        run.set_status(task, TaskStatus::failed);
                        finish_task(run, task, actions);
                    }
                }
            }
        }
        pump(actions);
    });
}

void Engine::finish_task(ActiveRun& run, ActiveTask& task, Actions& actions, Checkpointer::Write also) {
    task.row.finished_at_ms = now_ms();
    Json data = Json::object();  // as in start_attempt
    if (checkpointer_.durable()) data["attempt"] = task.row.state.attempt;
    if (checkpointer_.durable() && task.row.state.status == TaskStatus::failed) {
        data["error"] = task.row.state.error;
        data["error_kind"] = task.row.state.error_kind;
    }
    checkpoint_task(run, task, "task." + std::string(to_string(task.row.state.status)), std::move(data),
                    std::move(also));
    if (task.map != nullptr)
        item_finished(run, task, actions);
    else if (task.cleanup_step)
        next_cleanup_step(run, actions);
    else
        advance(run, actions);
    pump(actions);
}

void Engine::finish_run(ActiveRun& run, Actions& actions) {
    (void)actions;
    run.finishing = true;
    run.row.status = run.timed_out ? RunStatus::failed : *run.counts.outcome();
    if (run.timed_out)
        run.row.error = "the run did not finish within its timeout of " +
                        std::to_string(run.definition.timeout_ms.value_or(0)) + " ms; unfinished tasks were cancelled";
    if (run.row.status == RunStatus::succeeded && !run.definition.outputs.is_null()) {
        try {
            run.row.output = render_template(run.definition.outputs, run.context_for(run.definition.output_reads));
        } catch (const std::exception& e) {
            run.row.status = RunStatus::failed;
            run.row.error = std::string("cannot render the outputs: ") + e.what();
        }
    }
    std::string cleanup_failures;
    for (const ActiveTask* step : run.cleanup)
        if (step->row.state.status != TaskStatus::succeeded)
            cleanup_failures +=
                "; " + step->row.task_id + " " + std::string(to_string(step->row.state.status)) +
                (step->row.state.error.is_string() ? ": " + step->row.state.error.get<std::string>() : std::string());
    if (run.row.status == RunStatus::failed && run.row.error.is_null()) {
        for (const ActiveTask* task : run.by_index) {
            if (task->row.state.status == TaskStatus::failed) {
                run.row.error = "task " + task->row.task_id + " failed: " + task->row.state.error.dump();
                break;
            }
        }
    }
    if (!cleanup_failures.empty() && run.row.error.is_string())
        run.row.error = run.row.error.get<std::string>() + cleanup_failures;
    run.row.finished_at_ms = now_ms();
    const RunRow row = run.row;
    const int64_t seq = ++run.seq;
    const std::string status(to_string(row.status));
    checkpointer_.submit(
        [row, seq, status](Store& store) {
            store.update_run(row);
            store.append_event(row.id, seq, row.finished_at_ms, "run." + status, "",
                               {{"output", row.output}, {"error", row.error}});
        },
        [this, row, status] {
            const std::string& run_id = row.id;
            std::vector<std::unique_ptr<RunWatcher>> watchers;
            {
                std::lock_guard lock(mutex_);
                auto found = runs_.find(run_id);
                if (found == runs_.end()) return;
                watchers = std::move(found->second->watchers);
                ready_.drop_limit("run " + run_id);
                runs_.erase(found);
            }
            host_.publish("workflow.run." + (status == "succeeded" ? std::string("completed") : status),
                          {{"run_id", run_id}, {"name", row.name}, {"status", status}});
            host_.resource_updated("workflow://runs/" + run_id);
            if (!row.parent_run_id.empty()) {
                locked([&](Actions& later) {
                    ActiveRun* parent = find_or_load(row.parent_run_id);
                    if (parent == nullptr) return;
                    auto task = parent->tasks.find(row.parent_task_id);
                    if (task != parent->tasks.end()) child_finished(*parent, task->second, row, later);
                });
            }
            if (watchers.empty()) return;
            Json view;
            {
                std::lock_guard lock(store_mutex_);
                if (auto stored = store_->run(run_id)) view = run_to_json(*stored);
            }
            for (auto& watcher : watchers)
                if (watcher->done) watcher->done(view);
        });
}

// Queues the task's row and one history event; publishes after the commit.
void Engine::checkpoint_task(ActiveRun& run, ActiveTask& task, const std::string& event, Json data,
                             Checkpointer::Write also) {
    const std::string run_id = run.row.id;
    const int64_t seq = ++run.seq;
    const int64_t at = now_ms();
    const size_t done = run.counts.terminal;
    const size_t total = run.counts.total;
    const double progress = run.counts.progress();
    Checkpointer::Then then = [this, run_id, task_id = task.row.task_id,
                               status = std::string(to_string(task.row.state.status)), attempt = task.row.state.attempt,
                               progress, done,
                               total] { notify_task(run_id, task_id, status, attempt, progress, done, total); };
    if (!checkpointer_.durable()) {  // the benchmarks' engine-only mode: the write would be dropped
        checkpointer_.submit(Checkpointer::dropped_write, std::move(then));
        return;
    }
    // The row is copied once, into the write (a `const` copy captured by value was copied twice).
    checkpointer_.submit(
        [run_id, row = task.row, seq, at, event, data = std::move(data), also = std::move(also)](Store& store) {
            store.upsert_task(run_id, row);
            store.append_event(run_id, seq, at, event, row.task_id, data);
            if (also) also(store);
        },
        std::move(then));
}

void Engine::notify_task(const std::string& run_id, const std::string& task_id, const std::string& status, int attempt,
                         double progress, size_t done, size_t total) {
    host_.publish_serialized("workflow.task.updated", task_update_payload(run_id, task_id, status, attempt, progress));
    host_.resource_updated("workflow://runs/" + run_id);
    std::lock_guard lock(mutex_);
    auto found = runs_.find(run_id);
    if (found == runs_.end()) return;
    for (auto& watcher : found->second->watchers)
        if (watcher->progress) watcher->progress(done, total, task_id + " " + status);
}

}  // namespace workflow
