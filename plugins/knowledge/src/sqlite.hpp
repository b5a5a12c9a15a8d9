// sqlite.hpp: the SDK's SQLite layer, under this plugin's namespace.
#pragma once

#include <switchboard/sqlite.hpp>

namespace knowledge {
using switchboard::sqlite::Database;
using switchboard::sqlite::SqliteError;
using switchboard::sqlite::Statement;
using switchboard::sqlite::Transaction;

// BEGIN (deferred) on construction, COMMIT on destruction: a read-only snapshot. Cached
// statements, as in Transaction: every read begins and ends one.
class ReadTransaction {
 public:
    explicit ReadTransaction(Database& db) : db_(db) { db_.prepare("BEGIN").run(); }
    ~ReadTransaction() {
        try {
            db_.prepare("COMMIT").run();
        } catch (...) {  // nothing was written: ending the snapshot is all that matters
            try {
                db_.prepare("ROLLBACK").run();
            } catch (...) {
            }
        }
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
    Database& db_;
};
}  // namespace knowledge
