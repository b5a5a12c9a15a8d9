// switchboard/sqlite.hpp: a thin RAII layer over the SQLite C API for plugins that keep their
// data as DESIGN.md asks (one database in the data directory, WAL, foreign keys, prepared
// statements): a connection, prepared statements cached per connection, and a transaction
// guard. Errors throw SqliteError. Not thread-safe: guard a Database with a mutex.
//
// Link SwitchboardSDK::sqlite, which compiles its one source (sdk/src/sqlite.cpp) into the
// plugin and links SQLite3.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchboard::sqlite {

// Turns off SQLite's memory statistics for the whole process, if no connection is open yet.
// With them on, every SQLite allocation takes one global mutex, and Debian's SQLite (built
// without lookaside memory) allocates for most steps: connections on different threads, of one
// plugin or of several, then queue on that mutex. Only sqlite3_memory_used(), sqlite3_status()
// and the heap limits read the statistics, and no Switchboard code calls them. Database calls
// this before its first open; a plugin with connections of its own calls it too. Once SQLite is
// initialized, the setting stays as the first user left it.
inline void skip_memory_statistics() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

class SqliteError : public std::runtime_error {
 public:
    SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }

 private:
    int code_;
};

// One prepared statement. Bind with 1-based indexes, step, read columns, and it resets itself
// when the next use begins (so a cached statement never holds a read lock between uses).
class Statement {
 public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& reset();
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, int64_t value);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);

    // Advances to the next row; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run() {
        while (step()) {
        }
    }

    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    int64_t integer(int column) const;
    double real(int column) const;
    bool is_null(int column) const;

 private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

// One connection with WAL, foreign keys and a busy timeout.
class Database {
 public:
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    // A cached prepared statement for `sql`, reset and ready to bind.
    Statement& prepare(const std::string& sql);
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    sqlite3* handle() const { return db_; }

 private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

 private:
    Database& db_;
    bool done_ = false;
};

}  // namespace switchboard::sqlite
