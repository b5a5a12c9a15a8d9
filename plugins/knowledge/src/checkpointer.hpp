// checkpointer.hpp: WAL checkpoints on a thread of their own, so no write waits for one.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold: it copies the
// WAL into the database and fsyncs both files (about 12 ms on the bench machine, every ~70
// add_observations calls), and that call answers late. Here the writer's connection only counts
// WAL frames after each commit (sqlite3_wal_hook, which replaces the automatic checkpoint) and
// wakes this thread, which checkpoints (PASSIVE: never blocks a reader or the writer) on a
// connection of its own. Durability is unchanged: a commit is in the WAL when it is answered,
// as before; the checkpoint only moves it into the database file.
//
// The thread runs at a lower CPU priority (kNice): a checkpoint is tens of milliseconds of
// copying and writeback that can wait while calls are answered. If the thread falls far behind
// (kHardLimitPages), the writer checkpoints itself, as SQLite would, so the WAL stays bounded.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace knowledge {

class Checkpointer {
 public:
    // 16 MiB of WAL, as the metrics plugin's wal_autocheckpoint: a checkpoint writes each page
    // once however often it changed since the last one, and each add_observations commit rewrites
    // the same few pages (the FTS5 structure, the tables' last leaves), so fewer, larger
    // checkpoints copy and fsync less per write than SQLite's default of 1000.
    static constexpr int kThresholdPages = 4096;
    static constexpr int kNice = 10;                              // the thread's niceness
    static constexpr int kHardLimitPages = 10 * kThresholdPages;  // far behind: the writer checkpoints itself

    // Installs the WAL hook on `writer` (a connection to the database at `path`) and starts the
    // thread. `writer` must outlive this object.
    Checkpointer(sqlite3* writer, std::string path);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // How many checkpoints the thread has run (for tests).
    int completed();

 private:
    static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
    void request();
    void run();

    sqlite3* writer_;
    const std::string path_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;  // guarded by mutex_
    bool stopping_ = false;   // guarded by mutex_
    int completed_ = 0;       // guarded by mutex_
    std::thread thread_;
};

}  // namespace knowledge
