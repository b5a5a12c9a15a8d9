// query.cpp: splits a query's range into segments answered by the day rollup, the hour rollup and
// raw rows, scans each and aggregates in memory (integer tuple ids for rollup rows), then ranks.
#include "query.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>

#include "record_parsing.hpp"

namespace switchboard::metrics {
namespace {

// Bounds used when a side of the range is open; both are day-aligned.
constexpr int64_t kEarliest = 0;
constexpr int64_t kLatest = int64_t{1} << 52;  // far beyond any real timestamp, a multiple of kDayMs below
constexpr int64_t kLatestAligned = kLatest / kDayMs * kDayMs;

enum class Level { raw, hour, day };

struct Segment {
    Level level;
    int64_t from_ms;
    int64_t to_ms;
};

int64_t ceil_to(int64_t value, int64_t step) { return (value + step - 1) / step * step; }
int64_t floor_to(int64_t value, int64_t step) { return value / step * step; }

// Covers [from, to) with the coarsest level aligned to each part.
void plan_level(Level level, int64_t from, int64_t to, std::vector<Segment>& out) {
    if (from >= to) return;
    if (level == Level::raw) {
        out.push_back({Level::raw, from, to});
        return;
    }
    const int64_t step = level == Level::day ? kDayMs : kHourMs;
    const Level finer = level == Level::day ? Level::hour : Level::raw;
    const int64_t lo = ceil_to(from, step);
    const int64_t hi = floor_to(to, step);
    if (lo >= hi) return plan_level(finer, from, to, out);
    plan_level(finer, from, lo, out);
    out.push_back({level, lo, hi});
    plan_level(finer, hi, to, out);
}

bool rollups_answer(const Query& query) {
    if (query.raw_only || !query.tag.empty()) return false;
    for (const std::string& dim : query.group_by)
        if (!query.source->in_rollup(dim)) return false;
    for (const auto& filter : query.filters)
        if (!query.source->in_rollup(filter.first)) return false;
    return true;
}

// The rollups of one dimension (session) answer when it is the only dimension grouped or filtered.
const DimensionRollup* dimension_rollup_answers(const Query& query) {
    if (query.raw_only || !query.tag.empty()) return nullptr;
    const DimensionRollup* found = nullptr;
    auto consider = [&](const std::string& dim) {
        const DimensionRollup* rollup = query.source->dimension_rollup(dim);
        if (rollup == nullptr || (found != nullptr && found != rollup)) return false;
        found = rollup;
        return true;
    };
    for (const std::string& dim : query.group_by)
        if (!consider(dim)) return nullptr;
    for (const auto& filter : query.filters)
        if (!consider(filter.first)) return nullptr;
    return found;
}

using Binding = std::variant<int64_t, std::string>;

void bind_all(Statement& statement, const std::vector<Binding>& bindings) {
    for (size_t i = 0; i < bindings.size(); ++i) {
        const int index = static_cast<int>(i + 1);
        if (const auto* number = std::get_if<int64_t>(&bindings[i]))
            statement.bind(index, *number);
        else
            statement.bind(index, std::string_view(std::get<std::string>(bindings[i])));
    }
}

// " AND dim IN (?, ...)" for each filter, prefixed with `qualifier`.
std::string filter_sql(const Query& query, const std::string& qualifier, bool raw, std::vector<Binding>& bindings) {
    std::string sql;
    for (const auto& [dim, values] : query.filters) {
        sql += " AND " + qualifier + dim + " IN (";
        for (size_t i = 0; i < values.size(); ++i) {
            sql += i == 0 ? "?" : ", ?";
            bindings.emplace_back(values[i]);
        }
        sql += ")";
        // Lets SQLite use the partial indexes (run, task), which leave out empty values.
        if (raw && std::find(values.begin(), values.end(), "") == values.end()) sql += " AND " + dim + " <> ''";
    }
    return sql;
}

// Raw rows of a segment: ts_ms, the grouped dimensions, the measures.
std::string raw_segment_sql(const Query& query, const Segment& segment, std::vector<Binding>& bindings) {
    const SourceSpec& spec = *query.source;
    std::string sql = "SELECT ts_ms";
    for (const std::string& dim : query.group_by) sql += ", " + dim;
    for (const Measure& m : spec.measures) sql += ", " + std::string(m.raw_expr);
    sql += " FROM " + std::string(spec.raw_table) + " WHERE ts_ms >= ? AND ts_ms < ?";
    bindings.emplace_back(segment.from_ms);
    bindings.emplace_back(segment.to_ms);
    sql += filter_sql(query, "", true, bindings);
    if (!query.tag.empty()) {
        sql += " AND tags LIKE ?";
        bindings.emplace_back("%," + query.tag + ",%");
    }
    return sql;
}

using Values = std::vector<double>;

void accumulate(const SourceSpec& spec, Values& into, const Values& row) {
    for (size_t i = 0; i < row.size(); ++i) {
        if (spec.measures[i].aggregate == Aggregate::max)
            into[i] = std::max(into[i], row[i]);
        else
            into[i] += row[i];
    }
}

// Sums rollup rows per (bucket, group of tuples) in memory: integer keys, no SQL sorting. The groups
// become dimension values once, at the end.
class RollupAccumulator {
 public:
    RollupAccumulator(Database& db, const Query& query) : query_(query) {
        // The tuples that pass the filters, with their grouped values.
        const SourceSpec& spec = *query.source;
        std::vector<Binding> bindings;
        std::string sql = "SELECT id";
        for (const std::string& dim : query.group_by) sql += ", " + dim;
        sql += " FROM " + std::string(spec.dims_table) + " WHERE 1" + filter_sql(query, "", false, bindings);
        Statement tuples = db.prepare(sql);
        bind_all(tuples, bindings);
        // Tuples with the same grouped values share a group: sums are kept per (bucket, group),
        // so a series of all calls sums into one key per bucket, not one per tuple.
        std::map<std::vector<std::string>, size_t> group_of;
        while (tuples.step()) {
            std::vector<std::string> key;
            for (size_t i = 0; i < query.group_by.size(); ++i) key.push_back(tuples.text(static_cast<int>(i + 1)));
            auto [found, added] = group_of.try_emplace(std::move(key), group_keys_.size());
            if (added) group_keys_.push_back(found->first);
            tuples_.emplace(tuples.int64(0), found->second);
        }
    }

