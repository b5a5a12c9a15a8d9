// schedules.cpp: see schedules.hpp.
#include "schedules.hpp"

#include "run_starter.hpp"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

namespace workflow {

namespace {

// The timer re-checks at least this often, so a wall-clock change delays a fire by at most this.
constexpr int64_t kMaxSleepMs = 60'000;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr const char* kAcceptedKeys = "id, workflow, cron, input, version, enabled, timezone, overlap";

ScheduleAnswer refuse(ScheduleProblem problem, std::string message) { return {problem, std::move(message), {}}; }
ScheduleAnswer answer(Json value) { return {std::nullopt, "", std::move(value)}; }

Json time_or_null(int64_t ms) { return ms == 0 ? Json() : Json(ms); }
Json text_or_null(const std::string& text) { return text.empty() ? Json() : Json(text); }

// The fields of a create request, checked; or the problem.
struct CreateRequest {
    ScheduleRow row;
    std::optional<CronExpression> cron;
    std::string problem;
};

CreateRequest read_create_request(const Json& request) {
    CreateRequest parsed;
    const auto fail = [&](std::string message) {
        parsed.problem = std::move(message);
        return parsed;
    };
    if (!request.is_object()) return fail("a schedule must be an object {" + std::string(kAcceptedKeys) + "}");
    static const std::set<std::string> accepted = {"id",      "workflow", "cron",     "input",
                                                   "version", "enabled",  "timezone", "overlap"};
    for (const auto& [key, value] : request.items())
        if (accepted.count(key) == 0) return fail("unknown key `" + key + "`; accepted: " + kAcceptedKeys);

    static const std::regex name_pattern("^[A-Za-z0-9_.-]{1,64}$");
    if (!request.contains("id") || !request["id"].is_string() ||
        !std::regex_match(request["id"].get<std::string>(), name_pattern))
        return fail("`id` is required: the schedule's name, matching ^[A-Za-z0-9_.-]{1,64}$");
    parsed.row.id = request["id"].get<std::string>();
    if (!request.contains("workflow") || !request["workflow"].is_string())
        return fail("`workflow` is required: the name of a stored workflow (workflow_define)");
    parsed.row.workflow = request["workflow"].get<std::string>();
    if (request.contains("version")) {
        if (!request["version"].is_number_integer() || request["version"].get<int64_t>() < 1)
            return fail("`version` must be an integer >= 1 (leave it out to run the latest version at each fire)");
        parsed.row.version = request["version"].get<int64_t>();
    }
    parsed.row.input = request.value("input", Json::object());
    if (!parsed.row.input.is_object())
        return fail("`input` must be an object, got " + std::string(parsed.row.input.type_name()));
    if (request.contains("enabled")) {
        if (!request["enabled"].is_boolean()) return fail("`enabled` must be true or false");
        parsed.row.enabled = request["enabled"].get<bool>();
    }
    if (request.contains("timezone")) {
        const Json& zone = request["timezone"];
        if (!zone.is_string() || (zone != "UTC" && zone != "Etc/UTC"))
            return fail("`timezone` " + zone.dump() +
                        " is not supported: schedules run in UTC only (this build's C++ standard library, GCC "
                        "12's, has no time-zone database); write the cron expression in UTC and leave `timezone` "
                        "out, or give \"UTC\"");
    }
    if (request.contains("overlap")) {
        const Json& overlap = request["overlap"];
        if (overlap != "allow" && overlap != "skip" && overlap != "queue")
            return fail("`overlap` " + overlap.dump() +
                        " is not accepted; accepted: \"allow\" (default: a fire starts a run even while the last "
                        "one is going), \"skip\" (it starts none), \"queue\" (it starts one when the last run ends)");
        parsed.row.overlap = overlap.get<std::string>();
    }
    if (!request.contains("cron") || !request["cron"].is_string())
        return fail("`cron` is required: a cron expression such as \"0 9 * * MON-FRI\" (UTC)");
    CronParseResult cron = parse_cron(request["cron"].get<std::string>());
    if (!cron.expression) return fail("bad cron expression " + request["cron"].dump() + ": " + cron.error);
    parsed.row.cron = cron.expression->text();
    parsed.cron = std::move(cron.expression);
    return parsed;
}

}  // namespace

Schedules::Schedules(EngineHost& host, Engine& engine) : host_(host), engine_(engine) {
    const int64_t now = now_ms();
    for (ScheduleRow& row : engine_.read([](Store& store) { return store.schedules(); })) {
        Entry entry{std::move(row), std::nullopt};
        CronParseResult cron = parse_cron(entry.row.cron);
        if (cron.expression) {
            entry.cron = std::move(cron.expression);
            if (entry.row.enabled && entry.row.next_fire_at_ms == 0)
                entry.row.next_fire_at_ms = entry.cron->next_after(now).value_or(0);
        } else {
            entry.row.last_error = "the stored cron expression no longer parses: " + cron.error;
            host_.log_error("workflow schedule " + entry.row.id + " cannot fire: " + entry.row.last_error);
        }
        const std::string id = entry.row.id;
        entries_.emplace(id, std::move(entry));
    }
}

Schedules::~Schedules() {
    {
        std::unique_lock lock(lifetime_->mutex);  // waits for a timer or commit callback under way
        lifetime_->stopped = true;
    }
    std::lock_guard lock(mutex_);
    if (timer_id_ != 0) host_.cancel_timer(timer_id_);
}

void Schedules::start(int64_t delay_ms) {
    host_.run_after(delay_ms, [this, life = lifetime_] {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        std::lock_guard lock(mutex_);
        started_ = true;
        arm();
    });
}

// ---- the timer ----------------------------------------------------------------------------

void Schedules::arm() {
    if (!started_) return;
    int64_t earliest = 0;
    for (const auto& [id, entry] : entries_)
        if (entry.row.enabled && entry.cron && entry.row.next_fire_at_ms != 0)
            earliest = earliest == 0 ? entry.row.next_fire_at_ms : std::min(earliest, entry.row.next_fire_at_ms);
    if (earliest == 0) {  // nothing enabled: sleep until a change arms the timer again
        if (timer_id_ != 0) host_.cancel_timer(timer_id_);
        timer_id_ = 0;
        return;
    }
    const int64_t now = now_ms();
    const int64_t due = std::min(earliest, now + kMaxSleepMs);
    if (timer_id_ != 0 && timer_due_ms_ <= due) return;  // the armed timer rings first: it re-arms then
    if (timer_id_ != 0) host_.cancel_timer(timer_id_);
    const uint64_t generation = ++timer_generation_;
    timer_due_ms_ = due;
    // The host's timer runs on an I/O thread: hand the fire (SQLite work) to the blocking pool.
    timer_id_ = host_.run_after(std::max<int64_t>(0, due - now), [this, life = lifetime_, generation] {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        host_.post_blocking([this, life, generation] {
            std::shared_lock inner(life->mutex);
            if (!life->stopped) on_timer(generation);
        });
    });
}

void Schedules::on_timer(uint64_t generation) {
    struct Due {
        Entry entry;
        int64_t scheduled_ms;  // 0: no slot is due, only a queued fire may be
        int64_t next_ms;
    };
    std::vector<Due> due;
    const int64_t now = now_ms();
    {
        std::lock_guard lock(mutex_);
        if (generation == timer_generation_) timer_id_ = 0;
        for (auto& [id, entry] : entries_) {
            if (!entry.row.enabled || !entry.cron) continue;
            if (entry.row.next_fire_at_ms == 0 || entry.row.next_fire_at_ms > now) {
                // A queued fire whose run's end went unnoticed (a restart): this sweep starts it.
                if (entry.row.queued_fire_at_ms != 0) due.push_back({entry, 0, entry.row.next_fire_at_ms});
                continue;
            }
            // Counted from now, not from the missed slot: missed slots fire once, not once each.
            const int64_t scheduled = entry.row.next_fire_at_ms;
            entry.row.next_fire_at_ms = entry.cron->next_after(now).value_or(0);
            due.push_back({entry, scheduled, entry.row.next_fire_at_ms});
        }
        arm();
    }
    for (const Due& fire_now : due) fire_or_defer(fire_now.entry, fire_now.scheduled_ms, now, fire_now.next_ms);
}

bool Schedules::last_run_unfinished(const ScheduleRow& schedule) {
    if (schedule.last_run_id.empty()) return false;
    const std::optional<RunRow> run = engine_.read([&](Store& store) { return store.run(schedule.last_run_id); });
    return run && (run->status == RunStatus::running || run->status == RunStatus::paused);
}

// The overlap policy: a due slot (or a queued fire) starts a run now, or is skipped or kept.
// Two decisions for one schedule may race (a sweep and a run's end): the one that starts a run
// marks the entry `starting` until that run is stored, and the others find the schedule busy.
void Schedules::fire_or_defer(const Entry& due, int64_t scheduled_ms, int64_t now, int64_t next_ms) {
    if (due.row.overlap == "allow") {
        if (scheduled_ms != 0) fire(due, scheduled_ms, now, next_ms);
        return;
    }
    const bool unfinished = due.starting || last_run_unfinished(due.row);  // reads the store: unlocked
    Entry entry;
    int64_t slot = 0;
    bool start = false;
    {
        std::lock_guard lock(mutex_);
        auto found = entries_.find(due.row.id);
        if (found == entries_.end() || found->second.row.created_at_ms != due.row.created_at_ms) return;
        Entry& current = found->second;
        // Another decision started a run since `due` was copied: that run is the last one now.
        const bool busy = unfinished || current.starting || current.row.last_run_id != due.row.last_run_id;
        // A queued fire and a due slot start one run, the queued fire's (the older).
        slot = current.row.queued_fire_at_ms != 0 ? current.row.queued_fire_at_ms : scheduled_ms;
        if (slot == 0) return;                  // nothing due: the queued fire started meanwhile
        if (busy && scheduled_ms == 0) return;  // only the queued fire, and the run still goes
        if (!busy) {
            current.starting = true;
            current.row.queued_fire_at_ms = 0;
            start = true;
        } else if (current.row.overlap == "queue") {
            current.row.queued_fire_at_ms = slot;  // one kept at most, the oldest
        }
        entry = current;
    }
    if (start) return fire(entry, slot, now, next_ms);
    const ScheduleRow& row = entry.row;
    engine_.read([&](Store& store) {
        Transaction transaction(store.database());
        store.defer_schedule_fire(row.id, row.created_at_ms, row.queued_fire_at_ms, next_ms);
        transaction.commit();
    });
    host_.publish(row.overlap == "queue" ? "workflow.schedule.queued" : "workflow.schedule.skipped",
                  {{"schedule", row.id},
                   {"workflow", row.workflow},
                   {"scheduled_at_ms", scheduled_ms},
                   {"fired_at_ms", now},
                   {"running_run_id", row.last_run_id}});
}

void Schedules::run_ended(const std::string& run_id) {
    std::vector<Entry> waiting;
    {
        std::lock_guard lock(mutex_);
        if (!started_) return;  // the first sweep after start() sees it
        for (const auto& [id, entry] : entries_)
            if (entry.row.queued_fire_at_ms != 0 && entry.row.last_run_id == run_id && entry.row.enabled)
                waiting.push_back(entry);
    }
    if (waiting.empty()) return;  // most runs: no schedule waits for them
    host_.post_blocking([this, life = lifetime_, waiting = std::move(waiting)] {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        for (const Entry& entry : waiting) fire_or_defer(entry, 0, now_ms(), entry.row.next_fire_at_ms);
    });
}

void Schedules::fire(const Entry& entry, int64_t scheduled_ms, int64_t now, int64_t next_ms) {
    const ScheduleRow schedule = entry.row;
    const std::optional<RunRefused> refused = start_stored_run(
        engine_, {schedule.workflow, schedule.version, schedule.input},
        [this, life = lifetime_, schedule, scheduled_ms, now](const std::string& run_id, const StoredDefinition&) {
            std::shared_lock guard(life->mutex);
            if (!life->stopped) fired(schedule, scheduled_ms, now, run_id, "");
        },
        nullptr,
        [schedule, now, next_ms](Store& store, const std::string& run_id) {
            store.record_schedule_fire(schedule.id, schedule.created_at_ms, now, run_id, "", next_ms);
        });
    if (!refused) return;
    // No run: the fire is still recorded, with the reason, so the schedule moves on.
    const std::string error = "cannot start a run of " + schedule.workflow + ": " + refused->message;
    host_.log_error("workflow schedule " + schedule.id + ": " + error);
    engine_.read([&](Store& store) {
        Transaction transaction(store.database());
        store.record_schedule_fire(schedule.id, schedule.created_at_ms, now, "", error, next_ms);
        transaction.commit();
    });
    fired(schedule, scheduled_ms, now, "", error);
}

void Schedules::fired(const ScheduleRow& schedule, int64_t scheduled_ms, int64_t now, const std::string& run_id,
                      const std::string& error) {
    {
        std::lock_guard lock(mutex_);
        auto found = entries_.find(schedule.id);
        if (found != entries_.end() && found->second.row.created_at_ms == schedule.created_at_ms) {
            found->second.row.last_fire_at_ms = now;
            if (!run_id.empty()) found->second.row.last_run_id = run_id;
            found->second.row.last_error = error;
            found->second.row.queued_fire_at_ms = 0;
            found->second.starting = false;
        }
    }
    Json payload = {{"schedule", schedule.id},
                    {"workflow", schedule.workflow},
                    {"version", schedule.version ? Json(*schedule.version) : Json()},
                    {"scheduled_at_ms", scheduled_ms},
                    {"fired_at_ms", now}};
    if (error.empty()) {
        payload["run_id"] = run_id;
        host_.publish("workflow.schedule.fired", payload);
    } else {
        payload["error"] = error;
        host_.publish("workflow.schedule.failed", payload);
    }
}

// ---- operations -----------------------------------------------------------------------------

ScheduleAnswer Schedules::create(const Json& request) {
    CreateRequest parsed = read_create_request(request);
    if (!parsed.problem.empty()) return refuse(ScheduleProblem::bad_request, parsed.problem);
    ScheduleRow& row = parsed.row;
    const bool defined =
        engine_.read([&](Store& store) { return store.definition(row.workflow, row.version); }).has_value();
    if (!defined)
        return refuse(ScheduleProblem::unknown_workflow,
                      unknown_workflow_message(row.workflow, row.version) + "; define it first with workflow_define");
    std::lock_guard lock(mutex_);
    if (entries_.count(row.id) != 0)
        return refuse(ScheduleProblem::duplicate_id,
                      "a schedule with id \"" + row.id + "\" already exists; delete it first or choose another id");
    row.created_at_ms = now_ms();
    row.next_fire_at_ms = row.enabled ? parsed.cron->next_after(row.created_at_ms).value_or(0) : 0;
    engine_.read([&](Store& store) {
        Transaction transaction(store.database());
        store.insert_schedule(row);
        transaction.commit();
    });
    const std::string id = row.id;
    const Entry& entry = entries_.emplace(id, Entry{std::move(row), std::move(parsed.cron)}).first->second;
    arm();
    return answer(view(entry, 3));
}

Json Schedules::list() {
    std::lock_guard lock(mutex_);
    Json schedules = Json::array();
    for (const auto& [id, entry] : entries_) schedules.push_back(view(entry, 0));
    return schedules;
}

ScheduleAnswer Schedules::get(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    if (found == entries_.end()) return unknown(id);
    return answer(view(found->second, 3));
}

ScheduleAnswer Schedules::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    if (found == entries_.end()) return unknown(id);
    engine_.read([&](Store& store) {
        Transaction transaction(store.database());
        store.delete_schedule(id);
        transaction.commit();
    });
    entries_.erase(found);
    arm();
    return answer(id);
}

