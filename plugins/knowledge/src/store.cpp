// store.cpp: see store.hpp.
#include "store.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "clock.hpp"
#include "schema.hpp"
#include "text_fold.hpp"

namespace knowledge {

namespace {

// New observations reach the observation index kIndexBatch at a time (see schema.cpp, version
// 5). FTS5 merges its index segments in proportion to the segments it writes, so a flush of 64
// rows buys a 64th of the merging that 64 one-row flushes did, and small segments piled up: six
// beside the large ones at 10k entities after 2,000 calls, and each search term was looked up in
// every one (ranked search 3x slower). So each flush also merges up to kMergePages pages, of any
// level that holds two segments (usermerge 2, set by the schema).
constexpr int64_t kIndexBatch = 64;
constexpr int64_t kMergePages = 200;

// SQL that is true when the row `alias` holds at the time bound to ?N: with no time bound
// (NULL) that means "not closed"; with a time, opened at or before it and not closed by then.
std::string valid_at(const std::string& alias, int parameter) {
    std::string p = std::to_string(parameter);
    p.insert(p.begin(), '?');  // not "?" + ..., which GCC 12 misreads (-Wrestrict)
    return "((" + p + " IS NULL AND " + alias + ".valid_to IS NULL) OR (" + p + " IS NOT NULL AND " + alias +
           ".valid_from <= " + p + " AND (" + alias + ".valid_to IS NULL OR " + alias + ".valid_to > " + p + ")))";
}

// SQLite function folded_contains(haystack, folded_needle): the reference's case-insensitive
// substring test, with the needle folded once by the caller.
void folded_contains_sql(sqlite3_context* context, int, sqlite3_value** values) {
    const auto* haystack = sqlite3_value_text(values[0]);
    const auto* needle = sqlite3_value_text(values[1]);
    if (haystack == nullptr || needle == nullptr) {
        sqlite3_result_int(context, 0);
        return;
    }
    const std::string_view hay(reinterpret_cast<const char*>(haystack),
                               static_cast<size_t>(sqlite3_value_bytes(values[0])));
    const std::string_view folded_needle(reinterpret_cast<const char*>(needle),
                                         static_cast<size_t>(sqlite3_value_bytes(values[1])));
    sqlite3_result_int(context, fold_case(hay).find(folded_needle) != std::string::npos ? 1 : 0);
}

// An FTS5 phrase: the text in double quotes, inner quotes doubled.
std::string fts_phrase(std::string_view text) {
    std::string phrase = "\"";
    for (const char c : text) {
        if (c == '"') phrase += '"';
        phrase += c;
    }
    return phrase + "\"";
}

Provenance read_provenance(const Statement& row, int first) {
    return Provenance{row.optional_text(first), row.text(first + 1), row.text(first + 2), row.text(first + 3),
                      row.optional_text(first + 4)};
}

Json parse_properties(const std::string& text) {
    Json parsed = Json::parse(text, nullptr, false);
    return parsed.is_object() ? parsed : Json::object();
}

// The columns read_relation reads, in its order.
std::string relation_columns(Fields fields) {
    std::string columns = "r.id, r.from_name, r.to_name, r.relation_type";
    if (fields == Fields::all)
        columns += ", r.properties, r.source, r.created_at, r.updated_at, r.valid_from, r.valid_to";
    return columns;
}

Relation read_relation(const Statement& row, Fields fields) {
    Relation relation;
    relation.id = row.integer(0);
    relation.from = row.text(1);
    relation.to = row.text(2);
    relation.relation_type = row.text(3);
    if (fields == Fields::all) {
        relation.properties = parse_properties(row.text(4));
        relation.provenance = read_provenance(row, 5);
    }
    return relation;
}

}  // namespace

KnowledgeStore::KnowledgeStore(const std::string& path) : db_(path) {
    const int code = sqlite3_create_function(db_.handle(), "folded_contains", 2,
                                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                             &folded_contains_sql, nullptr, nullptr);
    if (code != SQLITE_OK) throw SqliteError(code, "cannot register folded_contains");
    migrate(db_);
    checkpointer_ = std::make_unique<Checkpointer>(db_.handle(), path);
}

// ---- writes -------------------------------------------------------------------------------

std::vector<NewEntity> KnowledgeStore::create_entities(const std::string& project,
                                                       const std::vector<NewEntity>& entities,
                                                       const std::optional<std::string>& source) {
    Scope scope(*this, true);
    const std::string now = now_iso();
    std::vector<NewEntity> created;
    for (const NewEntity& entity : entities) {
        const std::string valid_from = entity.valid_from.value_or(now);
        const std::optional<int64_t> id = insert_or_reopen_entity(project, entity, source, now, valid_from);
        if (!id) continue;  // a current entity of that name exists: ignored, as the reference does
        index_entity(*id, entity.name, entity.entity_type);
        for (const std::string& content : entity.observations)
            if (!find_observation(*id, content)) insert_observation(*id, content, source, now, valid_from);
        created.push_back(entity);
    }
    index_waiting_observations(kIndexBatch);
    scope.commit();
    return created;
}

std::vector<RelationKey> KnowledgeStore::create_relations(const std::string& project,
                                                          const std::vector<NewRelation>& relations,
                                                          const std::optional<std::string>& source) {
    Scope scope(*this, true);
    const std::string now = now_iso();
    std::vector<RelationKey> created;
    for (const NewRelation& relation : relations) {
        Statement& insert = db_.prepare(
            "INSERT INTO relations (project, from_name, to_name, relation_type, properties, source, created_at, "
            "updated_at, valid_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) "
            "ON CONFLICT (project, from_name, to_name, relation_type) DO UPDATE SET valid_to = NULL, "
            "updated_at = excluded.updated_at, valid_from = excluded.valid_from WHERE relations.valid_to IS NOT NULL "
            "RETURNING id");
        insert.bind(1, project).bind(2, relation.key.from).bind(3, relation.key.to).bind(4, relation.key.relation_type);
        insert.bind(5, relation.properties.dump()).bind(6, source).bind(7, now);
        insert.bind(8, relation.valid_from.value_or(now));
        if (insert.step()) created.push_back(relation.key);
        insert.reset();
    }
    scope.commit();
    return created;
}

std::vector<ObservationsAdded> KnowledgeStore::add_observations(const std::string& project,
                                                                const std::vector<ObservationBatch>& batches,
                                                                const std::optional<std::string>& source) {
    Scope scope(*this, true);
    const std::string now = now_iso();
    std::vector<ObservationsAdded> results;
    for (const ObservationBatch& batch : batches) {
        const std::optional<int64_t> id = entity_id(project, batch.entity_name);
        if (!id) throw NotFound("Entity with name " + batch.entity_name + " not found");
        ObservationsAdded result{batch.entity_name, {}};
        for (const std::string& content : batch.contents) {
            const std::optional<StoredRow> stored = find_observation(*id, content);
            if (stored && stored->current) continue;  // already there
            if (stored)
                reopen_observation(stored->id, now);  // closed before: true again from now
            else
                insert_observation(*id, content, source, now, now);
            result.added.push_back(content);
        }
        if (!result.added.empty())
            db_.prepare("UPDATE entities SET updated_at = ?1 WHERE id = ?2").bind(1, now).bind(2, *id).run();
        results.push_back(std::move(result));
    }
    index_waiting_observations(kIndexBatch);
    scope.commit();
    return results;
}

int64_t KnowledgeStore::delete_entities(const std::string& project, const std::vector<std::string>& names) {
    Scope scope(*this, true);
    int64_t deleted = 0;
    for (const std::string& name : names) {
        db_.prepare("DELETE FROM entities WHERE project = ?1 AND name = ?2").bind(1, project).bind(2, name).run();
        deleted += db_.changes();
        db_.prepare("DELETE FROM relations WHERE project = ?1 AND from_name = ?2").bind(1, project).bind(2, name).run();
        db_.prepare("DELETE FROM relations WHERE project = ?1 AND to_name = ?2").bind(1, project).bind(2, name).run();
    }
    scope.commit();
    return deleted;
}

int64_t KnowledgeStore::delete_observations(const std::string& project,
                                            const std::vector<ObservationBatch>& deletions) {
    Scope scope(*this, true);
    int64_t deleted = 0;
    const std::string now = now_iso();
    for (const ObservationBatch& deletion : deletions) {
        const std::optional<int64_t> id = entity_id(project, deletion.entity_name);
        if (!id) continue;  // the reference ignores deletions for a missing entity
        for (const std::string& content : deletion.contents) {
            db_.prepare("DELETE FROM observations WHERE entity_id = ?1 AND content = ?2")
                .bind(1, *id)
                .bind(2, content)
                .run();
            deleted += db_.changes();
        }
        db_.prepare("UPDATE entities SET updated_at = ?1 WHERE id = ?2").bind(1, now).bind(2, *id).run();
    }
    scope.commit();
    return deleted;
}

int64_t KnowledgeStore::delete_relations(const std::string& project, const std::vector<RelationKey>& relations) {
    Scope scope(*this, true);
    int64_t deleted = 0;
    for (const RelationKey& key : relations) {
        db_.prepare(
               "DELETE FROM relations WHERE project = ?1 AND from_name = ?2 AND to_name = ?3 AND "
               "relation_type = ?4")
            .bind(1, project)
            .bind(2, key.from)
            .bind(3, key.to)
            .bind(4, key.relation_type)
            .run();
        deleted += db_.changes();
    }
    scope.commit();
    return deleted;
}

// ---- the reference's reads ------------------------------------------------------------------

Graph KnowledgeStore::read_graph(const std::string& project, const Page& page, const AsOf& as_of, Fields fields) {
    Scope scope(*this, false);
    Graph graph;
    if (page.limit <= 0 && page.after_id <= 0) {  // the whole project: one pass, not one query per entity
        graph.entities = all_entities(project, as_of, fields);
        graph.relations = all_relations(project, as_of, fields);
        return graph;
    }
    Statement& select = db_.prepare("SELECT e.id FROM entities e WHERE e.project = ?1 AND " + valid_at("e", 2) +
                                    " AND e.id > ?3 ORDER BY e.id LIMIT ?4");
    select.bind(1, project).bind(2, as_of).bind(3, page.after_id).bind(4, page.limit > 0 ? page.limit + 1 : -1);
    std::vector<int64_t> ids;
    while (select.step()) ids.push_back(select.integer(0));
    select.reset();
    if (page.limit > 0 && static_cast<int64_t>(ids.size()) > page.limit) {
        ids.resize(static_cast<size_t>(page.limit));
        graph.next_cursor = std::to_string(ids.back());
    }
    graph.entities = load_entities(ids, as_of, fields);
    graph.relations = relations_touching(project, graph.entities, as_of, fields);
    return graph;
}

Graph KnowledgeStore::search_nodes(const std::string& project, const std::string& query, const Page& page,
                                   const AsOf& as_of, Fields fields) {
    Scope scope(*this, false);
    std::vector<int64_t> ids = matching_entity_ids(project, query, as_of);
    Graph graph;
    auto first = std::upper_bound(ids.begin(), ids.end(), page.after_id);
    ids.erase(ids.begin(), first);
    if (page.limit > 0 && static_cast<int64_t>(ids.size()) > page.limit) {
        ids.resize(static_cast<size_t>(page.limit));
        graph.next_cursor = std::to_string(ids.back());
    }
    graph.entities = load_entities(ids, as_of, fields);
    graph.relations = relations_touching(project, graph.entities, as_of, fields);
    return graph;
}

Graph KnowledgeStore::open_nodes(const std::string& project, const std::vector<std::string>& names, const AsOf& as_of,
                                 Fields fields) {
    Scope scope(*this, false);
    std::set<int64_t> ids;  // creation order, each once, as the reference filters its list
    Statement& select =
        db_.prepare("SELECT e.id FROM entities e WHERE e.project = ?1 AND e.name = ?2 AND " + valid_at("e", 3));
    for (const std::string& name : names) {
        select.reset().bind(1, project).bind(2, name).bind(3, as_of);
        if (select.step()) ids.insert(select.integer(0));
    }
    select.reset();
    Graph graph;
    graph.entities = load_entities(std::vector<int64_t>(ids.begin(), ids.end()), as_of, fields);
    graph.relations = relations_touching(project, graph.entities, as_of, fields);
    return graph;
}

std::vector<int64_t> KnowledgeStore::matching_entity_ids(const std::string& project, const std::string& query,
                                                         const AsOf& as_of) {
    const std::string needle = fold_case(query);
    const std::string matches =
        "(folded_contains(e.name, ?3) OR folded_contains(e.entity_type, ?3) OR EXISTS (SELECT 1 FROM observations o "
        "WHERE o.entity_id = e.id AND " +
        valid_at("o", 2) + " AND folded_contains(o.content, ?3)))";
    // Three code points or more: the trigram indexes (and the few observations waiting for
    // them) name the candidates, so the exact test runs on a few rows. Shorter queries cannot
    // use a trigram index and scan the project.
    const bool indexed = code_points(needle) >= 3;
    // The candidates come first (CROSS JOIN fixes the order): left to itself the planner walks
    // every entity of the project and looks each one up in the candidate list.
    const std::string from =
        indexed ? "WITH candidates (id) AS (SELECT rowid FROM entity_text WHERE entity_text MATCH ?4 UNION "
                  "SELECT o.entity_id FROM observation_text CROSS JOIN observations o ON o.id = observation_text.rowid "
                  "WHERE observation_text MATCH ?4 UNION SELECT o.entity_id FROM unindexed_observations u CROSS JOIN "
                  "observations o ON o.id = u.id WHERE folded_contains(o.content, ?3)) SELECT e.id FROM candidates "
                  "CROSS JOIN entities e ON e.id = candidates.id"
                : "SELECT e.id FROM entities e";
    Statement& select =
        db_.prepare(from + " WHERE e.project = ?1 AND " + valid_at("e", 2) + " AND " + matches + " ORDER BY e.id");
    select.bind(1, project).bind(2, as_of).bind(3, needle);
    if (indexed) select.bind(4, fts_phrase(query));
    std::vector<int64_t> ids;
    while (select.step()) ids.push_back(select.integer(0));
    select.reset();
    return ids;
}

// ---- helpers --------------------------------------------------------------------------------

// Writes look before they insert, rather than INSERT ... ON CONFLICT ... RETURNING: RETURNING
// (like a trigger) makes SQLite run the statement under a statement savepoint, which allocates
// and frees a 64 KiB statement journal per statement (glibc then trims its heap with madvise,
// a TLB shootdown each time) and makes FTS5 flush its pending terms at every savepoint.

std::optional<int64_t> KnowledgeStore::insert_or_reopen_entity(const std::string& project, const NewEntity& entity,
                                                               const std::optional<std::string>& source,
                                                               const std::string& now, const std::string& valid_from) {
    Statement& find = db_.prepare("SELECT id, valid_to IS NULL FROM entities WHERE project = ?1 AND name = ?2");
    find.bind(1, project).bind(2, entity.name);
    std::optional<StoredRow> stored;
    if (find.step()) stored = StoredRow{find.integer(0), find.integer(1) != 0};
    find.reset();
    if (stored && stored->current) return std::nullopt;
    if (stored) {  // a closed (superseded) entity of the same name is opened again rather than duplicated
        db_.prepare(
               "UPDATE entities SET valid_to = NULL, entity_type = ?1, updated_at = ?2, valid_from = ?3 WHERE id = ?4")
            .bind(1, entity.entity_type)
            .bind(2, now)
            .bind(3, valid_from)
            .bind(4, stored->id)
            .run();
        return stored->id;
    }
    Statement& insert = db_.prepare(
        "INSERT INTO entities (project, name, entity_type, properties, source, created_at, updated_at, valid_from) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
    insert.bind(1, project).bind(2, entity.name).bind(3, entity.entity_type).bind(4, entity.properties.dump());
    insert.bind(5, source).bind(6, now).bind(7, valid_from).run();
    return db_.last_insert_rowid();
}

std::optional<KnowledgeStore::StoredRow> KnowledgeStore::find_observation(int64_t entity_id,
                                                                          const std::string& content) {
    Statement& find =
        db_.prepare("SELECT id, valid_to IS NULL FROM observations WHERE entity_id = ?1 AND content = ?2");
    find.bind(1, entity_id).bind(2, content);
    std::optional<StoredRow> stored;
    if (find.step()) stored = StoredRow{find.integer(0), find.integer(1) != 0};
    find.reset();
    return stored;
}

void KnowledgeStore::insert_observation(int64_t entity_id, const std::string& content,
                                        const std::optional<std::string>& source, const std::string& now,
                                        const std::string& valid_from) {
    db_.prepare(
           "INSERT INTO observations (entity_id, content, source, created_at, updated_at, valid_from) "
           "VALUES (?1, ?2, ?3, ?4, ?4, ?5)")
        .bind(1, entity_id)
        .bind(2, content)
        .bind(3, source)
        .bind(4, now)
        .bind(5, valid_from)
        .run();
    db_.prepare("INSERT INTO unindexed_observations (id) VALUES (?1)").bind(1, db_.last_insert_rowid()).run();
}

void KnowledgeStore::reopen_observation(int64_t id, const std::string& now) {
    db_.prepare("UPDATE observations SET valid_to = NULL, updated_at = ?1, valid_from = ?1 WHERE id = ?2")
        .bind(1, now)
        .bind(2, id)
        .run();
}

// The trigram indexes' rows carry the ids of the rows they index. OR REPLACE: an entity opened
// again, or retyped, replaces its old row; an observation opened again keeps the same text.
void KnowledgeStore::index_entity(int64_t id, const std::string& name, const std::string& entity_type) {
    db_.prepare("INSERT OR REPLACE INTO entity_text (rowid, name, entity_type) VALUES (?1, ?2, ?3)")
        .bind(1, id)
        .bind(2, name)
        .bind(3, entity_type)
        .run();
}

void KnowledgeStore::index_observation(int64_t id, const std::string& content) {
    db_.prepare("INSERT OR REPLACE INTO observation_text (rowid, content) VALUES (?1, ?2)")
        .bind(1, id)
        .bind(2, content)
        .run();
}

// OR REPLACE: supersede_observation may have indexed a waiting row already.
void KnowledgeStore::index_waiting_observations(int64_t at_least) {
    Statement& count = db_.prepare("SELECT count(*) >= ?1 FROM unindexed_observations");
    const bool enough = count.bind(1, at_least).step() && count.integer(0) != 0;
    count.reset();
    if (!enough) return;
    db_.prepare(
           "INSERT OR REPLACE INTO observation_text (rowid, content) SELECT o.id, o.content FROM "
           "unindexed_observations u CROSS JOIN observations o ON o.id = u.id")
        .run();
    db_.prepare("DELETE FROM unindexed_observations").run();
    db_.prepare("INSERT INTO observation_text (observation_text, rank) VALUES ('merge', ?1)")
        .bind(1, kMergePages)
        .run();
}

std::optional<int64_t> KnowledgeStore::entity_id(const std::string& project, const std::string& name) {
    Statement& select = db_.prepare("SELECT id FROM entities WHERE project = ?1 AND name = ?2 AND valid_to IS NULL");
    select.bind(1, project).bind(2, name);
    std::optional<int64_t> id;
    if (select.step()) id = select.integer(0);
    select.reset();
    return id;
}

namespace {

// The columns read_entity reads, in its order.
std::string entity_columns(Fields fields) {
    std::string columns = "e.id, e.name, e.entity_type";
    if (fields == Fields::all)
        columns += ", e.properties, e.source, e.created_at, e.updated_at, e.valid_from, e.valid_to";
    return columns;
}
constexpr int entity_column_count(Fields fields) { return fields == Fields::all ? 9 : 3; }

Entity read_entity(const Statement& row, Fields fields) {
    Entity entity;
    entity.id = row.integer(0);
    entity.name = row.text(1);
    entity.entity_type = row.text(2);
    if (fields == Fields::all) {
        entity.properties = parse_properties(row.text(3));
        entity.provenance = read_provenance(row, 4);
    }
    return entity;
}

// The columns read_observation reads, from its `first` on: the id first (for the order), then
// the observation.
std::string observation_columns(Fields fields) {
    std::string columns = "o.id, o.content";
    if (fields == Fields::all) columns += ", o.source, o.created_at, o.updated_at, o.valid_from, o.valid_to";
    return columns;
}

// An entity's observations with their ids, put in the order they were added (the index that
// finds them is ordered by content; sorting a few here is cheaper than a sorter per lookup).
class ObservationList {
 public:
    void add(const Statement& row, int first, Fields fields) {
        Observation observation{row.text(first + 1), {}};
        if (fields == Fields::all) observation.provenance = read_provenance(row, first + 2);
        rows_.emplace_back(row.integer(first), std::move(observation));
    }
    // Moves the observations into `entity` in id order and empties the list.
    void move_to(Entity& entity) {
        std::sort(rows_.begin(), rows_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        entity.observations.reserve(rows_.size());
        for (auto& [id, observation] : rows_) entity.observations.push_back(std::move(observation));
        rows_.clear();
    }

 private:
    std::vector<std::pair<int64_t, Observation>> rows_;
};

}  // namespace

// Entities by id, in the callers' order (creation order): one lookup of the row and one of its
// observations each, which costs less than joining the whole list in SQL and sorting it.
std::vector<Entity> KnowledgeStore::load_entities(const std::vector<int64_t>& ids, const AsOf& as_of, Fields fields) {
    if (ids.empty()) return {};
    Statement& entity_row = db_.prepare("SELECT " + entity_columns(fields) + " FROM entities e WHERE e.id = ?1");
    Statement& observation_rows = db_.prepare("SELECT " + observation_columns(fields) +
                                              " FROM observations o WHERE o.entity_id = ?1 AND " + valid_at("o", 2));
    std::vector<Entity> entities;
    entities.reserve(ids.size());
    ObservationList observations;
    for (const int64_t id : ids) {
        entity_row.reset().bind(1, id);
        if (!entity_row.step()) continue;
        entities.push_back(read_entity(entity_row, fields));
        observation_rows.reset().bind(1, id).bind(2, as_of);
        while (observation_rows.step()) observations.add(observation_rows, 0, fields);
        observations.move_to(entities.back());
    }
    entity_row.reset();
    observation_rows.reset();
    return entities;
}

// One pass over the project's entities in id order, each joined with its observations. The
// unary + keeps the planner off the project index, whose order would need a sort of every row.
std::vector<Entity> KnowledgeStore::all_entities(const std::string& project, const AsOf& as_of, Fields fields) {
    Statement& select =
        db_.prepare("SELECT " + entity_columns(fields) + ", " + observation_columns(fields) +
                    " FROM entities e LEFT JOIN observations o ON o.entity_id = e.id AND " + valid_at("o", 2) +
                    " WHERE +e.project = ?1 AND " + valid_at("e", 2) + " ORDER BY e.id");
    select.bind(1, project).bind(2, as_of);
    const int first_observation_column = entity_column_count(fields);
    std::vector<Entity> entities;
    ObservationList observations;
    while (select.step()) {
        const int64_t id = select.integer(0);
        if (entities.empty() || entities.back().id != id) {
            if (!entities.empty()) observations.move_to(entities.back());
            entities.push_back(read_entity(select, fields));
        }
        if (!select.is_null(first_observation_column)) observations.add(select, first_observation_column, fields);
    }
    select.reset();
    if (!entities.empty()) observations.move_to(entities.back());
    return entities;
}

// Relations with at least one end among `entities`, in id order: the relations leaving each
// entity, then those arriving from outside the set (those from inside were found leaving), two
// index lookups per entity.
std::vector<Relation> KnowledgeStore::relations_touching(const std::string& project,
                                                         const std::vector<Entity>& entities, const AsOf& as_of,
                                                         Fields fields) {
    if (entities.empty()) return {};
    const std::string select_relations =
        "SELECT " + relation_columns(fields) + " FROM relations r WHERE r.project = ?1 AND r.";
    Statement& leaving = db_.prepare(select_relations + "from_name = ?2 AND " + valid_at("r", 3));
    Statement& arriving = db_.prepare(select_relations + "to_name = ?2 AND " + valid_at("r", 3));
    std::unordered_set<std::string_view> names;
    names.reserve(entities.size());
    for (const Entity& entity : entities) names.insert(entity.name);
    std::vector<Relation> relations;
    for (const Entity& entity : entities) {
        leaving.reset().bind(1, project).bind(2, entity.name).bind(3, as_of);
        while (leaving.step()) relations.push_back(read_relation(leaving, fields));
        arriving.reset().bind(1, project).bind(2, entity.name).bind(3, as_of);
        while (arriving.step())
            if (names.count(arriving.text(1)) == 0) relations.push_back(read_relation(arriving, fields));
    }
    leaving.reset();
    arriving.reset();
    std::sort(relations.begin(), relations.end(), [](const Relation& a, const Relation& b) { return a.id < b.id; });
    return relations;
}

// The unary +: as in all_entities, the rowid order needs no sort.
std::vector<Relation> KnowledgeStore::all_relations(const std::string& project, const AsOf& as_of, Fields fields) {
    Statement& select =
        db_.prepare("SELECT " + relation_columns(fields) + " FROM relations r WHERE +r.project = ?1 AND " +
                    valid_at("r", 2) + " ORDER BY r.id");
    select.bind(1, project).bind(2, as_of);
    std::vector<Relation> relations;
    while (select.step()) relations.push_back(read_relation(select, fields));
    select.reset();
    return relations;
}

// ---- beyond the reference ---------------------------------------------------------------------

std::vector<SearchHit> KnowledgeStore::search(const std::string& project, const SearchQuery& query) {
    {  // bm25 ranks what the index holds: the waiting observations go in first
        Scope write(*this, true);
        index_waiting_observations();
        write.commit();
    }
    Scope scope(*this, false);
    // CROSS JOIN keeps the index first: otherwise the planner may walk every entity of the
    // project and run the MATCH once per entity. Snippets are made only for the hits returned.
    const std::string by_name =
        "SELECT e.id, e.name, e.entity_type, bm25(entity_text), entity_text.rowid "
        "FROM entity_text CROSS JOIN entities e ON e.id = entity_text.rowid "
        "WHERE entity_text MATCH ?1 AND e.project = ?2 AND " +
        valid_at("e", 3);
    const std::string by_observation =
        "SELECT e.id, e.name, e.entity_type, bm25(observation_text), observation_text.rowid "
        "FROM observation_text CROSS JOIN observations o ON o.id = observation_text.rowid "
        "CROSS JOIN entities e ON e.id = o.entity_id "
        "WHERE observation_text MATCH ?1 AND e.project = ?2 AND " +
        valid_at("e", 3) + " AND " + valid_at("o", 3);
    struct Ranked {
        SearchHit hit;
        bool in_observation = false;
        int64_t text_rowid = 0;  // the row of the index that matched best, for its snippet
    };
    std::map<int64_t, Ranked> best;  // by entity id: the best-ranked match
    for (const std::string* sql : {&by_name, &by_observation}) {
        Statement& select = db_.prepare(*sql);
        select.bind(1, query.text).bind(2, project).bind(3, query.as_of);
        while (select.step()) {
            Ranked ranked{SearchHit{select.text(1), select.text(2), select.real(3), {}}, sql == &by_observation,
                          select.integer(4)};
            auto [it, inserted] = best.emplace(select.integer(0), ranked);
            if (!inserted && ranked.hit.score < it->second.hit.score) it->second = std::move(ranked);
        }
        select.reset();
    }
    std::vector<Ranked> ranked;
    for (auto& [id, match] : best) {
        if (!query.entity_types.empty() && std::find(query.entity_types.begin(), query.entity_types.end(),
                                                     match.hit.entity_type) == query.entity_types.end())
            continue;
        ranked.push_back(std::move(match));
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Ranked& a, const Ranked& b) { return a.hit.score < b.hit.score; });
    const auto offset = std::min(ranked.size(), static_cast<size_t>(std::max<int64_t>(0, query.offset)));
    ranked.erase(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(offset));
    if (query.limit > 0 && ranked.size() > static_cast<size_t>(query.limit))
        ranked.resize(static_cast<size_t>(query.limit));
    std::vector<SearchHit> hits;
    hits.reserve(ranked.size());
    for (Ranked& match : ranked) {
        Statement& snippet = db_.prepare(
            match.in_observation ? "SELECT snippet(observation_text, 0, '[', ']', '…', 48) FROM observation_text "
                                   "WHERE observation_text MATCH ?1 AND rowid = ?2"
                                 : "SELECT snippet(entity_text, -1, '[', ']', '…', 48) FROM entity_text "
                                   "WHERE entity_text MATCH ?1 AND rowid = ?2");
        snippet.bind(1, query.text).bind(2, match.text_rowid);
        if (snippet.step()) match.hit.snippet = snippet.text(0);
        snippet.reset();
        hits.push_back(std::move(match.hit));
    }
    return hits;
}

void KnowledgeStore::supersede_observation(const std::string& project, const std::string& entity,
                                           const std::string& old_content, const std::string& new_content,
                                           const std::optional<std::string>& source) {
    Scope scope(*this, true);
    const std::optional<int64_t> id = entity_id(project, entity);
    if (!id) throw NotFound("Entity with name " + entity + " not found");
    if (old_content == new_content) throw NotFound("the new observation is the same text as the old one");
    const std::string now = now_iso();
    db_.prepare(
           "UPDATE observations SET valid_to = ?1, updated_at = ?1 WHERE entity_id = ?2 AND content = ?3 AND "
           "valid_to IS NULL")
        .bind(1, now)
        .bind(2, *id)
        .bind(3, old_content)
        .run();
    if (db_.changes() == 0)
        throw NotFound("Entity " + entity + " has no current observation \"" + old_content + "\" to supersede");
    Statement& add = db_.prepare(
        "INSERT INTO observations (entity_id, content, source, created_at, updated_at, valid_from) "
        "VALUES (?1, ?2, ?3, ?4, ?4, ?4) ON CONFLICT (entity_id, content) DO UPDATE SET valid_to = NULL, "
        "updated_at = excluded.updated_at, valid_from = excluded.valid_from RETURNING id");
    add.bind(1, *id).bind(2, new_content).bind(3, source).bind(4, now);
    if (add.step()) {
        const int64_t observation_id = add.integer(0);
        add.reset();
        index_observation(observation_id, new_content);
    }
    db_.prepare("UPDATE entities SET updated_at = ?1 WHERE id = ?2").bind(1, now).bind(2, *id).run();
    scope.commit();
}

void KnowledgeStore::supersede_entity(const std::string& project, const std::string& old_name,
                                      const NewEntity& replacement, const std::optional<std::string>& source) {
    Scope scope(*this, true);
    if (old_name == replacement.name) throw NotFound("an entity cannot supersede itself: name a new entity");
    if (!entity_id(project, old_name)) throw NotFound("Entity with name " + old_name + " not found");
    const std::string now = now_iso();
    db_.prepare("UPDATE entities SET valid_to = ?1, updated_at = ?1 WHERE project = ?2 AND name = ?3")
        .bind(1, now)
        .bind(2, project)
        .bind(3, old_name)
        .run();
    for (const char* column : {"from_name", "to_name"}) {
        db_.prepare(std::string("UPDATE relations SET valid_to = ?1, updated_at = ?1 WHERE project = ?2 AND ") +
                    column + " = ?3 AND valid_to IS NULL")
            .bind(1, now)
            .bind(2, project)
            .bind(3, old_name)
            .run();
    }
    create_entities(project, {replacement}, source);
    create_relations(project, {NewRelation{{replacement.name, old_name, "supersedes"}, Json::object(), now}}, source);
    scope.commit();
}

bool KnowledgeStore::close_relation(const std::string& project, const RelationKey& key) {
    Scope scope(*this, true);
    db_.prepare(
           "UPDATE relations SET valid_to = ?1, updated_at = ?1 WHERE project = ?2 AND from_name = ?3 AND "
           "to_name = ?4 AND relation_type = ?5 AND valid_to IS NULL")
        .bind(1, now_iso())
        .bind(2, project)
        .bind(3, key.from)
        .bind(4, key.to)
        .bind(5, key.relation_type)
        .run();
    const bool closed = db_.changes() > 0;
    scope.commit();
    return closed;
}

void KnowledgeStore::update_entity(const std::string& project, const std::string& name,
                                   const std::optional<std::string>& type, const std::optional<Json>& properties) {
    Scope scope(*this, true);
    Statement& update = db_.prepare(
        "UPDATE entities SET entity_type = coalesce(?1, entity_type), properties = coalesce(?2, properties), "
        "updated_at = ?3 WHERE project = ?4 AND name = ?5 AND valid_to IS NULL RETURNING id, entity_type");
    update.bind(1, type);
    if (properties) update.bind(2, properties->dump());
    update.bind(3, now_iso()).bind(4, project).bind(5, name);
    if (!update.step()) throw NotFound("Entity with name " + name + " not found");
    const int64_t id = update.integer(0);
    const std::string entity_type = update.text(1);
    update.reset();
    index_entity(id, name, entity_type);
    scope.commit();
}

std::optional<Entity> KnowledgeStore::find_entity(const std::string& project, const std::string& name,
                                                  const AsOf& as_of) {
    Graph graph = open_nodes(project, {name}, as_of);
    if (graph.entities.empty()) return std::nullopt;
    return std::move(graph.entities.front());
}

std::vector<Edge> KnowledgeStore::edges(const std::string& project, const std::string& name, Direction direction,
                                        const std::vector<std::string>& relation_types, const AsOf& as_of) {
    Scope scope(*this, false);
    std::vector<Edge> found;
    const auto collect = [&](const char* column, bool outgoing) {
        Statement& select =
            db_.prepare("SELECT " + relation_columns(Fields::all) + " FROM relations r WHERE r.project = ?1 AND r." +
                        column + " = ?2 AND " + valid_at("r", 3) + " ORDER BY r.id");
        select.bind(1, project).bind(2, name).bind(3, as_of);
        while (select.step()) {
            Relation relation = read_relation(select, Fields::all);
            if (!relation_types.empty() &&
                std::find(relation_types.begin(), relation_types.end(), relation.relation_type) == relation_types.end())
                continue;
            std::string neighbor = outgoing ? relation.to : relation.from;
            found.push_back(Edge{std::move(relation), std::move(neighbor)});
        }
        select.reset();
    };
    if (direction != Direction::incoming) collect("from_name", true);
    if (direction != Direction::outgoing) collect("to_name", false);
    return found;
}

std::vector<std::string> KnowledgeStore::projects() {
    Scope scope(*this, false);
    Statement& select = db_.prepare("SELECT project FROM entities UNION SELECT project FROM relations ORDER BY 1");
    std::vector<std::string> names;
    while (select.step()) names.push_back(select.text(0));
    select.reset();
    return names;
}

void KnowledgeStore::put_type_definition(const std::string& project, const std::string& kind, const std::string& name,
                                         const Json& definition) {
    Scope scope(*this, true);
    db_.prepare(
           "INSERT INTO type_definitions (project, kind, name, definition, updated_at) VALUES (?1, ?2, ?3, ?4, "
           "?5) ON CONFLICT (project, kind, name) DO UPDATE SET definition = excluded.definition, "
           "updated_at = excluded.updated_at")
        .bind(1, project)
        .bind(2, kind)
        .bind(3, name)
        .bind(4, definition.dump())
        .bind(5, now_iso())
        .run();
    scope.commit();
}

std::vector<std::pair<std::string, Json>> KnowledgeStore::type_definitions(const std::string& project,
                                                                           const std::string& kind) {
    Scope scope(*this, false);
    Statement& select =
        db_.prepare("SELECT name, definition FROM type_definitions WHERE project = ?1 AND kind = ?2 ORDER BY name");
    select.bind(1, project).bind(2, kind);
    std::vector<std::pair<std::string, Json>> definitions;
    while (select.step()) definitions.emplace_back(select.text(0), Json::parse(select.text(1), nullptr, false));
    select.reset();
    return definitions;
}

}  // namespace knowledge
