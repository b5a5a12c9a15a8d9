// store.cpp: the batched write path.
//
// One transaction per batch: each record is one insert of a compact row (the id of its dimension
// tuple, not the tuple's text), and its measures are summed in memory per rollup key first, so
// a batch costs one upsert per distinct (bucket, tuple) and (bucket, session) rather than per
// record.
#include "store.hpp"

#include <algorithm>

#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

// Sums of one batch per (bucket start, key), written as upserts in key order.
template <typename Key>
class RollupSums {
 public:
    explicit RollupSums(const SourceSpec& spec) : spec_(spec) {}

    void add(int64_t bucket_ms, const Key& key, const MeasureValues& values) {
        auto [it, inserted] = sums_.try_emplace({bucket_ms, key}, values);
        if (inserted) return;
        for (size_t i = 0; i < spec_.measures.size(); ++i) {
            if (spec_.measures[i].aggregate == Aggregate::max)
                it->second[i] = std::max(it->second[i], values[i]);
            else
                it->second[i] += values[i];
        }
    }

    // INSERT ... ON CONFLICT DO UPDATE for `table` keyed by (bucket_ms, `key_column`).
    std::string upsert_sql(std::string_view table, std::string_view key_column) const {
        std::string columns = "bucket_ms, " + std::string(key_column);
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
        return "INSERT INTO " + std::string(table) + " (" + columns + ") VALUES (" + placeholders +
               ") ON CONFLICT (bucket_ms, " + std::string(key_column) + ") DO UPDATE SET " + updates;
    }

    void write(Statement& upsert) const {
        for (const auto& [key, values] : sums_) {
            upsert.bind(1, key.first);
            if constexpr (std::is_same_v<Key, std::string>)
                upsert.bind_static(2, key.second);
            else
                upsert.bind(2, key.second);
            for (size_t i = 0; i < spec_.measures.size(); ++i) {
                const int index = static_cast<int>(i + 3);
                if (spec_.measures[i].integral)
                    upsert.bind(index, static_cast<int64_t>(values[i]));
                else
                    upsert.bind(index, values[i]);
            }
            upsert.run();
        }
    }

    bool empty() const { return sums_.empty(); }

 private:
    const SourceSpec& spec_;
    std::map<std::pair<int64_t, Key>, MeasureValues> sums_;
};

// The rollups of one source for one batch: by tuple, and by each dimension with its own rollup.
class BatchRollups {
 public:
    explicit BatchRollups(const SourceSpec& spec) : spec_(spec), hours_(spec), days_(spec) {
        for (size_t i = 0; i < spec.dimension_rollups.size(); ++i) {
            by_dimension_.push_back({RollupSums<std::string>(spec), RollupSums<std::string>(spec)});
            for (size_t d = 0; d < spec.dimensions.size(); ++d)
                if (spec.dimensions[d] == spec.dimension_rollups[i].dimension) positions_.push_back(d);
        }
    }

    void add(int64_t ts_ms, int64_t dims_id, const std::string* dims, const MeasureValues& values) {
        const int64_t hour = bucket_start(Bucket::hour, ts_ms);
        const int64_t day = bucket_start(Bucket::day, ts_ms);
        hours_.add(hour, dims_id, values);
        days_.add(day, dims_id, values);
        for (size_t i = 0; i < by_dimension_.size(); ++i) {
            by_dimension_[i].first.add(hour, dims[positions_[i]], values);
            by_dimension_[i].second.add(day, dims[positions_[i]], values);
        }
    }

    template <typename Prepare>
    void write(Prepare&& prepare) const {
        auto write_one = [&](const auto& sums, std::string_view table, std::string_view key_column) {
            if (!sums.empty()) sums.write(prepare(sums.upsert_sql(table, key_column)));
        };
        write_one(hours_, spec_.hour_table, "dims_id");
        write_one(days_, spec_.day_table, "dims_id");
        for (size_t i = 0; i < by_dimension_.size(); ++i) {
            const DimensionRollup& rollup = spec_.dimension_rollups[i];
            write_one(by_dimension_[i].first, rollup.hour_table, rollup.dimension);
            write_one(by_dimension_[i].second, rollup.day_table, rollup.dimension);
        }
    }

 private:
    const SourceSpec& spec_;
    RollupSums<int64_t> hours_, days_;
    std::vector<std::pair<RollupSums<std::string>, RollupSums<std::string>>> by_dimension_;  // hour, day
    std::vector<size_t> positions_;  // of each dimension rollup's dimension in a record's dims
};

// Positions of a source's rollup dimensions among all its dimensions.
std::vector<size_t> positions_of(const SourceSpec& spec, const std::vector<std::string_view>& names) {
    std::vector<size_t> positions;
    for (auto dim : names)
        for (size_t i = 0; i < spec.dimensions.size(); ++i)
            if (spec.dimensions[i] == dim) positions.push_back(i);
    return positions;
}

void append_tags(std::string& out, const std::vector<std::string>& tags) {
    out.clear();
    if (tags.empty()) return;
    out += ',';
    for (const std::string& tag : tags) {
        out += tag;
        out += ',';
    }
}

}  // namespace

Store::Store(const std::string& path) : db_(path) {
    std::lock_guard lock(mutex_);
    migrate(db_);
}

