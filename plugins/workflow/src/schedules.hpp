// schedules.hpp: cron schedules that start runs of stored workflows.
//
// Each schedule is a row of the workflow database (store.hpp) and an entry here; every change
// goes through this class, so the entries are the truth the timer works from. One host timer
// waits for the earliest next fire time (re-checked at least once a minute, so a change of the
// wall clock is noticed); when it rings, every due schedule starts a run through
// start_stored_run, the path workflow_run takes.
//
// Guarantee: a fire and the run it starts commit in one transaction (the run's creation carries
// the schedule's last_fire_at, last_run_id and next_fire_at), so after a crash either both are
// stored or neither is, and a slot that was committed is never fired again. Fire times that
// passed while the host was down (or while the plugin had not started its timer) fire ONCE when
// it starts, however many were missed; the next fire time is then counted from that moment.
// A disabled schedule misses its slots; enabling it counts from the moment it is enabled.
//
// Overlap: with "skip" a slot that comes while the schedule's last run is unfinished (running or
// paused) starts nothing; with "queue" it is kept (one at most, stored) and starts a run when
// that run ends; "allow" (the default) starts a run regardless.
//
// Times are UTC: GCC 12's standard library has no time-zone database (std::chrono::tzdb), so a
// `timezone` other than "UTC" is refused.
//
// Threads: every public function may be called from any thread except the host's I/O threads
// (they read and write SQLite).
#pragma once

#include "cron.hpp"
#include "engine.hpp"
#include "store.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace workflow {

enum class ScheduleProblem { bad_request, unknown_workflow, unknown_schedule, duplicate_id };

// The answer to a schedule operation: `value` (a JSON view) or a problem with its message.
struct ScheduleAnswer {
    std::optional<ScheduleProblem> problem;
    std::string message;
    Json value;
};

class Schedules {
 public:
    // Loads the stored schedules; nothing fires before start().
    Schedules(EngineHost& host, Engine& engine);
    // Stops the timer and waits for a fire under way. Destroy before the engine.
    ~Schedules();
    Schedules(const Schedules&) = delete;
    Schedules& operator=(const Schedules&) = delete;

    // Starts firing after `delay_ms` (other plugins' tools must be routable first). Schedules
    // whose next fire time has passed fire then, once each.
    void start(int64_t delay_ms);

    // `request`: {id, workflow, cron, input?, version?, enabled?, timezone?}. The view has the
    // next 3 fire times.
    ScheduleAnswer create(const Json& request);
    Json list();  // every schedule, by id, each with its next fire time
    ScheduleAnswer get(const std::string& id);
    ScheduleAnswer remove(const std::string& id);  // value: the id
    ScheduleAnswer set_enabled(const std::string& id, bool enabled);

    // A run ended (any run: the plugin passes on its workflow.run.* events). A schedule with
    // overlap "queue" whose fire waits for that run starts it now.
    void run_ended(const std::string& run_id);

 private:
    struct Entry {
        ScheduleRow row;
        std::optional<CronExpression> cron;  // empty when the stored text no longer parses
        bool starting = false;               // overlap skip/queue: a fire's run is being stored, the schedule is busy
    };

    void arm();  // mutex_ held
    void on_timer(uint64_t generation);
    // The overlap policy decides: fire (a due slot, or the queued fire), skip, or queue it.
    // `scheduled_ms` 0: no slot is due, only the queued fire may start.
    void fire_or_defer(const Entry& due, int64_t scheduled_ms, int64_t now, int64_t next_ms);
    bool last_run_unfinished(const ScheduleRow& schedule);
    void fire(const Entry& entry, int64_t scheduled_ms, int64_t now, int64_t next_ms);
    // After a fire was stored: the entry learns it (unless it was deleted meanwhile) and the bus hears of it.
    void fired(const ScheduleRow& schedule, int64_t scheduled_ms, int64_t now, const std::string& run_id,
               const std::string& error);
    Json view(const Entry& entry, size_t next_count) const;
    ScheduleAnswer unknown(const std::string& id) const;

    EngineHost& host_;
    Engine& engine_;

    // Timer and commit callbacks may run after this object is gone: they hold a copy of this,
    // take it shared, and do nothing once `stopped` is set (the engine's pattern).
    struct Lifetime {
        std::shared_mutex mutex;
        std::atomic<bool> stopped{false};
    };
    std::shared_ptr<Lifetime> lifetime_ = std::make_shared<Lifetime>();

    std::mutex mutex_;
    std::map<std::string, Entry> entries_;  // guarded by mutex_
    bool started_ = false;                  // guarded by mutex_
    uint64_t timer_id_ = 0;                 // the armed host timer, 0 when none; guarded by mutex_
    uint64_t timer_generation_ = 0;         // which arm() the timer belongs to; guarded by mutex_
    int64_t timer_due_ms_ = 0;              // when the armed timer rings; guarded by mutex_
};

}  // namespace workflow
