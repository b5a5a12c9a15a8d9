// store.cpp: see store.hpp.
#include "store.hpp"

#include <map>

namespace workflow {

namespace {

// Migrations by user_version: entry i moves the schema from version i to i + 1.
const char* const kMigrations[] = {
    R"sql(
    CREATE TABLE definitions (
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      document TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (name, version)
    );
    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      status TEXT NOT NULL,
      input TEXT NOT NULL,
      output TEXT,
      error TEXT,
      created_at INTEGER NOT NULL,
      finished_at INTEGER,
      FOREIGN KEY (name, version) REFERENCES definitions (name, version)
    );
    CREATE INDEX runs_by_status ON runs (status);
    CREATE TABLE tasks (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      task_id TEXT NOT NULL,
      status TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      input TEXT,
      output TEXT,
      error TEXT,
      error_kind TEXT,
      not_before INTEGER NOT NULL DEFAULT 0,
      started_at INTEGER,
      finished_at INTEGER,
      PRIMARY KEY (run_id, task_id)
    );
    CREATE TABLE events (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      at INTEGER NOT NULL,
      type TEXT NOT NULL,
      task_id TEXT,
      data TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)
    );
    )sql",
    // 2: signals sent to runs, and the parent of a sub-workflow run.
    R"sql(
    CREATE TABLE signals (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      name TEXT NOT NULL,
      payload TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      consumed_by TEXT,
      PRIMARY KEY (run_id, seq)
    );
    ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
    ALTER TABLE runs ADD COLUMN parent_task_id TEXT;
    CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
    )sql",
    // 3: cron schedules that start runs. version NULL: the latest version at fire time.
    // next_fire_at is NULL while the schedule is disabled.
    R"sql(
    CREATE TABLE schedules (
      id TEXT PRIMARY KEY,
      workflow TEXT NOT NULL,
      version INTEGER,
      input TEXT NOT NULL,
      cron TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      last_fire_at INTEGER,
      next_fire_at INTEGER,
      last_run_id TEXT,
      last_error TEXT
    );
    )sql",
    // 4: a run's dispatch priority (workflow_run's `priority`), kept so a resumed run keeps it.
    R"sql(
    ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 5: budgets that hold LLM-bound work (the metrics.budget.exceeded payload), a run a user let
    // go on despite them, and a schedule's overlap policy with its one queued fire.
    R"sql(
    CREATE TABLE budget_holds (
      budget_id INTEGER PRIMARY KEY,
      status TEXT NOT NULL,
      held_at INTEGER NOT NULL
    );
    ALTER TABLE runs ADD COLUMN ignore_budgets INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE schedules ADD COLUMN overlap TEXT NOT NULL DEFAULT 'allow';
    ALTER TABLE schedules ADD COLUMN queued_fire_at INTEGER;
    )sql",
};

std::optional<std::string> optional_dump(const Json& value) {
    return value.is_null() ? std::nullopt : std::optional<std::string>(value.dump());
}
Json parse_or_null(const std::optional<std::string>& text) {
    return text && !text->empty() ? Json::parse(*text) : Json();
}
std::optional<std::string> nonzero(int64_t value) {
    return value == 0 ? std::nullopt : std::optional<std::string>(std::to_string(value));
}

}  // namespace

Store::Store(const std::string& path, Synchronous synchronous) : db_(path) {
    if (synchronous == Synchronous::full) db_.exec("PRAGMA synchronous=FULL");  // the SDK opens with NORMAL
    migrate();
}

void Store::migrate() {
    Statement& version_query = db_.prepare("PRAGMA user_version");
    version_query.step();
    const int64_t current = version_query.integer(0);
    version_query.reset();
    const auto target = static_cast<int64_t>(std::size(kMigrations));
    for (int64_t version = current; version < target; ++version) {
        Transaction transaction(db_);
        db_.exec(kMigrations[version]);
        db_.exec("PRAGMA user_version = " + std::to_string(version + 1));
        transaction.commit();
    }
}

int64_t Store::add_definition(const std::string& name, const Json& document, int64_t now_ms) {
    Statement& latest = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM definitions WHERE name = ?");
    latest.bind(1, name).step();
    const int64_t version = latest.integer(0) + 1;
    latest.reset();
    db_.prepare("INSERT INTO definitions (name, version, document, created_at) VALUES (?, ?, ?, ?)")
        .bind(1, name)
        .bind(2, version)
        .bind(3, document.dump())
        .bind(4, now_ms)
        .run();
    return version;
}

