// schema.cpp: see schema.hpp. A step never changes once released: a new layout is a new step.
#include "schema.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "sources.hpp"

namespace switchboard::metrics {
namespace {

std::string join(const std::vector<std::string_view>& names, std::string_view separator, std::string_view prefix = {}) {
    std::string text;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += separator;
        text += prefix;
        text += names[i];
    }
    return text;
}

std::string measure_columns(const SourceSpec& spec) {
    std::string sql;
    for (const Measure& m : spec.measures)
        sql += std::string(m.name) + (m.integral ? " INTEGER" : " REAL") + " NOT NULL DEFAULT 0, ";
    return sql;
}

std::string rollup_table_sql(const SourceSpec& spec, std::string_view table,
                             std::string_view create = "CREATE TABLE ") {
    return std::string(create) + std::string(table) + " (bucket_ms INTEGER NOT NULL, dims_id INTEGER NOT NULL, " +
           measure_columns(spec) + "PRIMARY KEY (bucket_ms, dims_id)) WITHOUT ROWID;";
}

std::string dims_table_sql(const SourceSpec& spec) {
    std::string sql = "CREATE TABLE " + std::string(spec.dims_table) + " (id INTEGER PRIMARY KEY, ";
    for (auto dim : spec.rollup_dimensions) sql += std::string(dim) + " TEXT NOT NULL, ";
    sql += "UNIQUE (" + join(spec.rollup_dimensions, ", ") + "));";
    return sql;
}

// ---- version 1 ----------------------------------------------------------------------------------

const char* kSchemaV1 = R"sql(
CREATE TABLE llm_calls (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, operation TEXT NOT NULL, status TEXT NOT NULL,
    project TEXT NOT NULL, session TEXT NOT NULL, agent TEXT NOT NULL, role TEXT NOT NULL,
    team TEXT NOT NULL, workflow TEXT NOT NULL, run TEXT NOT NULL, task TEXT NOT NULL,
    tags TEXT NOT NULL,                      -- ",a,b," or "" so LIKE '%,a,%' finds one
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL, cache_creation_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, input_includes_cache INTEGER NOT NULL,
    cost_usd REAL, cost_source TEXT NOT NULL, price_key TEXT NOT NULL, price_version TEXT NOT NULL,
    latency_ms REAL, ttft_ms REAL);
CREATE INDEX llm_calls_ts ON llm_calls (ts_ms);
-- Partial: calls outside workflows (run and task empty) cost no index work at ingest.
CREATE INDEX llm_calls_run ON llm_calls (run, ts_ms) WHERE run <> '';
CREATE INDEX llm_calls_task ON llm_calls (task, model) WHERE task <> '';

CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    tool TEXT NOT NULL, plugin TEXT NOT NULL, outcome TEXT NOT NULL, session TEXT NOT NULL, client TEXT NOT NULL,
    duration_ms REAL NOT NULL, ok INTEGER NOT NULL, argument_bytes INTEGER NOT NULL, result_bytes INTEGER NOT NULL);
CREATE INDEX tool_calls_ts ON tool_calls (ts_ms);
CREATE INDEX tool_calls_tool ON tool_calls (tool, ts_ms);

CREATE TABLE price_versions (
    version TEXT PRIMARY KEY, first_used_ms INTEGER NOT NULL, sources TEXT NOT NULL, prices TEXT NOT NULL);

CREATE TABLE budgets (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('global', 'project', 'agent', 'team', 'model')),
    scope_value TEXT NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'total')),
    limit_usd REAL NOT NULL CHECK (limit_usd > 0),
    warn_ratio REAL NOT NULL CHECK (warn_ratio > 0 AND warn_ratio <= 1),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE (scope, scope_value, period));
-- One row per budget, period and kind that fired: the event is published only by the insert that
-- creates the row, so it fires once per period even across restarts.
CREATE TABLE budget_events (
    budget_id INTEGER NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
    period_start_ms INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'exceeded')),
    fired_ms INTEGER NOT NULL,
    spent_usd REAL NOT NULL,
    PRIMARY KEY (budget_id, period_start_ms, kind));
)sql";

void create_v1(Database& db) {
    db.exec(kSchemaV1);
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        db.exec(dims_table_sql(*spec));
        db.exec(rollup_table_sql(*spec, spec->hour_table));
        db.exec(rollup_table_sql(*spec, spec->day_table));
    }
}

// ---- version 2 ----------------------------------------------------------------------------------

const char* kLlmRowsV2 = R"sql(
CREATE TABLE llm_call_rows (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    dims_id INTEGER NOT NULL,                -- llm_dims.id: provider, model, ..., workflow
    session TEXT NOT NULL, run TEXT NOT NULL, task TEXT NOT NULL,
    tags TEXT NOT NULL,                      -- ",a,b," or "" so LIKE '%,a,%' finds one
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL, cache_creation_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, input_includes_cache INTEGER NOT NULL,
    cost_usd REAL, cost_source TEXT NOT NULL, price_key TEXT NOT NULL, price_version TEXT NOT NULL,
    latency_ms REAL, ttft_ms REAL);
)sql";

