// rollup_deltas.hpp: what the records written since the last rollup write add to one source's
// rollup tables, summed in memory per rollup key.
//
// Records reach the database in many small transactions; their rollup rows are written far less
// often, each key once for many batches (one upsert per distinct key, not per record or per
// batch). The keys are integers: a bucket start with a dimension tuple id, or with the index of
// a session interned here, so summing a record allocates nothing for a key seen before.
//
// Thread safety: none; Store guards it.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sources.hpp"
#include "sqlite.hpp"

namespace switchboard::metrics {

class RollupDeltas {
 public:
    explicit RollupDeltas(const SourceSpec& spec);

    // Adds one record: its time, dimension tuple id, session and measure values.
    void add(int64_t ts_ms, int64_t dims_id, std::string_view session, const MeasureValues& values);

    // Distinct rollup rows touched: what a write() costs, and what the deltas hold in memory.
    size_t keys() const;
    bool empty() const { return keys() == 0; }

    // Upserts every delta into the rollup tables, in key order. `prepare` gives a statement for
    // an SQL text (Store keeps them). Leaves the deltas as they are: clear() once committed.
    void write(const std::function<Statement&(const std::string&)>& prepare) const;
    void clear();

 private:
    struct Key {
        int64_t bucket_ms;
        int64_t id;  // dims_id, or a session's index in sessions_
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& key) const { return boost::hash<int64_t>()(key.bucket_ms * 1000003 + key.id); }
    };
    // Open addressing: adding a record allocates nothing, and clear() keeps the slots for the
    // next batches (a node map freed and refilled ~0.8 nodes per record).
    using Sums = boost::unordered_flat_map<Key, MeasureValues, KeyHash>;

    void add_to(Sums& sums, Key key, const MeasureValues& values);
    int64_t session_index(std::string_view session);
    // INSERT ... ON CONFLICT DO UPDATE for `table` keyed by (bucket_ms, `key_column`).
    std::string upsert_sql(std::string_view table, std::string_view key_column) const;
    void write_sums(const Sums& sums, Statement& upsert, bool by_session) const;

    const SourceSpec& spec_;
    Sums hours_, days_;                  // by dimension tuple
    Sums session_hours_, session_days_;  // by session
    std::unordered_map<std::string, int64_t> session_ids_;
    std::vector<std::string> sessions_;  // by index
    std::string session_key_;            // reused for lookups
};

}  // namespace switchboard::metrics
