// sqlite.hpp: the SDK's SQLite layer, under this plugin's namespace.
#pragma once

#include <switchboard/sqlite.hpp>

namespace knowledge {
using switchboard::sqlite::Database;
using switchboard::sqlite::SqliteError;
using switchboard::sqlite::Statement;
using switchboard::sqlite::Transaction;

// BEGIN (deferred) on construction, COMMIT on destruction: a read-only snapshot.
class ReadTransaction {
 public:
    explicit ReadTransaction(Database& db) : db_(db) { db_.exec("BEGIN"); }
    ~ReadTransaction() {
        try {
            db_.exec("COMMIT");
        } catch (...) {  // nothing was written: ending the snapshot is all that matters
            try {
                db_.exec("ROLLBACK");
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
