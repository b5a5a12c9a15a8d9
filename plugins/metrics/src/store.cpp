// store.cpp: schema migrations and the batched write path.
#include "store.hpp"

#include <map>

#include "cost.hpp"
#include "sources.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

std::string join(const std::vector<std::string_view>& names, std::string_view separator, std::string_view suffix = {}) {
    std::string text;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += separator;
        text += names[i];
        text += suffix;
    }
    return text;
}

std::string rollup_table_sql(const SourceSpec& spec, std::string_view table) {
    std::string sql = "CREATE TABLE " + std::string(table) + " (bucket_ms INTEGER NOT NULL, dims_id INTEGER NOT NULL, ";
    for (const Measure& m : spec.measures)
        sql += std::string(m.name) + (m.integral ? " INTEGER" : " REAL") + " NOT NULL DEFAULT 0, ";
    sql += "PRIMARY KEY (bucket_ms, dims_id)) WITHOUT ROWID;";
    return sql;
}

std::string dims_table_sql(const SourceSpec& spec) {
    std::string sql = "CREATE TABLE " + std::string(spec.dims_table) + " (id INTEGER PRIMARY KEY, ";
    for (auto dim : spec.rollup_dimensions) sql += std::string(dim) + " TEXT NOT NULL, ";
    sql += "UNIQUE (" + join(spec.rollup_dimensions, ", ") + "));";
    return sql;
}

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

// Sums one batch per (bucket, dimension tuple) before touching SQLite: a batch of 10k calls from a
// handful of agents becomes a handful of upserts.
class RollupBatch {
 public:
    explicit RollupBatch(const SourceSpec& spec) : spec_(spec) {}

    void add(int64_t bucket_ms, int64_t dims_id, const std::vector<double>& values) {
        auto [it, inserted] = sums_.try_emplace({bucket_ms, dims_id}, values);
        if (inserted) return;
        for (size_t i = 0; i < values.size(); ++i) {
            if (spec_.measures[i].aggregate == Aggregate::max)
                it->second[i] = std::max(it->second[i], values[i]);
            else
                it->second[i] += values[i];
        }
    }

    void write(Database& db, std::string_view table) const {
        if (sums_.empty()) return;
        std::string columns = "bucket_ms, dims_id";
        std::string placeholders = "?, ?";
        std::string updates;
        for (const Measure& m : spec_.measures) {
            const std::string name(m.name);
            if (!updates.empty()) updates += ", ";
            updates += name + " = " +
                       (m.aggregate == Aggregate::max ? "MAX(" + name + ", excluded." + name + ")"
                                                      : name + " + excluded." + name);
            columns += ", " + name;
            placeholders += ", ?";
        }
        Statement upsert = db.prepare("INSERT INTO " + std::string(table) + " (" + columns + ") VALUES (" +
                                      placeholders + ") ON CONFLICT (bucket_ms, dims_id) DO UPDATE SET " + updates);
        for (const auto& [key, values] : sums_) {
            upsert.bind(1, key.first).bind(2, key.second);
            for (size_t i = 0; i < values.size(); ++i) {
                const int index = static_cast<int>(i + 3);
                if (spec_.measures[i].integral)
                    upsert.bind(index, static_cast<int64_t>(values[i]));
                else
                    upsert.bind(index, values[i]);
            }
            upsert.run();
        }
    }

 private:
    const SourceSpec& spec_;
    std::map<std::pair<int64_t, int64_t>, std::vector<double>> sums_;
};

// Positions of a source's rollup dimensions among all its dimensions.
std::vector<size_t> rollup_positions(const SourceSpec& spec) {
    std::vector<size_t> positions;
    for (auto dim : spec.rollup_dimensions)
        for (size_t i = 0; i < spec.dimensions.size(); ++i)
            if (spec.dimensions[i] == dim) positions.push_back(i);
    return positions;
}

std::string tags_column(const std::vector<std::string>& tags) {
    if (tags.empty()) return {};
    std::string text = ",";
    for (const std::string& tag : tags) text += tag + ",";
    return text;
}

}  // namespace

Store::Store(const std::string& path) : db_(path) { migrate(); }

void Store::migrate() {
    std::lock_guard lock(mutex_);
    const int version = db_.user_version();
    if (version > kSchemaVersion)
        throw SqliteError("metrics.db has schema version " + std::to_string(version) + ", newer than this plugin's " +
                          std::to_string(kSchemaVersion) + "; use a newer plugin or another data_dir");
    if (version == kSchemaVersion) return;
    Transaction transaction(db_);
    db_.exec(kSchemaV1);
    for (const SourceSpec* spec : {&llm_source(), &tool_source()}) {
        db_.exec(dims_table_sql(*spec));
        db_.exec(rollup_table_sql(*spec, spec->hour_table));
        db_.exec(rollup_table_sql(*spec, spec->day_table));
    }
    db_.set_user_version(kSchemaVersion);
    transaction.commit();
}