const char* kLlmIndexesV2 = R"sql(
CREATE INDEX llm_call_rows_ts ON llm_call_rows (ts_ms);
-- Partial: calls outside workflows (run and task empty) cost no index work at ingest.
CREATE INDEX llm_call_rows_run ON llm_call_rows (run, ts_ms) WHERE run <> '';
CREATE INDEX llm_call_rows_task ON llm_call_rows (task) WHERE task <> '';
-- Every column of version 1, so readers (and people with the sqlite3 shell) see one table.
CREATE VIEW llm_calls AS
SELECT r.id, r.ts_ms, d.provider, d.model, d.operation, d.status, d.project, r.session, d.agent, d.role,
       d.team, d.workflow, r.run, r.task, r.tags, r.input_tokens, r.output_tokens, r.cache_read_tokens,
       r.cache_creation_tokens, r.reasoning_tokens, r.input_includes_cache, r.cost_usd, r.cost_source,
       r.price_key, r.price_version, r.latency_ms, r.ttft_ms
FROM llm_call_rows r JOIN llm_dims d ON d.id = r.dims_id;
)sql";

const char* kToolRowsV2 = R"sql(
CREATE TABLE tool_call_rows (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    dims_id INTEGER NOT NULL,                -- tool_dims.id: tool, plugin, outcome, client
    session TEXT NOT NULL,
    duration_ms REAL NOT NULL, ok INTEGER NOT NULL, argument_bytes INTEGER NOT NULL, result_bytes INTEGER NOT NULL);
)sql";

const char* kToolIndexesV2 = R"sql(
CREATE INDEX tool_call_rows_ts ON tool_call_rows (ts_ms);
CREATE VIEW tool_calls AS
SELECT r.id, r.ts_ms, d.tool, d.plugin, d.outcome, r.session, d.client, r.duration_ms, r.ok, r.argument_bytes,
       r.result_bytes
FROM tool_call_rows r JOIN tool_dims d ON d.id = r.dims_id;
)sql";

std::string dimension_rollup_table_sql(const SourceSpec& spec, const DimensionRollup& rollup, std::string_view table,
                                       std::string_view create = "CREATE TABLE ") {
    return std::string(create) + std::string(table) + " (bucket_ms INTEGER NOT NULL, " + std::string(rollup.dimension) +
           " TEXT NOT NULL, " + measure_columns(spec) + "PRIMARY KEY (bucket_ms, " + std::string(rollup.dimension) +
           ")) WITHOUT ROWID;";
}

// Fills a dimension rollup from the raw view (the rows of version 1).
std::string dimension_rollup_fill_sql(const SourceSpec& spec, const DimensionRollup& rollup, std::string_view table,
                                      int64_t bucket_ms) {
    const std::string bucket = "ts_ms - ts_ms % " + std::to_string(bucket_ms);
    std::string columns = "bucket_ms, " + std::string(rollup.dimension);
    std::string values = bucket + ", " + std::string(rollup.dimension);
    for (const Measure& m : spec.measures) {
        columns += ", " + std::string(m.name);
        values += std::string(m.aggregate == Aggregate::max ? ", MAX(" : ", SUM(") + std::string(m.raw_expr) + ")";
    }
    return "INSERT INTO " + std::string(table) + " (" + columns + ") SELECT " + values + " FROM " +
           std::string(spec.raw_table) + " GROUP BY 1, 2";
}

void upgrade_to_v2(Database& db) {
    // Tuples of rows recorded before the dims tables existed cannot occur: version 1 created
    // them in the same transaction as the rows. INSERT OR IGNORE covers a hand-edited database.
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        const std::string dims = join(spec->rollup_dimensions, ", ");
        db.exec("INSERT OR IGNORE INTO " + std::string(spec->dims_table) + " (" + dims + ") SELECT DISTINCT " + dims +
                " FROM " + std::string(spec->raw_table));
    }
    db.exec("ALTER TABLE llm_calls RENAME TO llm_calls_v1");
    db.exec("ALTER TABLE tool_calls RENAME TO tool_calls_v1");
    db.exec(kLlmRowsV2);
    db.exec(kToolRowsV2);
    db.exec(
        "INSERT INTO llm_call_rows SELECT c.id, c.ts_ms, d.id, c.session, c.run, c.task, c.tags, c.input_tokens, "
        "c.output_tokens, c.cache_read_tokens, c.cache_creation_tokens, c.reasoning_tokens, c.input_includes_cache, "
        "c.cost_usd, c.cost_source, c.price_key, c.price_version, c.latency_ms, c.ttft_ms FROM llm_calls_v1 c "
        "JOIN llm_dims d ON d.provider = c.provider AND d.model = c.model AND d.operation = c.operation AND "
        "d.status = c.status AND d.project = c.project AND d.agent = c.agent AND d.role = c.role AND d.team = c.team "
        "AND d.workflow = c.workflow");
    db.exec(
        "INSERT INTO tool_call_rows SELECT c.id, c.ts_ms, d.id, c.session, c.duration_ms, c.ok, c.argument_bytes, "
        "c.result_bytes FROM tool_calls_v1 c JOIN tool_dims d ON d.tool = c.tool AND d.plugin = c.plugin AND "
        "d.outcome = c.outcome AND d.client = c.client");
    db.exec("DROP TABLE llm_calls_v1");
    db.exec("DROP TABLE tool_calls_v1");
    db.exec(kLlmIndexesV2);
    db.exec(kToolIndexesV2);
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        for (const DimensionRollup& rollup : spec->dimension_rollups) {
            db.exec(dimension_rollup_table_sql(*spec, rollup, rollup.hour_table));
            db.exec(dimension_rollup_table_sql(*spec, rollup, rollup.day_table));
            db.exec(dimension_rollup_fill_sql(*spec, rollup, rollup.hour_table, 3600 * 1000));
            db.exec(dimension_rollup_fill_sql(*spec, rollup, rollup.day_table, 24 * 3600 * 1000));
        }
    }
}

