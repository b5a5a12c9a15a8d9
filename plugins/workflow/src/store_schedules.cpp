// store_schedules.cpp: the schedules table of the workflow store (see store.hpp).
#include "store.hpp"

namespace workflow {

namespace {
std::optional<std::string> null_if_empty(const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}
}  // namespace

std::vector<ScheduleRow> Store::schedules() {
    Statement& query = db_.prepare(
        "SELECT id, workflow, version, input, cron, enabled, created_at, COALESCE(last_fire_at, 0), "
        "COALESCE(next_fire_at, 0), COALESCE(last_run_id, ''), COALESCE(last_error, ''), overlap, "
        "COALESCE(queued_fire_at, 0) FROM schedules ORDER BY id");
    std::vector<ScheduleRow> rows;
    while (query.step()) {
        ScheduleRow row;
        row.id = query.text(0);
        row.workflow = query.text(1);
        if (!query.is_null(2)) row.version = query.integer(2);
        row.input = Json::parse(query.text(3));
        row.cron = query.text(4);
        row.enabled = query.integer(5) != 0;
        row.created_at_ms = query.integer(6);
        row.last_fire_at_ms = query.integer(7);
        row.next_fire_at_ms = query.integer(8);
        row.last_run_id = query.text(9);
        row.last_error = query.text(10);
        row.overlap = query.text(11);
        row.queued_fire_at_ms = query.integer(12);
        rows.push_back(std::move(row));
    }
    return rows;
}

void Store::insert_schedule(const ScheduleRow& schedule) {
    Statement& insert = db_.prepare(
        "INSERT INTO schedules (id, workflow, version, input, cron, enabled, created_at, next_fire_at, overlap) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, schedule.id).bind(2, schedule.workflow);
    if (schedule.version)
        insert.bind(3, *schedule.version);
    else
        insert.bind_null(3);
    insert.bind(4, schedule.input.dump())
        .bind(5, schedule.cron)
        .bind(6, int64_t{schedule.enabled ? 1 : 0})
        .bind(7, schedule.created_at_ms);
    if (schedule.enabled)
        insert.bind(8, schedule.next_fire_at_ms);
    else
        insert.bind_null(8);
    insert.bind(9, schedule.overlap).run();
}

bool Store::delete_schedule(const std::string& id) {
    db_.prepare("DELETE FROM schedules WHERE id = ?").bind(1, id).run();
    return db_.changes() > 0;
}

void Store::set_schedule_enabled(const std::string& id, bool enabled, int64_t next_fire_ms) {
    Statement& update = db_.prepare("UPDATE schedules SET enabled = ?, next_fire_at = ? WHERE id = ?");
    update.bind(1, int64_t{enabled ? 1 : 0});
    if (enabled)
        update.bind(2, next_fire_ms);
    else
        update.bind_null(2);
    update.bind(3, id).run();
}

void Store::record_schedule_fire(const std::string& id, int64_t created_at_ms, int64_t fired_at_ms,
                                 const std::string& run_id, const std::string& error, int64_t next_fire_ms) {
    db_.prepare(
           "UPDATE schedules SET last_fire_at = ?1, last_run_id = COALESCE(?2, last_run_id), last_error = ?3, "
           "queued_fire_at = NULL, next_fire_at = CASE WHEN enabled = 1 THEN MAX(COALESCE(next_fire_at, 0), ?4) END "
           "WHERE id = ?5 AND created_at = ?6")
        .bind(1, fired_at_ms)
        .bind(2, null_if_empty(run_id))
        .bind(3, null_if_empty(error))
        .bind(4, next_fire_ms)
        .bind(5, id)
        .bind(6, created_at_ms)
        .run();
}

void Store::defer_schedule_fire(const std::string& id, int64_t created_at_ms, int64_t queued_fire_ms,
                                int64_t next_fire_ms) {
    db_.prepare(
           "UPDATE schedules SET queued_fire_at = ?1, next_fire_at = CASE WHEN enabled = 1 THEN "
           "MAX(COALESCE(next_fire_at, 0), ?2) END WHERE id = ?3 AND created_at = ?4")
        .bind(1, queued_fire_ms == 0 ? std::nullopt : std::optional<std::string>(std::to_string(queued_fire_ms)))
        .bind(2, next_fire_ms)
        .bind(3, id)
        .bind(4, created_at_ms)
        .run();
}

}  // namespace workflow
