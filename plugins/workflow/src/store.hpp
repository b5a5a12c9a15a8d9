// store.hpp: the workflow database (<data_dir>/workflow.db): definitions, runs, task states and
// each run's event history. Not thread-safe: the engine serializes access with one mutex.
//
// Writes happen inside a Transaction the caller opens (the engine batches many checkpoints
// into one commit); reads return JSON ready for tool results.
#pragma once

#include "scheduler.hpp"
#include "sqlite.hpp"
#include "task_status.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace workflow {

struct StoredDefinition {
    std::string name;
    int64_t version = 0;
    Json document;
    int64_t created_at_ms = 0;
};

struct TaskRow {
    std::string task_id;
    TaskState state;
    Json input;  // the rendered arguments of the latest attempt
    int64_t started_at_ms = 0;
    int64_t finished_at_ms = 0;
};

struct RunRow {
    std::string id;
    std::string name;
    int64_t version = 0;
    RunStatus status = RunStatus::running;
    Json input;
    Json output;
    Json error;
    int64_t created_at_ms = 0;
    int64_t finished_at_ms = 0;
    int64_t last_seq = 0;  // the highest event sequence number
    std::vector<TaskRow> tasks;
    std::string parent_run_id;  // a sub-workflow run: the run and task that started it
    std::string parent_task_id;
    int priority = 0;             // dispatch priority of its tool calls (higher first), from workflow_run
    bool ignore_budgets = false;  // a user resumed it past an exceeded budget (workflow_resume)
};

// A signal sent to a run (workflow_signal); consumed by the task that waits for its name.
struct Signal {
    int64_t seq = 0;  // the history event that recorded it
    std::string name;
    Json payload;
};

// A cron schedule (schedules.hpp): starts a run of `workflow` with `input` at each fire time.
struct ScheduleRow {
    std::string id;
    std::string workflow;
    std::optional<int64_t> version;  // nullopt: the latest version at fire time
    Json input = Json::object();
    std::string cron;
    bool enabled = true;
    int64_t created_at_ms = 0;
    int64_t last_fire_at_ms = 0;  // 0: never fired
    int64_t next_fire_at_ms = 0;  // 0: disabled
    std::string last_run_id;
    std::string last_error;  // the last fire could not start a run: why
    // A fire while the schedule's last run is unfinished: "allow" starts another run, "skip" starts
    // none, "queue" keeps it (one at most) and starts it when that run ends.
    std::string overlap = "allow";
    int64_t queued_fire_at_ms = 0;  // "queue": the slot of the fire kept for later; 0: none
};

// PRAGMA synchronous with WAL. normal: a commit survives a crash of the process, and the last
// commits before a power loss may be lost; full: each commit is fsynced before it returns.
enum class Synchronous { normal, full };

class Store {
 public:
    explicit Store(const std::string& path, Synchronous synchronous = Synchronous::normal);

    Database& database() { return db_; }

    // ---- definitions (immutable; a define adds version max+1) ----
    int64_t add_definition(const std::string& name, const Json& document, int64_t now_ms);
    std::optional<StoredDefinition> definition(const std::string& name, std::optional<int64_t> version);
    Json list_definitions();

    // ---- runs ----
    void insert_run(const RunRow& run);
    void update_run(const RunRow& run);
    void upsert_task(const std::string& run_id, const TaskRow& task);
    void append_event(const std::string& run_id, int64_t seq, int64_t at_ms, const std::string& type,
                      const std::string& task_id, const Json& data);

    void add_signal(const std::string& run_id, const Signal& signal, int64_t at_ms);
    void consume_signal(const std::string& run_id, int64_t seq, const std::string& task_id);
    std::vector<Signal> pending_signals(const std::string& run_id);

    std::optional<RunRow> run(const std::string& id);
    std::vector<std::string> unfinished_run_ids();
    Json list_runs(const std::string& name, const std::string& status, int64_t limit);
    Json history(const std::string& run_id, int64_t after_seq, int64_t limit);

    // ---- budgets that hold LLM-bound work: the metrics.budget.exceeded payloads ----
    void put_budget_hold(int64_t budget_id, const Json& status, int64_t at_ms);
    void delete_budget_hold(int64_t budget_id);
    std::vector<Json> budget_holds();

    // ---- schedules (store_schedules.cpp) ----
    std::vector<ScheduleRow> schedules();
    void insert_schedule(const ScheduleRow& schedule);
    bool delete_schedule(const std::string& id);
    // next_fire_ms 0 with enabled false.
    void set_schedule_enabled(const std::string& id, bool enabled, int64_t next_fire_ms);
    // Records a fire of the schedule created at `created_at_ms` (a schedule deleted and created
    // again under the same id is left alone). Its next fire time only moves forward, and stays
    // empty when the schedule was disabled meanwhile: writes queued in the group commit may land
    // after a disable or enable that came later.
    void record_schedule_fire(const std::string& id, int64_t created_at_ms, int64_t fired_at_ms,
                              const std::string& run_id, const std::string& error, int64_t next_fire_ms);
    // A fire that started no run because the last one is unfinished (overlap "skip" or "queue"):
    // the next fire time moves forward and `queued_fire_ms` (0: none) is the fire kept for later.
    void defer_schedule_fire(const std::string& id, int64_t created_at_ms, int64_t queued_fire_ms,
                             int64_t next_fire_ms);

 private:
    void migrate();
    Database db_;
};

// JSON views used by tools, resources and events.
Json run_to_json(const RunRow& run);

}  // namespace workflow
