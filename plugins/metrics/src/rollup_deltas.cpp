// rollup_deltas.cpp: see rollup_deltas.hpp.
#include "rollup_deltas.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "time_util.hpp"

namespace switchboard::metrics {

RollupDeltas::RollupDeltas(const SourceSpec& spec) : spec_(spec) {
    if (spec.dimension_rollups.size() != 1 || spec.dimension_rollups[0].dimension != "session")
        throw std::logic_error("RollupDeltas keeps one dimension rollup, by session");
}

void RollupDeltas::add(int64_t ts_ms, int64_t dims_id, std::string_view session, const MeasureValues& values) {
    const int64_t hour = bucket_start(Bucket::hour, ts_ms);
    const int64_t day = bucket_start(Bucket::day, ts_ms);
    add_to(hours_, {hour, dims_id}, values);
    add_to(days_, {day, dims_id}, values);
    const int64_t session_id = session_index(session);
    add_to(session_hours_, {hour, session_id}, values);
    add_to(session_days_, {day, session_id}, values);
}

void RollupDeltas::add_to(Sums& sums, Key key, const MeasureValues& values) {
    auto [it, inserted] = sums.try_emplace(key, values);
    if (inserted) return;
    MeasureValues& sum = it->second;
    for (size_t i = 0; i < spec_.measures.size(); ++i) {
        if (spec_.measures[i].aggregate == Aggregate::max)
            sum[i] = std::max(sum[i], values[i]);
        else
            sum[i] += values[i];
    }
}

int64_t RollupDeltas::session_index(std::string_view session) {
    session_key_.assign(session);
    if (auto found = session_ids_.find(session_key_); found != session_ids_.end()) return found->second;
    const auto index = static_cast<int64_t>(sessions_.size());
    sessions_.push_back(session_key_);
    session_ids_.emplace(session_key_, index);
    return index;
}

size_t RollupDeltas::keys() const {
    return hours_.size() + days_.size() + session_hours_.size() + session_days_.size();
}

std::string RollupDeltas::upsert_sql(std::string_view table, std::string_view key_column) const {
    std::string columns = "bucket_ms, " + std::string(key_column);
    std::string placeholders = "?, ?";
    std::string updates;
    for (const Measure& m : spec_.measures) {
        const std::string name(m.name);
        if (!updates.empty()) updates += ", ";
        updates +=
            name + " = " +
            (m.aggregate == Aggregate::max ? "MAX(" + name + ", excluded." + name + ")" : name + " + excluded." + name);
        columns += ", " + name;
        placeholders += ", ?";
    }
    return "INSERT INTO " + std::string(table) + " (" + columns + ") VALUES (" + placeholders +
           ") ON CONFLICT (bucket_ms, " + std::string(key_column) + ") DO UPDATE SET " + updates;
}

void RollupDeltas::write_sums(const Sums& sums, Statement& upsert, bool by_session) const {
    // In the table's key order, so consecutive upserts land on the same B-tree pages.
    std::vector<const Sums::value_type*> rows;
    rows.reserve(sums.size());
    for (const auto& row : sums) rows.push_back(&row);
    std::sort(rows.begin(), rows.end(), [&](const Sums::value_type* a, const Sums::value_type* b) {
        if (a->first.bucket_ms != b->first.bucket_ms) return a->first.bucket_ms < b->first.bucket_ms;
        if (by_session)
            return sessions_[static_cast<size_t>(a->first.id)] < sessions_[static_cast<size_t>(b->first.id)];
        return a->first.id < b->first.id;
    });
    for (const Sums::value_type* row : rows) {
        upsert.bind(1, row->first.bucket_ms);
        if (by_session)
            upsert.bind_static(2, sessions_[static_cast<size_t>(row->first.id)]);
        else
            upsert.bind(2, row->first.id);
        for (size_t i = 0; i < spec_.measures.size(); ++i) {
            const int index = static_cast<int>(i + 3);
            if (spec_.measures[i].integral)
                upsert.bind(index, static_cast<int64_t>(row->second[i]));
            else
                upsert.bind(index, row->second[i]);
        }
        upsert.run();
    }
}

void RollupDeltas::write(const std::function<Statement&(const std::string&)>& prepare) const {
    const DimensionRollup& by_session = spec_.dimension_rollups[0];
    const std::pair<const Sums*, std::string_view> tables[] = {{&hours_, spec_.hour_table},
                                                               {&days_, spec_.day_table},
                                                               {&session_hours_, by_session.hour_table},
                                                               {&session_days_, by_session.day_table}};
    for (const auto& [sums, table] : tables) {
        if (sums->empty()) continue;
        const bool session = sums == &session_hours_ || sums == &session_days_;
        write_sums(*sums, prepare(upsert_sql(table, session ? by_session.dimension : "dims_id")), session);
    }
}

void RollupDeltas::clear() {
    // A burst's buckets are released; the slots of a usual write are kept for the next one.
    constexpr size_t kKeptSlots = 1 << 17;
    for (Sums* sums : {&hours_, &days_, &session_hours_, &session_days_}) {
        if (sums->bucket_count() > kKeptSlots)
            *sums = Sums();
        else
            sums->clear();
    }
    session_ids_.clear();
    sessions_.clear();
}

}  // namespace switchboard::metrics
