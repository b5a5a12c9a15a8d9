// store.hpp: the metrics database: batched inserts that keep the rollups current, and serialized
// access for the query modules. The tables are in schema.hpp.
//
// Thread safety: every method locks the store; with_db() runs a caller's queries under that lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records.hpp"
#include "schema.hpp"
#include "sources.hpp"
#include "sqlite.hpp"

namespace switchboard::metrics {

class Store {
 public:
    // Opens or creates the database at `path` (":memory:" for tests) and migrates it.
    explicit Store(const std::string& path);

    // Inserts both batches and their rollup deltas in one transaction: all or nothing.
    void insert(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls);

    // Remembers a price table version and its prices, so a record's price_version can be traced.
    void remember_prices(const std::string& version, const std::string& sources, const std::string& table_json);

    template <typename Fn>
    auto with_db(Fn&& fn) {
        std::lock_guard lock(mutex_);
        return std::forward<Fn>(fn)(db_);
    }

 private:
    // Tuple ids already in a dims table, by the tuple's values joined with \x1f.
    struct TupleIds {
        std::unordered_map<std::string, int64_t> ids;
        std::string key;  // reused for every lookup, so a known tuple costs no allocation
    };

    void insert_locked(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls);
    // The id of the tuple of rollup dimensions in `dims` (all of the source's dimensions, in
    // order), created on first sight. Caller holds mutex_.
    int64_t dims_id(const SourceSpec& spec, const std::string* dims, TupleIds& cache);
    // A statement prepared once and kept for the life of the store. Caller holds mutex_.
    Statement& cached(const std::string& sql);

    std::mutex mutex_;
    Database db_;                                                   // guarded by mutex_
    TupleIds llm_tuples_, tool_tuples_;                             // guarded by mutex_
    std::map<std::string, std::unique_ptr<Statement>> statements_;  // guarded by mutex_
};

}  // namespace switchboard::metrics
