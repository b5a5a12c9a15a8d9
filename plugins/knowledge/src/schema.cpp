// schema.cpp: see schema.hpp.
//
// Names, not ids, join relations to entities: the reference server lets a relation name an
// entity that does not exist (yet), and drop-in compatibility keeps that. Times are ISO-8601 UTC
// text with milliseconds, so they sort and compare as strings. A NULL valid_to means "still true".
#include "schema.hpp"

#include <string>

namespace knowledge {

namespace {

constexpr const char* kVersion1 = R"sql(
CREATE TABLE entities (
  id           INTEGER PRIMARY KEY,
  project      TEXT NOT NULL,
  name         TEXT NOT NULL,
  entity_type  TEXT NOT NULL,
  properties   TEXT NOT NULL DEFAULT '{}',
  source       TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  valid_from   TEXT NOT NULL,
  valid_to     TEXT,
  UNIQUE (project, name)
);
CREATE INDEX entities_by_type ON entities (project, entity_type);

CREATE TABLE observations (
  id          INTEGER PRIMARY KEY,
  entity_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  content     TEXT NOT NULL,
  source      TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  valid_from  TEXT NOT NULL,
  valid_to    TEXT,
  UNIQUE (entity_id, content)
);

CREATE TABLE relations (
  id             INTEGER PRIMARY KEY,
  project        TEXT NOT NULL,
  from_name      TEXT NOT NULL,
  to_name        TEXT NOT NULL,
  relation_type  TEXT NOT NULL,
  properties     TEXT NOT NULL DEFAULT '{}',
  source         TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  valid_from     TEXT NOT NULL,
  valid_to       TEXT,
  UNIQUE (project, from_name, to_name, relation_type)
);
CREATE INDEX relations_by_target ON relations (project, to_name);

CREATE TABLE type_definitions (
  project     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('entity', 'relation')),
  name        TEXT NOT NULL,
  definition  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (project, kind, name)
);

-- Trigram indexes answer the reference's case-insensitive substring search and bm25 search.
-- Their rowids are the ids of the rows they index; triggers keep them in step.
CREATE VIRTUAL TABLE entity_text USING fts5 (name, entity_type, tokenize = 'trigram');
CREATE VIRTUAL TABLE observation_text USING fts5 (content, tokenize = 'trigram');

CREATE TRIGGER entities_indexed AFTER INSERT ON entities BEGIN
  INSERT INTO entity_text (rowid, name, entity_type) VALUES (new.id, new.name, new.entity_type);
END;
CREATE TRIGGER entities_reindexed AFTER UPDATE OF name, entity_type ON entities BEGIN
  DELETE FROM entity_text WHERE rowid = old.id;
  INSERT INTO entity_text (rowid, name, entity_type) VALUES (new.id, new.name, new.entity_type);
END;
CREATE TRIGGER entities_unindexed AFTER DELETE ON entities BEGIN
  DELETE FROM entity_text WHERE rowid = old.id;
END;
CREATE TRIGGER observations_indexed AFTER INSERT ON observations BEGIN
  INSERT INTO observation_text (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER observations_unindexed AFTER DELETE ON observations BEGIN
  DELETE FROM observation_text WHERE rowid = old.id;
END;
)sql";

// The store indexes what it inserts or retypes itself. An insert or update trigger made every
// such statement a multi-row write, which SQLite runs under a statement savepoint: a 64 KiB
// statement journal allocated and freed per statement, and FTS5 flushing its pending terms as a
// new index segment at every savepoint (hundreds of tiny segments per batch, which searches then
// had to visit). Deletes keep their triggers: foreign-key cascades delete rows the store never
// names.
constexpr const char* kVersion2 = R"sql(
DROP TRIGGER entities_indexed;
DROP TRIGGER entities_reindexed;
DROP TRIGGER observations_indexed;
)sql";

// Covering indexes for the relations of a set of entities (search_nodes, open_nodes, paged
// read_graph): each relation the reads answer comes from the index alone, where a lookup by
// (project, from_name) or (project, to_name) found the row id in an index and then had to seek
// the table for the other columns and the validity (about half of a search's time at 100k
// entities). The arriving index replaces relations_by_target, whose columns it starts with.
// Schema 3 was an observation queue, backed out before any release; a database that has it gets
// its waiting observations indexed and the queue dropped.
constexpr const char* kVersion4 = R"sql(
CREATE INDEX relations_leaving ON relations (project, from_name, to_name, relation_type, valid_to, valid_from);
CREATE INDEX relations_arriving ON relations (project, to_name, from_name, relation_type, valid_to, valid_from);
DROP INDEX relations_by_target;
)sql";

constexpr const char* kDropVersion3Queue = R"sql(
INSERT OR REPLACE INTO observation_text (rowid, content)
  SELECT o.id, o.content FROM unindexed_observations u JOIN observations o ON o.id = u.id;
DROP TABLE unindexed_observations;
)sql";

// New observations wait here for the observation index, which takes them kIndexBatch at a
// time (store.cpp). Indexing one row per call made FTS5 write a new index segment at every
// commit: about two thirds of the pages, and half of the time, of an add_observations call.
// search_nodes tests the waiting rows directly; ranked search indexes them first. Schema 3 was
// the same queue without extra merging, and was backed out because searches slowed (see
// kMergePages in store.cpp); usermerge 2 lets that merging start once two segments share a level.
constexpr const char* kVersion5 = R"sql(
CREATE TABLE unindexed_observations (
  id  INTEGER PRIMARY KEY REFERENCES observations (id) ON DELETE CASCADE
);
INSERT INTO observation_text (observation_text, rank) VALUES ('usermerge', 2);
)sql";

int user_version(Database& db) {
    Statement& statement = db.prepare("PRAGMA user_version");
    const int version = statement.step() ? static_cast<int>(statement.integer(0)) : 0;
    statement.reset();  // a statement left on its row holds a read transaction, and no checkpoint can run
    return version;
}

}  // namespace

void migrate(Database& db) {
    const int found = user_version(db);
    if (found > kSchemaVersion) {
        throw SqliteError(SQLITE_ERROR, "the knowledge database has schema version " + std::to_string(found) +
                                            ", newer than this plugin's " + std::to_string(kSchemaVersion) +
                                            "; upgrade the plugin or use another data_dir");
    }
    if (found == kSchemaVersion) return;
    Transaction transaction(db);
    if (found < 1) db.exec(kVersion1);
    if (found < 2) db.exec(kVersion2);
    if (found == 3) db.exec(kDropVersion3Queue);
    if (found < 4) db.exec(kVersion4);
    if (found < 5) db.exec(kVersion5);
    db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    transaction.commit();
}

}  // namespace knowledge
