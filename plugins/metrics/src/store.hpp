// store.hpp: the metrics database: batched inserts of records, the rollups they feed, and
// serialized access for the query modules. The tables are in schema.hpp.
//
// Records are committed by insert(). Their rollup deltas are summed in memory (RollupDeltas) and
// written later, many batches in one upsert per rollup row, by RollupWriter on its own thread
// into the rollups file: handed over by insert() once the deltas hold max_pending_keys keys or
// cover max_pending_rows records, and by sync_rollups() and every read through with_db(), which
// wait for them. Each rollup write also stores, per source, the last record id it covers
// (rollup_marks). After a crash or a failed rollup write, the deltas of the records past that
// mark are rebuilt from the stored rows, so the rollups never miss a committed record nor count
// one twice.
//
// Thread safety: every method locks the store; with_db() runs a caller's queries under that lock.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records.hpp"
#include "rollup_deltas.hpp"
#include "rollup_writer.hpp"
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
    // Opens or creates the database at `path` (":memory:" for tests) and its rollups file beside
    // it (<stem>-rollups<extension>), migrates them and brings the rollups up to the records.
    explicit Store(const std::string& path, StoreOptions options = {});

    // Inserts both batches in one transaction: all or nothing. Their rollups follow (see above).
    void insert(const std::vector<LlmCall>& llm_calls, const std::vector<ToolCall>& tool_calls);
    // The same for LLM calls held elsewhere (Recorder's queue).
    void insert(std::vector<const LlmCall*> llm_calls, const std::vector<ToolCall>& tool_calls);

    // Writes the rollup deltas of every record inserted so far and waits for them. Throws
    // SqliteError when the rollups cannot be written (the records are kept; a later call retries).
    void sync_rollups();
    // Records inserted whose rollups are not written yet, once the write under way has ended.
    size_t pending_rollup_rows();

    // Remembers a price table version and its prices, so a record's price_version can be traced.
    void remember_prices(const std::string& version, const std::string& sources, const std::string& table_json);

    // Runs `fn(Database&)` with the rollups current, as every query needs them. Rollup tables are
    // read by their plain names (they are in the attached `rollups` database).
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

    void insert_locked(std::vector<const LlmCall*>& llm_calls, const std::vector<ToolCall>& tool_calls);
    bool rollups_due() const;
    void sync_rollups_locked();
    // Starts writing the deltas, once the write under way has ended. After a failed write, the
    // deltas are lost instead, and the failure is returned.
    std::optional<std::string> hand_over_rollups_locked();
    // Waits for the write under way; takes its marks and its failure (the deltas are then lost).
    std::optional<std::string> settle_rollups_locked();
    // Rebuilds the deltas from the rows past the marks, handing them over in bounded parts.
    void rebuild_deltas_locked();
    // Empties the rollups when their marks are past the last record (a database file restored
    // from a backup beside a newer rollups file): they are then rebuilt from the records.
    void forget_rollups_ahead_of_records();
    // The id of the tuple of rollup dimensions in `dims` (all of the source's dimensions, in
    // order), created on first sight. Caller holds mutex_.
    int64_t dims_id(const SourceSpec& spec, const std::string* dims, TupleIds& cache);
    // A statement prepared once and kept for the life of the store. Caller holds mutex_.

    const StoreOptions options_;
    mutable std::mutex mutex_;
    Database db_;                        // guarded by mutex_; rollups attached
    TupleIds llm_tuples_, tool_tuples_;  // guarded by mutex_
    std::vector<int64_t> dims_ids_;      // guarded by mutex_; per record of a batch

    // Rollup bookkeeping per source, guarded by mutex_. Record ids: the rollups file covers those
    // up to marked_through_ (as of the last settle), the writer was handed those up to
    // handed_through_, and deltas_ holds those after it up to rows_through_.
    RollupWriter::Deltas deltas_;
    RollupWriter::Marks marked_through_{}, handed_through_{}, rows_through_{};
    bool deltas_lost_ = false;              // a rollup write failed: rebuilt from the rows at the next sync
    std::unique_ptr<RollupWriter> writer_;  // guarded by mutex_; created once the file is migrated
};

}  // namespace switchboard::metrics
