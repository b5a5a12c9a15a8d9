// sqlite.hpp: the SDK's SQLite layer, under this plugin's namespace.
#pragma once

#include <switchboard/sqlite.hpp>

namespace workflow {
using switchboard::sqlite::Database;
using switchboard::sqlite::SqliteError;
using switchboard::sqlite::Statement;
using switchboard::sqlite::Transaction;
}  // namespace workflow