// ---- version 3 ----------------------------------------------------------------------------------

// Rollups are written after their records (store.hpp): each source's mark is the last row id its
// rollup tables cover. Up to version 2 they were written with the records, so they cover all.
const char* kRollupMarksV3 = R"sql(
CREATE TABLE rollup_marks (source TEXT PRIMARY KEY, rows_through INTEGER NOT NULL);
INSERT INTO rollup_marks SELECT 'llm', COALESCE(MAX(id), 0) FROM llm_call_rows;
INSERT INTO rollup_marks SELECT 'tools', COALESCE(MAX(id), 0) FROM tool_call_rows;
)sql";

// ---- version 4 ----------------------------------------------------------------------------------

// Every table of the rollups file, by its name in the main database.
std::vector<std::string> rollup_tables() {
    std::vector<std::string> tables;
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        tables.emplace_back(spec->hour_table);
        tables.emplace_back(spec->day_table);
        for (const DimensionRollup& rollup : spec->dimension_rollups) {
            tables.emplace_back(rollup.hour_table);
            tables.emplace_back(rollup.day_table);
        }
    }
    tables.emplace_back("rollup_marks");
    return tables;
}

void create_missing_rollup_tables(Database& db) {
    constexpr std::string_view create = "CREATE TABLE IF NOT EXISTS ";
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        db.exec(rollup_table_sql(*spec, "rollups." + std::string(spec->hour_table), create));
        db.exec(rollup_table_sql(*spec, "rollups." + std::string(spec->day_table), create));
        for (const DimensionRollup& rollup : spec->dimension_rollups) {
            db.exec(dimension_rollup_table_sql(*spec, rollup, "rollups." + std::string(rollup.hour_table), create));
            db.exec(dimension_rollup_table_sql(*spec, rollup, "rollups." + std::string(rollup.day_table), create));
        }
    }
    db.exec(
        "CREATE TABLE IF NOT EXISTS rollups.rollup_marks (source TEXT PRIMARY KEY, rows_through INTEGER NOT NULL);"
        "INSERT OR IGNORE INTO rollups.rollup_marks VALUES ('llm', 0), ('tools', 0);");
}

// The file's tables may hold a copy left by a crash between the two files' commits: emptied first.
void move_rollups_to_their_file(Database& db) {
    for (const std::string& table : rollup_tables()) {
        db.exec("DELETE FROM rollups." + table);
        db.exec("INSERT INTO rollups." + table + " SELECT * FROM main." + table);
        db.exec("DROP TABLE main." + table);
    }
}

}  // namespace

void attach_rollups(Database& db, const std::string& path) {
    db.prepare("ATTACH DATABASE ? AS rollups").bind(1, std::string_view(path)).run();
    db.exec("PRAGMA rollups.journal_mode=WAL");
    db.exec("PRAGMA rollups.cache_size=-65536");  // as the main database's (sqlite.cpp): queries read both
    Transaction transaction(db);
    create_missing_rollup_tables(db);
    transaction.commit();
}

void reset_rollups(Database& db) {
    Transaction transaction(db);
    for (const std::string& table : rollup_tables()) db.exec("DELETE FROM rollups." + table);
    create_missing_rollup_tables(db);
    transaction.commit();
}

void migrate(Database& db, int target) {
    const int version = db.user_version();
    if (version > kSchemaVersion)
        throw SqliteError("metrics.db has schema version " + std::to_string(version) + ", newer than this plugin's " +
                          std::to_string(kSchemaVersion) + "; use a newer plugin or another data_dir");
    for (int next = version + 1; next <= target; ++next) {
        Transaction transaction(db);
        if (next == 1) create_v1(db);
        if (next == 2) upgrade_to_v2(db);
        if (next == 3) db.exec(kRollupMarksV3);
        if (next == 4) move_rollups_to_their_file(db);
        db.set_user_version(next);
        transaction.commit();
    }
}

}  // namespace switchboard::metrics
