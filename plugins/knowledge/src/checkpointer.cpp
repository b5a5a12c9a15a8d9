// checkpointer.cpp: see checkpointer.hpp.
#include "checkpointer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <utility>

namespace knowledge {

Checkpointer::Checkpointer(sqlite3* writer, std::string path) : writer_(writer), path_(std::move(path)) {
    sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
    thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

int Checkpointer::completed() {
    std::lock_guard lock(mutex_);
    return completed_;
}

// Runs on the writer's thread right after each commit, outside the transaction.
int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
    if (wal_pages >= kHardLimitPages)  // far behind: do it here, as SQLite's own hook would
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    else if (wal_pages >= kThresholdPages)
        static_cast<Checkpointer*>(self)->request();
    return SQLITE_OK;
}

void Checkpointer::request() {
    {
        std::lock_guard lock(mutex_);
        if (requested_) return;
        requested_ = true;
    }
    wake_.notify_one();
}

void Checkpointer::run() {
    // Background work: below the threads that answer calls when they compete for a CPU. (Linux
    // nice is per thread; if refused, the checkpoints run at normal priority.)
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice);
    sqlite3* db = nullptr;
    // A failed open leaves checkpoints to the hard limit and to the last connection's close.
    // (Reading the journal mode makes the new connection open the WAL; until then it checkpoints nothing.)
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode", nullptr, nullptr, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        db = nullptr;
    }
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return requested_ || stopping_; });
        if (stopping_) break;
        requested_ = false;
        lock.unlock();
        if (db != nullptr) sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        lock.lock();
        ++completed_;
    }
    lock.unlock();
    sqlite3_close(db);
}

}  // namespace knowledge
