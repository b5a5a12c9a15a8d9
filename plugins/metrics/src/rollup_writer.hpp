// rollup_writer.hpp: writes rollup deltas to the rollups database on a thread of its own.
//
// SQLite lets one connection write a database file at a time. The records and their rollups are
// in two files (schema.hpp, version 4), so the record inserts and the rollup upserts, about a
// third of the write path's work, run at once on two cores.
//
// Store hands over one write at a time: the deltas of both sources and the last record id each
// covers. The writer upserts them and moves the marks in one transaction, then clears the deltas
// (keeping their memory) for Store to take back at the next hand-over. A failed write changes
// nothing in the file; Store rebuilds its deltas from the records past the committed marks.
//
// Thread safety: every method may be called from any thread; Store calls them under its lock.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rollup_deltas.hpp"
#include "sources.hpp"
#include "sqlite.hpp"

namespace switchboard::metrics {

class RollupWriter {
 public:
    // Per source, indexed as source_at() does.
    using Deltas = std::array<std::unique_ptr<RollupDeltas>, kSourceCount>;
    using Marks = std::array<int64_t, kSourceCount>;

    // How the writes handed over so far ended.
    struct Outcome {
        Marks committed_through{};          // as the rollups file holds them
        std::optional<std::string> failed;  // the error of a write that failed since the last wait()
    };

    // Opens `path` (the rollups database, its tables already created) and reads the marks.
    explicit RollupWriter(const std::string& path);
    RollupWriter(const RollupWriter&) = delete;
    RollupWriter& operator=(const RollupWriter&) = delete;
    // Finishes the write under way, if any.
    ~RollupWriter();

    // Waits for the write under way, then swaps `deltas` with the writer's emptied ones and starts
    // writing them with the marks `through`. Returns false, taking nothing, when an earlier write
    // failed and wait() has not reported it yet: the caller's deltas follow the lost ones.
    bool hand_over(Deltas& deltas, const Marks& through);
    // Waits for the write under way and reports the marks, and a failure once.
    Outcome wait();

 private:
    void run();
    // One transaction: every source's upserts and its mark.
    void write(const Deltas& deltas, const Marks& through);

    Database db_;  // used by the thread only

    std::mutex mutex_;
    std::condition_variable changed_;
    Deltas writing_;                     // guarded by mutex_; owned by the thread while busy_
    Marks writing_through_{};            // guarded by mutex_
    Marks committed_through_{};          // guarded by mutex_
    std::optional<std::string> failed_;  // guarded by mutex_
    bool busy_ = false;                  // guarded by mutex_
    bool stopping_ = false;              // guarded by mutex_
    std::thread thread_;                 // last: starts once the rest is ready
};

}  // namespace switchboard::metrics
