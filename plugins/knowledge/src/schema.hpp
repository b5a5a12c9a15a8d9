// schema.hpp: creates and upgrades the knowledge database. Each migration is one step of
// `PRAGMA user_version`; a database newer than this code is refused rather than guessed at.
#pragma once

#include "sqlite.hpp"

namespace knowledge {

// The user_version this code writes.
inline constexpr int kSchemaVersion = 5;

// Brings `db` to kSchemaVersion inside one transaction; throws when the file is newer.
void migrate(Database& db);

}  // namespace knowledge