    void scan(Database& db, const Segment& segment) {
        const SourceSpec& spec = *query_.source;
        std::string sql = "SELECT bucket_ms, dims_id";
        for (const Measure& m : spec.measures) sql += ", " + std::string(m.name);
        sql += " FROM " + std::string(segment.level == Level::hour ? spec.hour_table : spec.day_table) +
               " WHERE bucket_ms >= ? AND bucket_ms < ?";
        Statement rows = db.prepare(sql);
        rows.bind(1, segment.from_ms).bind(2, segment.to_ms);
        Values values(spec.measures.size());
        int64_t last_bucket = INT64_MIN, last_bucket_start = 0;
        while (rows.step()) {
            const auto tuple = tuples_.find(rows.int64(1));
            if (tuple == tuples_.end()) continue;  // filtered out
            const int64_t bucket_ms = rows.int64(0);
            if (bucket_ms != last_bucket) {  // rows come in bucket order
                last_bucket = bucket_ms;
                last_bucket_start = query_.bucket ? bucket_start(*query_.bucket, bucket_ms) : 0;
            }
            for (size_t i = 0; i < values.size(); ++i) values[i] = rows.real(static_cast<int>(i + 2));
            auto [it, inserted] = sums_.try_emplace({last_bucket_start, tuple->second}, values);
            if (!inserted) accumulate(spec, it->second, values);
        }
    }

    template <typename Groups>
    void fold_into(Groups& groups) const {
        for (const auto& [key, values] : sums_) {
            auto [it, inserted] = groups.try_emplace({key.first, group_keys_[key.second]}, values);
            if (!inserted) accumulate(*query_.source, it->second, values);
        }
    }

 private:
    const Query& query_;
    std::unordered_map<int64_t, size_t> tuples_;        // tuple id -> group
    std::vector<std::vector<std::string>> group_keys_;  // group -> grouped values
    std::map<std::pair<int64_t, size_t>, Values> sums_;
};

// Sums rows of a dimension's own rollups (bucket, value) per (bucket, grouped value).
class DimensionRollupAccumulator {
 public:
    DimensionRollupAccumulator(const Query& query, const DimensionRollup& rollup)
        : query_(query), rollup_(rollup), grouped_(!query.group_by.empty()) {}