std::optional<StoredDefinition> Store::definition(const std::string& name, std::optional<int64_t> version) {
    Statement& query = version ? db_.prepare(
                                     "SELECT version, document, created_at FROM definitions WHERE name = ? AND "
                                     "version = ?")
                               : db_.prepare(
                                     "SELECT version, document, created_at FROM definitions WHERE name = ? ORDER BY "
                                     "version DESC LIMIT 1");
    query.bind(1, name);
    if (version) query.bind(2, *version);
    if (!query.step()) return std::nullopt;
    StoredDefinition found{name, query.integer(0), Json::parse(query.text(1)), query.integer(2)};
    query.reset();
    return found;
}

Json Store::list_definitions() {
    Statement& query = db_.prepare(
        "SELECT d.name, d.version, d.document, d.created_at FROM definitions d JOIN (SELECT name, MAX(version) AS v "
        "FROM definitions GROUP BY name) latest ON d.name = latest.name AND d.version = latest.v ORDER BY d.name");
    Json list = Json::array();
    while (query.step()) {
        const Json document = Json::parse(query.text(2));
        list.push_back({{"name", query.text(0)},
                        {"latest_version", query.integer(1)},
                        {"description", document.value("description", "")},
                        {"tasks", document.contains("tasks") ? document["tasks"].size() : 0},
                        {"created_at_ms", query.integer(3)}});
    }
    return list;
}

