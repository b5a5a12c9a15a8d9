// engine.hpp: runs workflows durably. It keeps the state of unfinished runs in memory, checkpoints
// every change through the Checkpointer before acting on it, dispatches ready tool tasks with
// EngineHost::call_tool under a global concurrency limit, and resumes unfinished runs at start.
//
// Guarantee (docs/workflow.md): a task checkpointed as succeeded never runs again; a task that
// was running when the process died runs once more after the restart, with the same attempt
// number and so the same idempotency key "<run_id>/<task_id>/<attempt>".
#pragma once

#include "budget_holds.hpp"
#include "checkpointer.hpp"
#include "definition.hpp"
#include "dispatch_queue.hpp"
#include "engine_host.hpp"
#include "store.hpp"

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace workflow {

// A named pool of tool calls (one per LLM provider, say): tasks join it with `pool`.
struct PoolLimit {
    int max_concurrency = 0;  // 0: no cap, only the rate
    RateLimit rate;           // calls per window; calls 0: none
    bool llm = false;         // its calls spend LLM budgets: an exceeded budget holds them
};

struct EngineOptions {
    int max_concurrency = 8;  // tool calls in flight across all runs
    std::map<std::string, PoolLimit> pools;
    std::map<std::string, int> tool_limits;      // calls of one tool in flight across all runs
    std::map<std::string, int> plugin_limits;    // calls of one plugin's tools in flight, by plugin id
    std::map<std::string, int> workflow_limits;  // calls of all runs of one workflow in flight, by name
    // How checkpoints are written; bench/ turns durability off or batching down to compare.
    CheckpointerOptions checkpoints;
};

// Someone waiting for a run: progress after each task change, done once at the end.
struct RunWatcher {
    std::function<void(size_t done, size_t total, const std::string& message)> progress;
    std::function<void(const Json& run)> done;
    // Set when the watcher's client can answer elicitation/create: approvals ask it. `answer`
    // gets the ElicitResult, or nullopt when the client could not answer.
    std::function<void(const Json& params, std::function<void(std::optional<Json> answer)> answer)> elicit;
};

class Engine {
 public:
    Engine(EngineHost& host, std::unique_ptr<Store> store, EngineOptions options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads every run stored as running and carries on. Call once, off the I/O thread.
    void resume_unfinished();
    // resume_unfinished() on the blocking pool after `delay_ms`, unless the engine is gone by then.
    void resume_later(int64_t delay_ms);

    // Written in the transaction that creates a run, so it commits with the run or not at all.
    using RunCreationWrite = std::function<void(Store& store, const std::string& run_id)>;

    // Starts a run of `stored` (already parsed as `definition`). `committed(run_id)` runs once the
    // run is durable; `watcher` (optional) follows it to the end; `also` (optional) joins the
    // transaction that stores the run (a schedule records its fire there). `also` must not throw:
    // a failing write drops the whole group commit it is in. `priority`: its tool calls start
    // before those of lower-priority runs (stored: a resumed run keeps it).
    void start_run(const StoredDefinition& stored, Definition definition, Json input,
                   std::function<void(const std::string& run_id)> committed, std::unique_ptr<RunWatcher> watcher,
                   RunCreationWrite also = nullptr, int priority = 0);

    // Cancels a running run: pending tasks end cancelled and running tool calls get cancel_call.
    // Returns false when the run is not running (unknown or finished).
    bool cancel_run(const std::string& run_id, std::function<void()> committed);

    // Control of a run. Each returns nullopt when accepted, with `committed` run once the change
    // is durable, or the reason it was refused (for an `isError` result).
    // pause: no new task starts; calls in flight finish and are recorded.
    std::optional<std::string> pause_run(const std::string& run_id, std::function<void()> committed);
    // resume: a paused run carries on (also after a restart, which leaves paused runs paused). A
    // running run whose LLM-bound calls an exceeded budget holds goes on past every budget (stored).
    std::optional<std::string> resume_run(const std::string& run_id, std::function<void()> committed);
    // retry: a failed task of a failed run gets one more attempt (a new attempt number, so a new
    // idempotency key); the tasks skipped because of it are pending again and the run is running.
    std::optional<std::string> retry_task(const std::string& run_id, const std::string& task_id,
                                          std::function<void()> committed);

    // Sends signal `name` with `payload` to a running or paused run. The task that waits for the
    // name (a wait with `signal`, an approval) gets it now, or when it starts; signals of one name
    // are consumed in order. A signal for an approval must be {"approved": bool, "comment"?}.
    std::optional<std::string> signal_run(const std::string& run_id, const std::string& name, Json payload,
                                          std::function<void()> committed);

    // ---- LLM budgets (engine_budgets.cpp) ----
    // LLM-bound calls (tasks in a pool with `llm: true`, agent tasks) start only while no exceeded
    // budget applies to them; a held call waits, `task.waiting` {"for": "budget <id>"}.
    // `exceeded`: a metrics.budget.exceeded payload. The hold is stored. Throws
    // std::invalid_argument when the payload is not one.
    void hold_budget(const Json& exceeded);
    // Lifts the hold of budget `id` (its period ended, it was raised or removed): its calls start.
    bool release_budget(int64_t id, const std::string& why);
    // Lifts the holds that `budgets` (metrics_budget_list's list) no longer backs, and holds the
    // budgets it says are exceeded that are not held yet.
    void recheck_budgets(const Json& budgets);
    // The holds, as the exceeded payloads they came from.
    Json budget_holds();

    CheckpointStats checkpoint_stats() const { return checkpointer_.stats(); }

    // Whether the config declares pool `name` (a definition's `pool` must name one).
    bool knows_pool(const std::string& name) const { return options_.pools.contains(name); }
    // Marks the tasks of `run` (run_to_json's shape) that a limit holds back now with
    // "waiting_for": "pool openai" (or "rate openai", "tool <name>", "plugin <id>", "workflow
    // <name>", "run <id>"); map items with "waiting_for" on their map. In memory only: the history keeps a
    // "task.waiting" event.
    void add_waiting_for(Json& run);
    // parse_definition, plus what only the config knows: every `pool` is a declared one. For
    // validate and define; a stored run whose pool left the config runs without that pool.
    ParseResult check_definition(const Json& document) const;

    // Reads the store under its lock (tools and resources use it).
    template <typename Fn>
    auto read(Fn&& fn) {
        std::lock_guard lock(store_mutex_);
        return fn(*store_);
    }

 private:
    struct ActiveTask;
    struct MapItems;
    struct ActiveRun;
    using Actions = std::vector<std::function<void()>>;

    // A new run in memory, every task pending. begin_run (mutex_ held) makes it durable, then
    // starts it; `committed` runs after the commit.
    std::unique_ptr<ActiveRun> make_run(const StoredDefinition& stored, Definition definition, Json input,
                                        std::string id);
    void begin_run(std::unique_ptr<ActiveRun> run, std::function<void(const std::string&)> committed,
                   RunCreationWrite also = nullptr);
    // Compensations and on_failure steps of a failed run (engine_cleanup.cpp).
    bool needs_cleanup(const ActiveRun& run) const;
    ActiveTask& cleanup_unit(ActiveRun& run, const TaskDefinition& step);
    void start_cleanup(ActiveRun& run, Actions& actions);
    void next_cleanup_step(ActiveRun& run, Actions& actions);
    void attach_cleanup_rows(ActiveRun& run);
    Json failure_of(const ActiveRun& run) const;
    // Cancels every unfinished task of the run (and its calls, timers and child runs) and ends it.
    void stop_tasks(ActiveRun& run, Actions& actions);
    // Pauses (or resumes) the running child runs of the run's `workflow` tasks.
    void cascade_to_children(ActiveRun& run, Actions& actions, bool pause);
    // The run's `timeout`: armed once per process when the run starts or is resumed.
    void arm_run_timeout(ActiveRun& run, Actions& actions);
    void on_run_timeout(const std::string& run_id);
    // Sub-workflows (engine_children.cpp): a workflow task starts a child run and ends with it.
    void start_child(ActiveRun& run, ActiveTask& task, bool same_attempt, Actions& actions);
    // The child of a running workflow task ended (or was found ended after a restart).
    void child_finished(ActiveRun& parent, ActiveTask& task, const RunRow& child, Actions& actions);
    // After a restart: finds or restarts the child of a running workflow task.
    void reattach_child(ActiveRun& run, ActiveTask& task, Actions& actions);
    // Reads a stored run for resumption; store_mutex_ held. Null when it cannot resume.
    std::unique_ptr<ActiveRun> load_run(const std::string& id);
    // Re-dispatches the tasks of a freshly loaded run that were running when it was stored.
    void reattach(ActiveRun& run, Actions& actions);
    // The run, from memory or else from the store (mutex_ held). Null when unknown.
    ActiveRun* find_or_load(const std::string& run_id);
    // Queues the run row and one run-level history event.
    void checkpoint_run(ActiveRun& run, const std::string& event, Json data, std::function<void()> then);
    // Each takes mutex_ (held) and appends host calls to `actions`, run after unlocking.
    void advance(ActiveRun& run, Actions& actions);
    void pump(Actions& actions);
    // Queues a tool call (a task, a map item, a cleanup step) under the limits that apply to it.
    // `first`: ahead of its priority (it was in flight before a restart).
    void enqueue(ActiveRun& run, ActiveTask& task, bool first = false);
    // The plugin serving `tool` (for plugin_limits), asked of the host once per tool it knows.
    const std::string& tool_owner(const std::string& tool);
    // A queued task held back by a full limit: recorded once per reason ("task.waiting").
    void note_waiting(const DispatchQueue::Item& item, const std::string& reason);
    // What a budget may match the task's calls on, when they are LLM-bound (engine_budgets.cpp).
    std::optional<LlmWork> llm_work(const ActiveRun& run, const ActiveTask& task) const;
    // The budget that keeps the task from starting now ("budget 7"), or empty.
    std::string budget_reason(const ActiveRun& run, const ActiveTask& task) const;
    // Puts the calls held by budgets back in the ready queue (pop() holds them again if need be).
    void unpark_budget_held(const std::string& only_run = "");
    void arm_period_timer(Actions& actions);
    // A timer for the next token of a rate-limited pool with tasks waiting, if none is armed.
    void arm_rate_timer(Actions& actions);
    void start_attempt(ActiveRun& run, ActiveTask& task, bool same_attempt, Actions& actions);
    // The task's arguments rendered against the run (and its item, iteration or failure). Throws
    // on a template that cannot be rendered.
    Json render_arguments(const ActiveRun& run, const ActiveTask& task) const;
    void start_wait(ActiveRun& run, ActiveTask& task, Actions& actions);
    // A switch task: picks its branch and succeeds at once.
    void decide_switch(ActiveRun& run, ActiveTask& task);
    // Map tasks (engine_map.cpp): render the items, run the tool per item under the map's
    // concurrency, and succeed with the outputs in item order or fail with the first failure.
    void start_map(ActiveRun& run, ActiveTask& map, Actions& actions);
    // Creates the items of a map that has rendered them (at start, and after loading a run).
    void attach_items(ActiveRun& run, ActiveTask& map);
    // Recounts a map's items after a restart or a pause and starts what may start.
    void rebuild_map(ActiveRun& run, ActiveTask& map, Actions& actions);
    void fill_map(ActiveRun& run, ActiveTask& map, Actions& actions);
    // Loop tasks (engine_loop.cpp): iterations are items created one at a time.
    void start_loop(ActiveRun& run, ActiveTask& loop, Actions& actions);
    void attach_iterations(ActiveRun& run, ActiveTask& loop);
    void add_iteration(ActiveRun& run, ActiveTask& loop);
    void loop_step(ActiveRun& run, ActiveTask& loop, Actions& actions);
    void item_finished(ActiveRun& run, ActiveTask& item, Actions& actions);
    void arm_timer(ActiveRun& run, ActiveTask& task, int64_t delay_ms, Actions& actions);
    void finish_task(ActiveRun& run, ActiveTask& task, Actions& actions, Checkpointer::Write also = nullptr);
    // Signals (engine_signals.cpp): waits for a signal and approvals.
    void start_signal_wait(ActiveRun& run, ActiveTask& task, Actions& actions);
    void deliver_signals(ActiveRun& run, Actions& actions);
    void consume_signal(ActiveRun& run, ActiveTask& task, Signal signal, Actions& actions);
    void ask_watchers(ActiveRun& run, ActiveTask& task, Actions& actions);
    void finish_run(ActiveRun& run, Actions& actions);
    // `also` is written in the same transaction as the task's row and event.
    void checkpoint_task(ActiveRun& run, ActiveTask& task, const std::string& event, Json data,
                         Checkpointer::Write also = nullptr);
    // `slots`: the limits the call held a slot in, given back.
    void on_reply(const std::string& run_id, const std::string& task_id, size_t index, int attempt, bool ok,
                  const Json& value, const std::vector<std::string>& slots);
    void on_timer(const std::string& run_id, const std::string& task_id);
    void on_timeout(const std::string& run_id, const std::string& task_id, int attempt);
    void notify_task(const std::string& run_id, const std::string& task_id, const std::string& status, int attempt,
                     double progress, size_t done, size_t total);

    // Runs `fn(actions)` under mutex_, then the actions. Does nothing after stop. A template, not
    // a std::function: it runs several times per task, and a capturing lambda would be allocated.
    template <typename Fn>
    void locked(Fn&& fn) {
        if (lifetime_->stopped) return;
        Actions actions;
        {
            std::lock_guard lock(mutex_);
            fn(actions);
        }
        for (auto& action : actions) action();
    }

    EngineHost& host_;
    EngineOptions options_;
    std::mutex store_mutex_;
    std::unique_ptr<Store> store_;  // guarded by store_mutex_
    Checkpointer checkpointer_;

    // Host callbacks (replies, timers) may arrive after the engine is gone: they hold a copy of
    // this and a shared lock on it, and do nothing once `stopped` is set.
    struct Lifetime {
        std::shared_mutex mutex;
        std::atomic<bool> stopped{false};
    };
    std::shared_ptr<Lifetime> lifetime_ = std::make_shared<Lifetime>();

    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<ActiveRun>> runs_;  // guarded by mutex_
    DispatchQueue ready_;                                     // tool calls waiting for a slot; guarded by mutex_
    int in_flight_ = 0;                                       // tool calls begun, not answered; guarded by mutex_
    uint64_t rate_timer_ = 0;                       // armed for the next rate token (1: being armed); guarded by mutex_
    bool has_rates_ = false;                        // a pool has a rate: pop() needs the clock
    BudgetHolds budgets_;                           // guarded by mutex_
    std::vector<DispatchQueue::Item> budget_held_;  // calls a budget holds; guarded by mutex_
    uint64_t period_timer_ = 0;                     // armed for the earliest period end of a hold; guarded by mutex_
    int64_t period_timer_due_ = 0;
    std::unordered_map<std::string, std::string> tool_owners_;  // known owners; guarded by mutex_
};

}  // namespace workflow