    void scan(Database& db, const Segment& segment) {
        const SourceSpec& spec = *query_.source;
        const std::string dim(rollup_.dimension);
        std::string sql = "SELECT bucket_ms, " + dim;
        for (const Measure& m : spec.measures) sql += ", " + std::string(m.name);
        sql += " FROM " + std::string(segment.level == Level::hour ? rollup_.hour_table : rollup_.day_table) +
               " WHERE bucket_ms >= ? AND bucket_ms < ?";
        std::vector<Binding> bindings{segment.from_ms, segment.to_ms};
        sql += filter_sql(query_, "", false, bindings);
        Statement rows = db.prepare(sql);
        bind_all(rows, bindings);
        Values values(spec.measures.size());
        std::string value;
        while (rows.step()) {
            const int64_t bucket = query_.bucket ? bucket_start(*query_.bucket, rows.int64(0)) : 0;
            if (grouped_) value = rows.text(1);
            for (size_t i = 0; i < values.size(); ++i) values[i] = rows.real(static_cast<int>(i + 2));
            auto [it, inserted] = sums_.try_emplace({bucket, value}, values);
            if (!inserted) accumulate(spec, it->second, values);
        }
    }

    template <typename Groups>
    void fold_into(Groups& groups) const {
        for (const auto& [key, values] : sums_) {
            std::vector<std::string> group;
            if (grouped_) group.push_back(key.second);
            auto [it, inserted] = groups.try_emplace({key.first, std::move(group)}, values);
            if (!inserted) accumulate(*query_.source, it->second, values);
        }
    }

