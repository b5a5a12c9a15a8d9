// sqlite.hpp: a thin RAII layer over the SQLite C API: a connection, prepared statements and
// transactions. Errors throw SqliteError with SQLite's message and the statement.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchboard::metrics {

class SqliteError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

class Statement {
 public:
    Statement(sqlite3* db, std::string_view sql);
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
    ~Statement();

    // Binds by 1-based index; an empty optional binds NULL.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    // Without a copy: `value` must stay valid until the statement is reset (run() resets).
    Statement& bind_static(int index, std::string_view value);
    Statement& bind(int index, const std::optional<double>& value);
    Statement& bind_null(int index);

    // Returns true while a row is available.
    bool step();
    // Runs to completion (for statements without rows) and resets.
    void run();
    void reset();

    int columns() const { return sqlite3_column_count(stmt_); }
    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
    double real(int column) const { return sqlite3_column_double(stmt_, column); }
    std::string text(int column) const;
    std::optional<double> optional_real(int column) const {
        return is_null(column) ? std::nullopt : std::optional<double>(real(column));
    }
    std::string column_name(int column) const { return sqlite3_column_name(stmt_, column); }

 private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// One connection, opened without SQLite's own mutex (SQLITE_OPEN_NOMUTEX): its owner must use it
// from one thread at a time (Store serializes every use with its lock; RollupWriter uses its own
// connection on its thread only).
class Database {
 public:
    // Opens (creating) the file with WAL, foreign keys on and a busy timeout. ":memory:" works, and
    // so do "file:" URIs (a shared in-memory database).
    explicit Database(const std::string& path);
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    // A prepared statement kept for the connection's life, for SQL that runs again and again.
    Statement& cached(const std::string& sql);
    int user_version();
    void set_user_version(int version);
    int64_t changes() const { return sqlite3_changes64(db_); }
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    sqlite3* handle() const { return db_; }

 private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted (an exception unwound it).
class Transaction {
 public:
    // IMMEDIATE takes the write lock of every attached database at once; `deferred` takes each
    // database's lock at its first write, for a connection whose other writer must not wait.
    enum class Locks { immediate, deferred };

    explicit Transaction(Database& db, Locks locks = Locks::immediate) : db_(db) {
        db_.exec(locks == Locks::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

 private:
    Database& db_;
    bool done_ = false;
};

}  // namespace switchboard::metrics