int64_t Store::dims_id(const SourceSpec& spec, const std::string* dims) {
    static const std::vector<size_t> llm_positions = rollup_positions(llm_source());
    static const std::vector<size_t> tool_positions = rollup_positions(tool_source());
    const std::vector<size_t>& positions = &spec == &llm_source() ? llm_positions : tool_positions;
    std::string key;
    for (size_t position : positions) {
        key += dims[position];
        key += '\x1f';
    }
    auto& ids = dims_ids_[spec.name];
    if (auto found = ids.find(key); found != ids.end()) return found->second;

    std::string columns = join(spec.rollup_dimensions, ", ");
    std::string placeholders = "?";
    std::string match;
    for (size_t i = 0; i < positions.size(); ++i) {
        if (i > 0) placeholders += ", ?";
        match += (i > 0 ? " AND " : "") + std::string(spec.rollup_dimensions[i]) + " = ?";
    }
    const std::string table(spec.dims_table);
    Statement insert_tuple =
        db_.prepare("INSERT OR IGNORE INTO " + table + " (" + columns + ") VALUES (" + placeholders + ")");
    Statement select_tuple = db_.prepare("SELECT id FROM " + table + " WHERE " + match);
    for (size_t i = 0; i < positions.size(); ++i) {
        insert_tuple.bind(static_cast<int>(i + 1), std::string_view(dims[positions[i]]));
        select_tuple.bind(static_cast<int>(i + 1), std::string_view(dims[positions[i]]));
    }
    insert_tuple.run();
    if (!select_tuple.step()) throw SqliteError("metrics: a dimension tuple vanished from " + table);
    const int64_t id = select_tuple.int64(0);
    ids.emplace(std::move(key), id);
    return id;
}

void Store::insert(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls) {
    if (llm_calls.empty() && tool_calls.empty()) return;
    std::lock_guard lock(mutex_);
    try {
        insert_locked(llm_calls, tool_calls);
    } catch (...) {
        dims_ids_.clear();  // tuples created by the rolled-back transaction are gone
        throw;
    }
}

void Store::insert_locked(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls) {
    Transaction transaction(db_);

    if (!llm_calls.empty()) {
        const SourceSpec& spec = llm_source();
        RollupBatch hours(spec), days(spec);
        Statement insert_call = db_.prepare(
            "INSERT INTO llm_calls (ts_ms, provider, model, operation, status, project, session, agent, role, team, "
            "workflow, run, task, tags, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, "
            "reasoning_tokens, input_includes_cache, cost_usd, cost_source, price_key, price_version, latency_ms, "
            "ttft_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const LlmCall& call : llm_calls) {
            int index = 1;
            insert_call.bind(index++, call.ts_ms);
            for (const std::string& dim : call.dims) insert_call.bind(index++, std::string_view(dim));
            insert_call.bind(index++, std::string_view(tags_column(call.tags)));
            insert_call.bind(index++, call.tokens.input);
            insert_call.bind(index++, call.tokens.output);
            insert_call.bind(index++, call.tokens.cache_read);
            insert_call.bind(index++, call.tokens.cache_creation);
            insert_call.bind(index++, call.tokens.reasoning);
            insert_call.bind(index++, int64_t{call.tokens.input_includes_cache ? 1 : 0});
            insert_call.bind(index++, call.cost_usd);
            insert_call.bind(index++, cost_source_name(call.cost_source));
            insert_call.bind(index++, std::string_view(call.price_key));
            insert_call.bind(index++, std::string_view(call.price_version));
            insert_call.bind(index++, call.latency_ms);
            insert_call.bind(index++, call.ttft_ms);
            insert_call.run();

            const std::vector<double> values = measure_values(call);
            const int64_t dims = dims_id(spec, call.dims.data());
            hours.add(bucket_start(Bucket::hour, call.ts_ms), dims, values);
            days.add(bucket_start(Bucket::day, call.ts_ms), dims, values);
        }
        hours.write(db_, spec.hour_table);
        days.write(db_, spec.day_table);
    }

    if (!tool_calls.empty()) {
        const SourceSpec& spec = tool_source();
        RollupBatch hours(spec), days(spec);
        Statement insert_call = db_.prepare(
            "INSERT INTO tool_calls (ts_ms, tool, plugin, outcome, session, client, duration_ms, ok, argument_bytes, "
            "result_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const ToolCall& call : tool_calls) {
            int index = 1;
            insert_call.bind(index++, call.ts_ms);
            for (const std::string& dim : call.dims) insert_call.bind(index++, std::string_view(dim));
            insert_call.bind(index++, call.duration_ms);
            insert_call.bind(index++, int64_t{call.ok ? 1 : 0});
            insert_call.bind(index++, call.argument_bytes);
            insert_call.bind(index++, call.result_bytes);
            insert_call.run();

            const std::vector<double> values = measure_values(call);
            const int64_t dims = dims_id(spec, call.dims.data());
            hours.add(bucket_start(Bucket::hour, call.ts_ms), dims, values);
            days.add(bucket_start(Bucket::day, call.ts_ms), dims, values);
        }
        hours.write(db_, spec.hour_table);
        days.write(db_, spec.day_table);
    }
    transaction.commit();
}

void Store::remember_prices(const std::string& version, const std::string& sources, const std::string& table_json) {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT OR IGNORE INTO price_versions (version, first_used_ms, sources, prices) VALUES (?, ?, ?, ?)")
        .bind(1, std::string_view(version))
        .bind(2, now_ms())
        .bind(3, std::string_view(sources))
        .bind(4, std::string_view(table_json))
        .run();
}

}  // namespace switchboard::metrics