Statement& Store::cached(const std::string& sql) {
    auto [it, inserted] = statements_.try_emplace(sql);
    if (inserted) it->second = std::make_unique<Statement>(db_.prepare(sql));
    return *it->second;
}

int64_t Store::dims_id(const SourceSpec& spec, const std::string* dims, TupleIds& cache) {
    static const std::vector<size_t> llm_positions = positions_of(llm_source(), llm_source().rollup_dimensions);
    static const std::vector<size_t> tool_positions = positions_of(tool_source(), tool_source().rollup_dimensions);
    const std::vector<size_t>& positions = &spec == &llm_source() ? llm_positions : tool_positions;
    cache.key.clear();
    for (size_t position : positions) {
        cache.key += dims[position];
        cache.key += '\x1f';
    }
    if (auto found = cache.ids.find(cache.key); found != cache.ids.end()) return found->second;

    std::string columns, placeholders, match;
    for (size_t i = 0; i < positions.size(); ++i) {
        const std::string name(spec.rollup_dimensions[i]);
        columns += (i > 0 ? ", " : "") + name;
        placeholders += i > 0 ? ", ?" : "?";
        match += (i > 0 ? " AND " : "") + name + " = ?";
    }
    const std::string table(spec.dims_table);
    Statement& insert_tuple =
        cached("INSERT OR IGNORE INTO " + table + " (" + columns + ") VALUES (" + placeholders + ")");
    Statement& select_tuple = cached("SELECT id FROM " + table + " WHERE " + match);
    for (size_t i = 0; i < positions.size(); ++i) {
        insert_tuple.bind(static_cast<int>(i + 1), std::string_view(dims[positions[i]]));
        select_tuple.bind(static_cast<int>(i + 1), std::string_view(dims[positions[i]]));
    }
    insert_tuple.run();
    if (!select_tuple.step()) throw SqliteError("metrics: a dimension tuple vanished from " + table);
    const int64_t id = select_tuple.int64(0);
    select_tuple.reset();
    cache.ids.emplace(cache.key, id);
    return id;
}

void Store::insert(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls) {
    if (llm_calls.empty() && tool_calls.empty()) return;
    std::lock_guard lock(mutex_);
    try {
        insert_locked(llm_calls, tool_calls);
    } catch (...) {
        // Tuples created by the rolled-back transaction are gone.
        llm_tuples_.ids.clear();
        tool_tuples_.ids.clear();
        throw;
    }
}

void Store::insert_locked(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls) {
    Transaction transaction(db_);
    auto prepare = [this](const std::string& sql) -> Statement& { return cached(sql); };

    if (!llm_calls.empty()) {
        const SourceSpec& spec = llm_source();
        BatchRollups rollups(spec);
        Statement& insert_call = cached(
            "INSERT INTO llm_call_rows (ts_ms, dims_id, session, run, task, tags, input_tokens, output_tokens, "
            "cache_read_tokens, cache_creation_tokens, reasoning_tokens, input_includes_cache, cost_usd, cost_source, "
            "price_key, price_version, latency_ms, ttft_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)");
        std::string tags;
        for (const LlmCall& call : llm_calls) {
            const int64_t dims = dims_id(spec, call.dims.data(), llm_tuples_);
            append_tags(tags, call.tags);
            insert_call.bind(1, call.ts_ms)
                .bind(2, dims)
                .bind_static(3, call.dim(LlmDim::session))
                .bind_static(4, call.dim(LlmDim::run))
                .bind_static(5, call.dim(LlmDim::task))
                .bind_static(6, tags)
                .bind(7, call.tokens.input)
                .bind(8, call.tokens.output)
                .bind(9, call.tokens.cache_read)
                .bind(10, call.tokens.cache_creation)
                .bind(11, call.tokens.reasoning)
                .bind(12, int64_t{call.tokens.input_includes_cache ? 1 : 0})
                .bind(13, call.cost_usd)
                .bind_static(14, cost_source_name(call.cost_source))
                .bind_static(15, call.price_key)
                .bind_static(16, call.price_version)
                .bind(17, call.latency_ms)
                .bind(18, call.ttft_ms);
            insert_call.run();
            rollups.add(call.ts_ms, dims, call.dims.data(), measure_values(call));
        }
        rollups.write(prepare);
    }

    if (!tool_calls.empty()) {
        const SourceSpec& spec = tool_source();
        BatchRollups rollups(spec);
        Statement& insert_call = cached(
            "INSERT INTO tool_call_rows (ts_ms, dims_id, session, duration_ms, ok, argument_bytes, result_bytes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)");
        for (const ToolCall& call : tool_calls) {
            const int64_t dims = dims_id(spec, call.dims.data(), tool_tuples_);
            insert_call.bind(1, call.ts_ms)
                .bind(2, dims)
                .bind_static(3, call.dim(ToolDim::session))
                .bind(4, call.duration_ms)
                .bind(5, int64_t{call.ok ? 1 : 0})
                .bind(6, call.argument_bytes)
                .bind(7, call.result_bytes);
            insert_call.run();
            rollups.add(call.ts_ms, dims, call.dims.data(), measure_values(call));
        }
        rollups.write(prepare);
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
