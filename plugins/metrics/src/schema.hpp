// schema.hpp: the metrics database's tables and their migrations, by PRAGMA user_version.
//
//   1  raw tables with every dimension as text; rollups per hour and day by dimension tuple
//   2  raw rows keep the tuple id instead of its nine (LLM) or four (tool) text columns, behind a
//      view of the old name; rollups per hour and day by session
//   3  rollup_marks: the last record each source's rollups cover (they are written later)
//   4  the rollup tables and rollup_marks move to a database file of their own, attached as
//      `rollups`, so that their writer runs beside the records' writer (rollup_writer.hpp)
//
// The rollups file holds nothing that the records do not: when it is missing, its tables are
// created with marks at 0, and Store rebuilds every rollup from the records.
#pragma once

#include <string>

#include "sqlite.hpp"

namespace switchboard::metrics {

inline constexpr int kSchemaVersion = 4;

// Attaches the rollups database at `path` to `db` as `rollups` (creating the file, its tables and
// marks at 0 when missing). Call it before migrate(): version 4 moves the rollups into it.
void attach_rollups(Database& db, const std::string& path);

// Empties every rollup table and sets the marks to 0 (the rollups no longer match the records).
void reset_rollups(Database& db);

// Brings the database up to `target` (the newest by default) in one transaction per step.
// Throws SqliteError when the database is newer than this plugin.
void migrate(Database& db, int target = kSchemaVersion);

}  // namespace switchboard::metrics
