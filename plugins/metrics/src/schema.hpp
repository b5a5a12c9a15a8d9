// schema.hpp: the metrics database's tables and their migrations, by PRAGMA user_version.
//
//   1  raw tables with every dimension as text; rollups per hour and day by dimension tuple
//   2  raw rows keep the tuple id instead of its nine (LLM) or four (tool) text columns, behind a
//      view of the old name; rollups per hour and day by session
//   3  rollup_marks: the last record each source's rollups cover (they are written later)
#pragma once

#include "sqlite.hpp"

namespace switchboard::metrics {

inline constexpr int kSchemaVersion = 3;

// Brings the database up to `target` (the newest by default) in one transaction per step.
// Throws SqliteError when the database is newer than this plugin.
void migrate(Database& db, int target = kSchemaVersion);

}  // namespace switchboard::metrics