void Store::insert_run(const RunRow& run) {
    db_.prepare(
           "INSERT INTO runs (id, name, version, status, input, created_at, parent_run_id, parent_task_id, priority, "
           "ignore_budgets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, run.id)
        .bind(2, run.name)
        .bind(3, run.version)
        .bind(4, std::string(to_string(run.status)))
        .bind(5, run.input.dump())
        .bind(6, run.created_at_ms)
        .bind(7, run.parent_run_id.empty() ? std::nullopt : std::optional<std::string>(run.parent_run_id))
        .bind(8, run.parent_task_id.empty() ? std::nullopt : std::optional<std::string>(run.parent_task_id))
        .bind(9, static_cast<int64_t>(run.priority))
        .bind(10, int64_t{run.ignore_budgets ? 1 : 0})
        .run();
    for (const TaskRow& task : run.tasks) upsert_task(run.id, task);
}

void Store::update_run(const RunRow& run) {
    db_.prepare("UPDATE runs SET status = ?, output = ?, error = ?, finished_at = ?, ignore_budgets = ? WHERE id = ?")
        .bind(1, std::string(to_string(run.status)))
        .bind(2, optional_dump(run.output))
        .bind(3, optional_dump(run.error))
        .bind(4, nonzero(run.finished_at_ms))
        .bind(5, int64_t{run.ignore_budgets ? 1 : 0})
        .bind(6, run.id)
        .run();
}

void Store::upsert_task(const std::string& run_id, const TaskRow& task) {
    db_.prepare(
           "INSERT INTO tasks (run_id, task_id, status, attempt, input, output, error, error_kind, not_before, "
           "started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, task_id) DO "
           "UPDATE SET status = excluded.status, attempt = excluded.attempt, input = excluded.input, output = "
           "excluded.output, error = excluded.error, error_kind = excluded.error_kind, not_before = "
           "excluded.not_before, started_at = excluded.started_at, finished_at = excluded.finished_at")
        .bind(1, run_id)
        .bind(2, task.task_id)
        .bind(3, std::string(to_string(task.state.status)))
        .bind(4, static_cast<int64_t>(task.state.attempt))
        .bind(5, optional_dump(task.input))
        .bind(6, optional_dump(task.state.output))
        .bind(7, optional_dump(task.state.error))
        .bind(8, task.state.error_kind.empty() ? std::nullopt : std::optional<std::string>(task.state.error_kind))
        .bind(9, task.state.not_before_ms)
        .bind(10, nonzero(task.started_at_ms))
        .bind(11, nonzero(task.finished_at_ms))
        .run();
}

void Store::append_event(const std::string& run_id, int64_t seq, int64_t at_ms, const std::string& type,
                         const std::string& task_id, const Json& data) {
    db_.prepare("INSERT INTO events (run_id, seq, at, type, task_id, data) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, run_id)
        .bind(2, seq)
        .bind(3, at_ms)
        .bind(4, type)
        .bind(5, task_id.empty() ? std::nullopt : std::optional<std::string>(task_id))
        .bind(6, data.dump())
        .run();
}

std::optional<RunRow> Store::run(const std::string& id) {
    Statement& query = db_.prepare(
        "SELECT name, version, status, input, output, error, created_at, COALESCE(finished_at, 0), (SELECT "
        "COALESCE(MAX(seq), 0) FROM events WHERE run_id = runs.id), COALESCE(parent_run_id, ''), "
        "COALESCE(parent_task_id, ''), priority, ignore_budgets FROM runs WHERE id = ?");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    RunRow run;
    run.id = id;
    run.name = query.text(0);
    run.version = query.integer(1);
    run.status = run_status_from(query.text(2)).value_or(RunStatus::running);
    run.input = Json::parse(query.text(3));
    run.output = parse_or_null(query.optional_text(4));
    run.error = parse_or_null(query.optional_text(5));
    run.created_at_ms = query.integer(6);
    run.finished_at_ms = query.integer(7);
    run.last_seq = query.integer(8);
    run.parent_run_id = query.text(9);
    run.parent_task_id = query.text(10);
    run.priority = static_cast<int>(query.integer(11));
    run.ignore_budgets = query.integer(12) != 0;
    query.reset();
    Statement& tasks = db_.prepare(
        "SELECT task_id, status, attempt, input, output, error, error_kind, not_before, COALESCE(started_at, 0), "
        "COALESCE(finished_at, 0) FROM tasks WHERE run_id = ? ORDER BY rowid");
    tasks.bind(1, id);
    while (tasks.step()) {
        TaskRow task;
        task.task_id = tasks.text(0);
        task.state.status = task_status_from(tasks.text(1)).value_or(TaskStatus::pending);
        task.state.attempt = static_cast<int>(tasks.integer(2));
        task.input = parse_or_null(tasks.optional_text(3));
        task.state.output = parse_or_null(tasks.optional_text(4));
        task.state.error = parse_or_null(tasks.optional_text(5));
        task.state.error_kind = tasks.optional_text(6).value_or("");
        task.state.not_before_ms = tasks.integer(7);
        task.started_at_ms = tasks.integer(8);
        task.finished_at_ms = tasks.integer(9);
        run.tasks.push_back(std::move(task));
    }
    return run;
}

void Store::add_signal(const std::string& run_id, const Signal& signal, int64_t at_ms) {
    db_.prepare("INSERT INTO signals (run_id, seq, name, payload, received_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, run_id)
        .bind(2, signal.seq)
        .bind(3, signal.name)
        .bind(4, signal.payload.dump())
        .bind(5, at_ms)
        .run();
}

void Store::consume_signal(const std::string& run_id, int64_t seq, const std::string& task_id) {
    db_.prepare("UPDATE signals SET consumed_by = ? WHERE run_id = ? AND seq = ?")
        .bind(1, task_id)
        .bind(2, run_id)
        .bind(3, seq)
        .run();
}

std::vector<Signal> Store::pending_signals(const std::string& run_id) {
    Statement& query =
        db_.prepare("SELECT seq, name, payload FROM signals WHERE run_id = ? AND consumed_by IS NULL ORDER BY seq");
    query.bind(1, run_id);
    std::vector<Signal> signals;
    while (query.step()) signals.push_back({query.integer(0), query.text(1), Json::parse(query.text(2))});
    return signals;
}

std::vector<std::string> Store::unfinished_run_ids() {
    Statement& query = db_.prepare("SELECT id FROM runs WHERE status = 'running' ORDER BY created_at");
    std::vector<std::string> ids;
    while (query.step()) ids.push_back(query.text(0));
    return ids;
}

Json Store::list_runs(const std::string& name, const std::string& status, int64_t limit) {
    Statement& query = db_.prepare(
        "SELECT id, name, version, status, created_at, COALESCE(finished_at, 0) FROM runs WHERE (?1 = '' OR name = "
        "?1) AND (?2 = '' OR status = ?2) ORDER BY created_at DESC, id LIMIT ?3");
    query.bind(1, name).bind(2, status).bind(3, limit);
    Json list = Json::array();
    while (query.step()) {
        list.push_back({{"run_id", query.text(0)},
                        {"name", query.text(1)},
                        {"version", query.integer(2)},
                        {"status", query.text(3)},
                        {"created_at_ms", query.integer(4)},
                        {"finished_at_ms", query.integer(5)}});
    }
    return list;
}

Json Store::history(const std::string& run_id, int64_t after_seq, int64_t limit) {
    Statement& query = db_.prepare(
        "SELECT seq, at, type, COALESCE(task_id, ''), data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq "
        "LIMIT ?");
    query.bind(1, run_id).bind(2, after_seq).bind(3, limit);
    Json events = Json::array();
    while (query.step()) {
        Json event = {{"seq", query.integer(0)}, {"at_ms", query.integer(1)}, {"type", query.text(2)}};
        if (!query.text(3).empty()) event["task"] = query.text(3);
        event["data"] = Json::parse(query.text(4));
        events.push_back(std::move(event));
    }
    return events;
}

Json run_to_json(const RunRow& run) {
    Json tasks = Json::array();
    std::map<std::string, size_t> position;  // task id -> index in `tasks`
    std::vector<const TaskRow*> items;       // map items, listed under their map
    size_t done = 0;
    for (const TaskRow& task : run.tasks) {
        const size_t bracket = task.task_id.find('[');
        Json entry = {{"status", to_string(task.state.status)},
                      {"attempt", task.state.attempt},
                      {"input", task.input},
                      {"output", task.state.output},
                      {"error", task.state.error}};
        if (!task.state.error_kind.empty()) entry["error_kind"] = task.state.error_kind;
        if (task.started_at_ms != 0) entry["started_at_ms"] = task.started_at_ms;
        if (task.finished_at_ms != 0) entry["finished_at_ms"] = task.finished_at_ms;
        if (bracket != std::string::npos) {
            items.push_back(&task);
            continue;
        }
        done += is_terminal(task.state.status) ? 1 : 0;
        entry["id"] = task.task_id;
        position[task.task_id] = tasks.size();
        tasks.push_back(std::move(entry));
    }
    // Items that started, in item order, as "items" of their map's entry.
    std::map<std::pair<std::string, int64_t>, Json> sorted;
    for (const TaskRow* item : items) {
        const size_t bracket = item->task_id.find('[');
        const int64_t index = std::stoll(item->task_id.substr(bracket + 1));
        Json entry = {{"index", index},
                      {"status", to_string(item->state.status)},
                      {"attempt", item->state.attempt},
                      {"output", item->state.output},
                      {"error", item->state.error}};
        if (!item->state.error_kind.empty()) entry["error_kind"] = item->state.error_kind;
        sorted[{item->task_id.substr(0, bracket), index}] = std::move(entry);
    }
    for (auto& [key, entry] : sorted) {
        auto map = position.find(key.first);
        if (map != position.end()) tasks[map->second]["items"].push_back(std::move(entry));
    }
    const size_t total = tasks.size();
    Json result = {{"run_id", run.id},
                   {"name", run.name},
                   {"version", run.version},
                   {"status", to_string(run.status)},
                   {"input", run.input},
                   {"output", run.output},
                   {"error", run.error},
                   {"progress", total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total)},
                   {"created_at_ms", run.created_at_ms},
                   {"tasks", tasks}};
    if (run.finished_at_ms != 0) result["finished_at_ms"] = run.finished_at_ms;
    if (!run.parent_run_id.empty()) result["parent"] = {{"run_id", run.parent_run_id}, {"task", run.parent_task_id}};
    if (run.priority != 0) result["priority"] = run.priority;
    if (run.ignore_budgets) result["ignore_budgets"] = true;
    return result;
}

void Store::put_budget_hold(int64_t budget_id, const Json& status, int64_t at_ms) {
    db_.prepare("INSERT OR REPLACE INTO budget_holds (budget_id, status, held_at) VALUES (?, ?, ?)")
        .bind(1, budget_id)
        .bind(2, status.dump())
        .bind(3, at_ms)
        .run();
}

void Store::delete_budget_hold(int64_t budget_id) {
    db_.prepare("DELETE FROM budget_holds WHERE budget_id = ?").bind(1, budget_id).run();
}

std::vector<Json> Store::budget_holds() {
    std::vector<Json> holds;
    Statement& query = db_.prepare("SELECT status FROM budget_holds ORDER BY budget_id");
    while (query.step()) holds.push_back(Json::parse(query.text(0)));
    query.reset();
    return holds;
}

}  // namespace workflow