 private:
    const Query& query_;
    const DimensionRollup& rollup_;
    const bool grouped_;  // else every row sums into one group
    std::map<std::pair<int64_t, std::string>, Values> sums_;
};

std::string level_name(Level level) {
    switch (level) {
        case Level::raw:
            return "raw";
        case Level::hour:
            return "hour";
        case Level::day:
            return "day";
    }
    return "raw";
}

// A time series of the top N groups: ranks groups over the whole range, then keeps their rows.
void keep_top_groups(Database& db, const Query& query, QueryResult& series);

}  // namespace

double QueryResult::value(const QueryRow& row, std::string_view measure) const {
    const auto& measures = source->measures;
    for (size_t i = 0; i < measures.size() && i < row.values.size(); ++i)
        if (measures[i].name == measure) return row.values[i];
    return 0;
}

void validate(const Query& query) {
    const SourceSpec& spec = *query.source;
    auto accepted = [&] {
        std::string names;
        for (auto dim : spec.dimensions) names += (names.empty() ? "" : ", ") + std::string(dim);
        return names;
    };
    for (const std::string& dim : query.group_by)
        if (!spec.has_dimension(dim))
            throw InputError("unknown dimension \"" + dim + "\" for " + std::string(spec.name) +
                             " records; accepted: " + accepted());
    for (const auto& filter : query.filters) {
        if (!spec.has_dimension(filter.first))
            throw InputError("unknown filter dimension \"" + filter.first + "\" for " + std::string(spec.name) +
                             " records; accepted: " + accepted());
        if (filter.second.empty()) throw InputError("filter \"" + filter.first + "\" needs at least one value");
    }
    if (!query.order_by.empty() && spec.measure(query.order_by) == nullptr) {
        std::string names;
        for (const Measure& m : spec.measures) names += (names.empty() ? "" : ", ") + std::string(m.name);
        throw InputError("unknown order_by \"" + query.order_by + "\"; accepted: " + names);
    }
    if (!query.tag.empty() && &spec != &llm_source()) throw InputError("tag filters apply to LLM calls only");
    if (query.from_ms && query.to_ms && *query.from_ms > *query.to_ms) throw InputError("from must not be after to");
}

QueryResult run_query(Database& db, const Query& query) {
    validate(query);
    const SourceSpec& spec = *query.source;
    const int64_t from = std::max(query.from_ms.value_or(kEarliest), kEarliest);
    const int64_t to = std::min(query.to_ms.value_or(kLatestAligned), kLatestAligned);

    // The tuple rollups, else a dimension's own rollups, else raw rows only.
    const bool by_tuples = rollups_answer(query);
    const DimensionRollup* by_dimension = by_tuples ? nullptr : dimension_rollup_answers(query);
    std::vector<Segment> segments;
    if (by_tuples || by_dimension != nullptr) {
        plan_level(query.bucket == Bucket::hour ? Level::hour : Level::day, from, to, segments);
    } else {
        plan_level(Level::raw, from, to, segments);
    }

    QueryResult result;
    result.source = &spec;
    result.group_by = query.group_by;
    std::set<std::string> levels;
    for (const Segment& s : segments) levels.insert(level_name(s.level));
    for (const char* level : {"day", "hour", "raw"})
        if (levels.count(level) != 0) result.plan += (result.plan.empty() ? std::string() : std::string("+")) + level;
    if (by_dimension != nullptr && levels.size() > levels.count("raw"))
        result.plan = std::string(by_dimension->dimension) + ":" + result.plan;
    if (segments.empty()) return result;

    // (bucket start or 0, grouped values) -> measures
    std::map<std::pair<int64_t, std::vector<std::string>>, Values> groups;
    std::optional<RollupAccumulator> rollups;
    std::optional<DimensionRollupAccumulator> dimension_rollups;
    for (const Segment& segment : segments) {
        if (segment.level != Level::raw && by_dimension != nullptr) {
            if (!dimension_rollups) dimension_rollups.emplace(query, *by_dimension);
            dimension_rollups->scan(db, segment);
            continue;
        }
        if (segment.level != Level::raw) {
            if (!rollups) rollups.emplace(db, query);
            rollups->scan(db, segment);
            continue;
        }
        std::vector<Binding> bindings;
        Statement rows = db.prepare(raw_segment_sql(query, segment, bindings));
        bind_all(rows, bindings);
        Values values(spec.measures.size());
        const int first_measure = static_cast<int>(query.group_by.size() + 1);
        while (rows.step()) {
            std::vector<std::string> key;
            for (size_t i = 0; i < query.group_by.size(); ++i) key.push_back(rows.text(static_cast<int>(i + 1)));
            for (size_t i = 0; i < values.size(); ++i) values[i] = rows.real(first_measure + static_cast<int>(i));
            const int64_t bucket = query.bucket ? bucket_start(*query.bucket, rows.int64(0)) : 0;
            auto [it, inserted] = groups.try_emplace({bucket, std::move(key)}, values);
            if (!inserted) accumulate(spec, it->second, values);
        }
    }
    if (rollups) rollups->fold_into(groups);
    if (dimension_rollups) dimension_rollups->fold_into(groups);

    for (auto& [key, values] : groups) {
        QueryRow row;
        if (query.bucket) row.bucket_ms = key.first;
        row.key = key.second;
        row.values = std::move(values);
        result.rows.push_back(std::move(row));
    }
    const std::string order = query.order_by.empty() ? std::string(spec.default_order) : query.order_by;
    size_t order_index = 0;
    for (size_t i = 0; i < spec.measures.size(); ++i)
        if (spec.measures[i].name == order) order_index = i;
    std::stable_sort(result.rows.begin(), result.rows.end(), [&](const QueryRow& a, const QueryRow& b) {
        if (a.bucket_ms != b.bucket_ms) return a.bucket_ms < b.bucket_ms;
        return a.values[order_index] > b.values[order_index];
    });
    if (query.limit > 0 && !query.bucket && result.rows.size() > query.limit) result.rows.resize(query.limit);
    if (query.bucket && query.limit > 0 && !query.group_by.empty()) keep_top_groups(db, query, result);
    return result;
}

namespace {

void keep_top_groups(Database& db, const Query& query, QueryResult& series) {
    Query ranking = query;
    ranking.bucket.reset();
    std::set<std::vector<std::string>> top;
    for (QueryRow& row : run_query(db, ranking).rows) top.insert(std::move(row.key));
    std::erase_if(series.rows, [&](const QueryRow& row) { return top.count(row.key) == 0; });
}

}  // namespace
}  // namespace switchboard::metrics