ScheduleAnswer Schedules::set_enabled(const std::string& id, bool enabled) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    if (found == entries_.end()) return unknown(id);
    Entry& entry = found->second;
    if (entry.row.enabled != enabled) {
        // Enabling counts from now: the slots missed while disabled do not fire.
        const int64_t next = enabled && entry.cron ? entry.cron->next_after(now_ms()).value_or(0) : 0;
        engine_.read([&](Store& store) {
            Transaction transaction(store.database());
            store.set_schedule_enabled(id, enabled, next);
            transaction.commit();
        });
        entry.row.enabled = enabled;
        entry.row.next_fire_at_ms = next;
        arm();
    }
    return answer(view(entry, 3));
}

// ---- views ------------------------------------------------------------------------------------

Json Schedules::view(const Entry& entry, size_t next_count) const {
    const ScheduleRow& row = entry.row;
    Json next_fires = Json::array();
    if (next_count > 0 && row.enabled && entry.cron && row.next_fire_at_ms != 0) {
        next_fires.push_back(utc_text(row.next_fire_at_ms));
        for (int64_t time : entry.cron->next_times(row.next_fire_at_ms, next_count - 1))
            next_fires.push_back(utc_text(time));
    }
    Json view = {{"id", row.id},
                 {"workflow", row.workflow},
                 {"version", row.version ? Json(*row.version) : Json()},
                 {"input", row.input},
                 {"cron", row.cron},
                 {"timezone", "UTC"},
                 {"enabled", row.enabled},
                 {"overlap", row.overlap},
                 {"created_at_ms", row.created_at_ms},
                 {"last_fire_at_ms", time_or_null(row.last_fire_at_ms)},
                 {"last_run_id", text_or_null(row.last_run_id)},
                 {"next_fire_at_ms", time_or_null(row.next_fire_at_ms)},
                 {"next_fire_at", row.next_fire_at_ms == 0 ? Json() : Json(utc_text(row.next_fire_at_ms))}};
    if (next_count > 0) view["next_fires"] = std::move(next_fires);
    if (!row.last_error.empty()) view["last_error"] = row.last_error;
    if (row.queued_fire_at_ms != 0) view["queued_fire_at_ms"] = row.queued_fire_at_ms;
    return view;
}

ScheduleAnswer Schedules::unknown(const std::string& id) const {
    return refuse(ScheduleProblem::unknown_schedule,
                  "no schedule with id \"" + id + "\"; list the schedules to see their ids");
}

}  // namespace workflow
