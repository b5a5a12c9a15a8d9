// sqlite.cpp: see sqlite.hpp.
#include "sqlite.hpp"

#include <switchboard/sqlite.hpp>

namespace switchboard::metrics {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    throw SqliteError("SQLite: " + std::string(sqlite3_errmsg(db)) + " (" + std::string(what.substr(0, 200)) + ")");
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK)
        fail(db, sql);
}

Statement::~Statement() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, sqlite3_sql(stmt_));
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail(db_, sqlite3_sql(stmt_));
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, sqlite3_sql(stmt_));
    return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
    if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC) != SQLITE_OK)
        fail(db_, sqlite3_sql(stmt_));
    return *this;
}

Statement& Statement::bind(int index, const std::optional<double>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, sqlite3_sql(stmt_));
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string sql = sqlite3_sql(stmt_);
    sqlite3_reset(stmt_);
    fail(db_, sql);
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Database::Database(const std::string& path) {
    switchboard::sqlite::skip_memory_statistics();  // the records' and the rollups' writers run at once
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                        nullptr) != SQLITE_OK) {
        const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw SqliteError("cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: durable at checkpoints, never corrupt
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA cache_size=-65536");  // 64 MiB at most: rollup upserts and index inserts stay in memory
    // Checkpoint every ~16 MiB of WAL rather than 4: a batch rewrites the same rollup pages, and
    // fewer checkpoints copy each of them fewer times.
    exec("PRAGMA wal_autocheckpoint=4096");
}

Database::~Database() {
    statements_.clear();  // finalized before the connection closes
    sqlite3_close_v2(db_);
}

Statement& Database::cached(const std::string& sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) found = statements_.emplace(sql, std::make_unique<Statement>(db_, sql)).first;
    return *found->second;
}

void Database::exec(std::string_view sql) {
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "unknown error";
        sqlite3_free(error);
        throw SqliteError("SQLite: " + message + " (" + text.substr(0, 200) + ")");
    }
}

int Database::user_version() {
    Statement query(db_, "PRAGMA user_version");
    return query.step() ? static_cast<int>(query.int64(0)) : 0;
}

void Database::set_user_version(int version) { exec("PRAGMA user_version=" + std::to_string(version)); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {  // a failed rollback leaves SQLite to roll back on close
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace switchboard::metrics
