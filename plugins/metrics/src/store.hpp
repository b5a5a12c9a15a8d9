// store.hpp: the metrics database: batched inserts of records, the rollups they feed, and
// serialized access for the query modules. The tables are in schema.hpp.
//
// Records are committed by insert(). Their rollup deltas are summed in memory (RollupDeltas) and
// written later, many batches in one upsert per rollup row: before any read through with_db(),
// by sync_rollups(), and by insert() itself once the deltas hold max_pending_keys keys or cover
// max_pending_rows records. Each rollup write also stores, per source, the last record id it
// covers (rollup_marks). After a crash, the constructor rebuilds the deltas of the records past
// that mark from the stored rows, so the rollups never miss a committed record nor count one twice.
//
// Thread safety: every method locks the store; with_db() runs a caller's queries under that lock.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records.hpp"
#include "rollup_deltas.hpp"
#include "schema.hpp"
#include "sources.hpp"
#include "sqlite.hpp"

namespace switchboard::metrics {

struct StoreOptions {
    // Bounds on the rollup deltas kept in memory: about 150 bytes a key; the rows past the mark
    // are what a restart after a crash reads again.
    size_t max_pending_keys = 100'000;
    size_t max_pending_rows = 1'000'000;
};

class Store {
 public:
    // Opens or creates the database at `path` (":memory:" for tests), migrates it and brings the
    // rollups up to the stored records.
    explicit Store(const std::string& path, StoreOptions options = {});

    // Inserts both batches in one transaction: all or nothing. Their rollups follow (see above).
    void insert(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls);
    // The same for LLM calls held elsewhere (Recorder's queue).
    void insert(std::vector<const LlmCall*> llm_calls, const std::vector<ToolCall>& tool_calls);

    // Writes the rollup deltas of every record inserted so far.
    void sync_rollups();
    // Records inserted whose rollups are not written yet.
    size_t pending_rollup_rows() const;

    // Remembers a price table version and its prices, so a record's price_version can be traced.
    void remember_prices(const std::string& version, const std::string& sources, const std::string& table_json);

    // Runs `fn(Database&)` with the rollups current, as every query needs them.
    template <typename Fn>
    auto with_db(Fn&& fn) {
        std::lock_guard lock(mutex_);
        sync_rollups_locked();
        return std::forward<Fn>(fn)(db_);
    }
    // The same without writing the rollups first: for code that reads no rollup table.
    template <typename Fn>
    auto with_db_as_stored(Fn&& fn) {
        std::lock_guard lock(mutex_);
        return std::forward<Fn>(fn)(db_);
    }

 private:
    // Tuple ids already in a dims table, by the tuple's values joined with \x1f.
    struct TupleIds {
        std::unordered_map<std::string, int64_t> ids;
        std::string key;  // reused for every lookup, so a known tuple costs no allocation
    };
    // One source's rollup bookkeeping. Guarded by mutex_.
    struct Rollups {
        explicit Rollups(const SourceSpec& source) : spec(source), deltas(source) {}
        const SourceSpec& spec;
        RollupDeltas deltas;
        int64_t marked_through = 0;  // the last row id the rollup tables cover, as stored
        int64_t rows_through = 0;    // the last row id `deltas` covers
        bool deltas_lost = false;    // a failed insert left `deltas` unknown: rebuild from the rows
    };

    void insert_locked(std::vector<const LlmCall*>& llm_calls, const std::vector<ToolCall>& tool_calls);
    bool rollups_due() const;
    void sync_rollups_locked();
    // Writes the deltas and the marks; the caller holds a transaction and clears after commit.
    void write_rollups_locked();
    void clear_written_deltas();
    // Rebuilds `rollups.deltas` from the rows past its mark (after a crash or a failed insert).
    void rebuild_deltas(Rollups& rollups);
    // The id of the tuple of rollup dimensions in `dims` (all of the source's dimensions, in
    // order), created on first sight. Caller holds mutex_.
    int64_t dims_id(const SourceSpec& spec, const std::string* dims, TupleIds& cache);
    // A statement prepared once and kept for the life of the store. Caller holds mutex_.
    Statement& cached(const std::string& sql);

    const StoreOptions options_;
    mutable std::mutex mutex_;
    Database db_;                                                   // guarded by mutex_
    TupleIds llm_tuples_, tool_tuples_;                             // guarded by mutex_
    Rollups llm_rollups_, tool_rollups_;                            // guarded by mutex_
    std::map<std::string, std::unique_ptr<Statement>> statements_;  // guarded by mutex_
};

}  // namespace switchboard::metrics
