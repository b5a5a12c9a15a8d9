// store_test.cpp: the reference server's write and read semantics on the SQLite store.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "test_store.hpp"

namespace knowledge::testing {
namespace {

// The rows of `table` in the database at `path`, read on a connection of its own.
int count_rows(const std::string& path, const char* table) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &statement, nullptr);
    const int count = sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int(statement, 0) : -1;
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

TEST_F(StoreTest, CreatesEntitiesAndIgnoresDuplicates) {
    auto created = store_->create_entities(kProject, {entity("A", "person", {"x"}), entity("B", "team")}, "t");
    EXPECT_EQ(created.size(), 2u);
    created =
        store_->create_entities(kProject, {entity("A", "other", {"y"}), entity("C", "task"), entity("C", "x")}, "t");
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].name, "C");
    const Graph graph = store_->read_graph(kProject);
    EXPECT_EQ(names(graph), (std::vector<std::string>{"A", "B", "C"}));
    EXPECT_EQ(graph.entities[0].entity_type, "person");  // the duplicate changed nothing
    EXPECT_EQ(contents(graph.entities[0]), (std::vector<std::string>{"x"}));
    EXPECT_EQ(graph.entities[2].entity_type, "task");
}

TEST_F(StoreTest, AddObservationsFailsWholeCallForMissingEntity) {
    store_->create_entities(kProject, {entity("A", "person")}, std::nullopt);
    EXPECT_THROW(
        {
            try {
                store_->add_observations(kProject, {{"A", {"one"}}, {"Missing", {"two"}}}, std::nullopt);
            } catch (const NotFound& e) {
                EXPECT_STREQ(e.what(), "Entity with name Missing not found");
                throw;
            }
        },
        NotFound);
    EXPECT_TRUE(store_->read_graph(kProject).entities[0].observations.empty());  // rolled back
    const auto added = store_->add_observations(kProject, {{"A", {"one", "one", "two"}}, {"A", {"two", "three"}}}, "s");
    ASSERT_EQ(added.size(), 2u);
    EXPECT_EQ(added[0].added, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(added[1].added, (std::vector<std::string>{"three"}));
    EXPECT_EQ(contents(store_->read_graph(kProject).entities[0]), (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(StoreTest, DeleteEntitiesCascadesToObservationsRelationsAndSearchIndex) {
    store_->create_entities(kProject, {entity("A", "person", {"likes tea"}), entity("B", "team")}, std::nullopt);
    store_->create_relations(kProject, {relation("A", "B", "member_of"), relation("B", "C", "owns")}, std::nullopt);
    store_->delete_entities(kProject, {"A", "Nobody"});
    const Graph graph = store_->read_graph(kProject);
    EXPECT_EQ(names(graph), (std::vector<std::string>{"B"}));
    ASSERT_EQ(graph.relations.size(), 1u);
    EXPECT_EQ(graph.relations[0].to, "C");
    EXPECT_TRUE(store_->search_nodes(kProject, "likes").entities.empty());
    // The trigram index (through its delete trigger) and the queue for it (through its foreign
    // key) lost the rows too.
    EXPECT_EQ(count_rows(path(), "observation_text"), 0);
    EXPECT_EQ(count_rows(path(), "unindexed_observations"), 0);
}

TEST_F(StoreTest, RelationsMayNameMissingEntitiesAndDuplicatesAreIgnored) {
    auto created = store_->create_relations(
        kProject, {relation("X", "Y", "knows"), relation("X", "Y", "knows"), relation("X", "Y", "likes")}, "t");
    EXPECT_EQ(created.size(), 2u);
    EXPECT_EQ(store_->read_graph(kProject).relations.size(), 2u);
    EXPECT_EQ(store_->delete_relations(kProject, {{"X", "Y", "knows"}, {"Q", "R", "S"}}), 1);
    EXPECT_EQ(store_->read_graph(kProject).relations.size(), 1u);
}

TEST_F(StoreTest, DeleteObservationsIgnoresMissingEntities) {
    store_->create_entities(kProject, {entity("A", "person", {"a", "b", "c"})}, std::nullopt);
    EXPECT_EQ(store_->delete_observations(kProject, {{"A", {"b", "zzz"}}, {"Nope", {"a"}}}), 1);
    EXPECT_EQ(contents(store_->read_graph(kProject).entities[0]), (std::vector<std::string>{"a", "c"}));
}

TEST_F(StoreTest, SearchNodesIsCaseInsensitiveSubstringOverNameTypeAndObservations) {
    store_->create_entities(kProject,
                            {entity("Alice", "Person", {"Works on the Compiler"}), entity("Bob", "robot"),
                             entity("Ünïcode", "thing", {"ÄÖÜ straße"}), entity("Zed", "x")},
                            std::nullopt);
    store_->create_relations(kProject, {relation("Alice", "Zed", "knows"), relation("Zed", "Q", "x")}, std::nullopt);
    EXPECT_EQ(names(store_->search_nodes(kProject, "compiler")), (std::vector<std::string>{"Alice"}));
    EXPECT_EQ(names(store_->search_nodes(kProject, "ROB")), (std::vector<std::string>{"Bob"}));
    EXPECT_EQ(names(store_->search_nodes(kProject, "o")), (std::vector<std::string>{"Alice", "Bob", "Ünïcode"}));
    EXPECT_EQ(names(store_->search_nodes(kProject, "äöü")), (std::vector<std::string>{"Ünïcode"}));
    EXPECT_EQ(names(store_->search_nodes(kProject, "ünï")), (std::vector<std::string>{"Ünïcode"}));
    EXPECT_EQ(store_->search_nodes(kProject, "").entities.size(), 4u);  // "".includes: everything
    EXPECT_TRUE(store_->search_nodes(kProject, "on the compilers").entities.empty());
    // Relations with at least one end among the matches.
    const Graph alice = store_->search_nodes(kProject, "alice");
    ASSERT_EQ(alice.relations.size(), 1u);
    EXPECT_EQ(alice.relations[0].to, "Zed");
    EXPECT_EQ(store_->search_nodes(kProject, "\"quoted").entities.size(), 0u);  // FTS syntax is inert
}

TEST_F(StoreTest, OpenNodesReturnsExistingInCreationOrderWithTouchingRelations) {
    store_->create_entities(kProject, {entity("A", "t"), entity("B", "t"), entity("C", "t")}, std::nullopt);
    store_->create_relations(kProject, {relation("A", "B", "r"), relation("B", "C", "r"), relation("C", "D", "r")},
                             std::nullopt);
    const Graph graph = store_->open_nodes(kProject, {"C", "A", "Missing", "A"});
    EXPECT_EQ(names(graph), (std::vector<std::string>{"A", "C"}));
    EXPECT_EQ(graph.relations.size(), 3u);
}

TEST_F(StoreTest, ProjectsAreIsolated) {
    store_->create_entities("one", {entity("A", "t", {"x"})}, std::nullopt);
    store_->create_entities("two", {entity("A", "u", {"y"})}, std::nullopt);
    store_->create_relations("two", {relation("A", "B", "r")}, std::nullopt);
    EXPECT_EQ(store_->read_graph("one").entities[0].entity_type, "t");
    EXPECT_TRUE(store_->read_graph("one").relations.empty());
    store_->delete_entities("two", {"A"});
    EXPECT_EQ(store_->read_graph("one").entities.size(), 1u);
    EXPECT_EQ(store_->projects(), (std::vector<std::string>{"one"}));
}

TEST_F(StoreTest, ReadGraphPagesWithCursor) {
    std::vector<NewEntity> batch;
    for (int i = 0; i < 25; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "E%d", i);  // not "E" + ..., which GCC 12 misreads (-Wrestrict)
        batch.push_back(entity(name, "t"));
    }
    store_->create_entities(kProject, batch, std::nullopt);
    std::vector<std::string> seen;
    Page page{10, 0};
    int pages = 0;
    for (;;) {
        const Graph graph = store_->read_graph(kProject, page);
        for (const auto& name : names(graph)) seen.push_back(name);
        ++pages;
        if (!graph.next_cursor) break;
        page.after_id = std::stoll(*graph.next_cursor);
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen.size(), 25u);
    EXPECT_EQ(seen.front(), "E0");
    EXPECT_EQ(seen.back(), "E24");
}

TEST_F(StoreTest, RecordsSourceAndTimes) {
    store_->create_entities(kProject, {entity("A", "t", {"x"})}, "agent-7");
    const auto found = store_->find_entity(kProject, "A");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->provenance.source, "agent-7");
    EXPECT_EQ(found->observations[0].provenance.source, "agent-7");
    EXPECT_FALSE(found->provenance.created_at.empty());
    EXPECT_EQ(found->provenance.created_at.back(), 'Z');
}

TEST_F(StoreTest, ReopensWithSchemaVersionAndKeepsData) {
    store_->create_entities(kProject, {entity("A", "t", {"x"})}, std::nullopt);
    store_.reset();
    store_ = std::make_unique<KnowledgeStore>(path());
    EXPECT_EQ(store_->read_graph(kProject).entities.size(), 1u);
}

// Runs `sql` on the store's file with the store closed, then opens the store again.
void rewrite_closed(std::unique_ptr<KnowledgeStore>& store, const std::string& path, const char* sql) {
    store.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
    store = std::make_unique<KnowledgeStore>(path);
}

std::string user_version_and_indexes(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT (SELECT user_version FROM pragma_user_version) || ':' || group_concat(name) FROM "
                       "(SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'relations' AND sql "
                       "IS NOT NULL ORDER BY name)",
                       -1, &statement, nullptr);
    std::string found =
        sqlite3_step(statement) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)) : "";
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return found;
}

// A schema-2 database (relations_by_target) gets the covering relation indexes.
TEST_F(StoreTest, MigratesSchema2ToCoveringRelationIndexes) {
    store_->create_entities(kProject, {entity("A", "person", {"likes tea"}), entity("B", "team")}, "t");
    store_->create_relations(kProject, {relation("A", "B", "member_of")}, "t");
    rewrite_closed(store_, path(),
                   "DROP INDEX relations_leaving; DROP INDEX relations_arriving; "
                   "CREATE INDEX relations_by_target ON relations (project, to_name); "
                   "INSERT INTO observation_text (rowid, content) SELECT o.id, o.content FROM unindexed_observations "
                   "u JOIN observations o ON o.id = u.id; DROP TABLE unindexed_observations; PRAGMA user_version = 2");
    EXPECT_EQ(user_version_and_indexes(path()), "5:relations_arriving,relations_leaving");
    EXPECT_EQ(names(store_->search_nodes(kProject, "likes tea")), (std::vector<std::string>{"A"}));
    const Graph graph = store_->open_nodes(kProject, {"B"});
    ASSERT_EQ(graph.relations.size(), 1u);
    EXPECT_EQ(graph.relations[0].from, "A");
}

// Schema 3 (backed out, never released) queued observations for the trigram index; its
// queue is indexed and dropped, and schema 5 starts an empty one.
TEST_F(StoreTest, MigratesSchema3IndexingQueuedObservations) {
    store_->create_entities(kProject, {entity("A", "person", {"likes tea"})}, "t");
    rewrite_closed(
        store_, path(),
        "DROP INDEX relations_leaving; DROP INDEX relations_arriving; "
        "CREATE INDEX relations_by_target ON relations (project, to_name); "
        "DELETE FROM unindexed_observations; INSERT INTO unindexed_observations SELECT id FROM observations; "
        "DELETE FROM observation_text; PRAGMA user_version = 3");
    EXPECT_EQ(user_version_and_indexes(path()), "5:relations_arriving,relations_leaving");
    EXPECT_EQ(names(store_->search_nodes(kProject, "tea")), (std::vector<std::string>{"A"}));
}

TEST_F(StoreTest, RankedSearchFindsByObservationWithSnippet) {
    store_->create_entities(kProject,
                            {entity("Parser", "component", {"parses the configuration file"}),
                             entity("Config", "document", {"configuration reference", "configuration keys"})},
                            std::nullopt);
    SearchQuery query;
    query.text = "\"configuration\"";
    const auto hits = store_->search(kProject, query);
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_NE(hits[0].snippet.find("[configuration]"), std::string::npos) << hits[0].snippet;
    query.entity_types = {"component"};
    const auto filtered = store_->search(kProject, query);
    ASSERT_EQ(filtered.size(), 1u);
    EXPECT_EQ(filtered[0].name, "Parser");
}

// Observations reach the trigram index a batch at a time; until then search_nodes tests them
// directly and ranked search indexes them first. Either way every observation is found once.
TEST_F(StoreTest, ObservationsWaitingForTheIndexAreFoundAndIndexedInBatches) {
    store_->create_entities(kProject, {entity("A", "person")}, std::nullopt);
    constexpr int kAdded = 150;
    for (int k = 0; k < kAdded; ++k)
        store_->add_observations(kProject, {{"A", {std::string("note ") += std::to_string(k) += " about tea"}}}, "t");
    const int waiting = count_rows(path(), "unindexed_observations");
    EXPECT_GT(waiting, 0);
    EXPECT_LT(waiting, 64);
    EXPECT_EQ(count_rows(path(), "observation_text") + waiting, kAdded);  // each observation in one place
    EXPECT_EQ(names(store_->search_nodes(kProject, "NOTE 3 ")), (std::vector<std::string>{"A"}));    // indexed
    EXPECT_EQ(names(store_->search_nodes(kProject, "note 149 ")), (std::vector<std::string>{"A"}));  // waiting
    EXPECT_EQ(store_->search_nodes(kProject, "note 149 ").entities[0].observations.size(), size_t{kAdded});

    store_->delete_observations(kProject, {{"A", {"note 149 about tea"}}});
    EXPECT_EQ(count_rows(path(), "unindexed_observations"), waiting - 1);
    EXPECT_TRUE(store_->search_nodes(kProject, "note 149 ").entities.empty());

    SearchQuery query;
    query.text = "\"note 148 \"";
    const auto hits = store_->search(kProject, query);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_NE(hits[0].snippet.find("[note 148 ]"), std::string::npos) << hits[0].snippet;
    EXPECT_EQ(count_rows(path(), "unindexed_observations"), 0);
    EXPECT_EQ(count_rows(path(), "observation_text"), kAdded - 1);
}

// The queue is a table in the same transactions as the observations, so a process that stops
// with observations waiting (as a kill would leave it) loses none of them from search.
TEST_F(StoreTest, ObservationsWaitingAtAStopAreFoundAfterReopening) {
    store_->create_entities(kProject, {entity("A", "person"), entity("B", "team")}, std::nullopt);
    store_->add_observations(kProject, {{"A", {"brews green tea"}}, {"B", {"ships the parser"}}}, "t");
    store_.reset();
    ASSERT_EQ(count_rows(path(), "unindexed_observations"), 2);
    store_ = std::make_unique<KnowledgeStore>(path());
    EXPECT_EQ(names(store_->search_nodes(kProject, "GREEN TEA")), (std::vector<std::string>{"A"}));
    SearchQuery query;
    query.text = "\"parser\"";
    const auto hits = store_->search(kProject, query);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].name, "B");
    EXPECT_NE(hits[0].snippet.find("[parser]"), std::string::npos) << hits[0].snippet;
}

// A statement left mid-result keeps the connection's read transaction open, and then no
// checkpoint can ever run: the WAL grows with every write and reads slow down. After any call
// the store must hold no read transaction, so a second connection can checkpoint everything.
TEST_F(StoreTest, HoldsNoReadTransactionBetweenCalls) {
    store_->create_entities(kProject, {entity("A", "person", {"likes tea"}), entity("B", "team")}, "t");
    store_->create_relations(kProject, {relation("A", "B", "member_of")}, "t");
    store_->add_observations(kProject, {{"A", {"drinks coffee"}}}, "t");
    store_->search_nodes(kProject, "tea");
    store_->open_nodes(kProject, {"A", "B"});
    store_->read_graph(kProject, Page{1, 0});
    SearchQuery query;
    query.text = "coffee";
    store_->search(kProject, query);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    // Waits out a moment's lock by another connection (the store's checkpoint thread opening its
    // own); a read transaction the store kept would outlast it, and the checkpoint still fails.
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA journal_mode", nullptr, nullptr, nullptr), SQLITE_OK);  // finds the WAL
    int wal_frames = -1;
    int checkpointed = -1;
    EXPECT_EQ(sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &wal_frames, &checkpointed), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    EXPECT_EQ(std::filesystem::file_size(path() + "-wal"), 0u);  // truncated: nobody was reading
}

// Checkpoints run on the store's own thread, not in the writes' commits; they must still run,
// or the WAL would grow with every write.
TEST_F(StoreTest, CheckpointsKeepTheWalBounded) {
    const auto numbered = [](std::string text, int number) { return text.append(std::to_string(number)); };
    std::vector<NewEntity> entities;
    for (int i = 0; i < 100; ++i) entities.push_back(entity(numbered("E", i), "task", {"first note"}));
    store_->create_entities(kProject, entities, "t");
    // A few WAL pages each, more when a batch reaches the index: without checkpoints the WAL
    // ends past the bound below (checked with the thread's requests turned off).
    for (int call = 0; call < 2000; ++call) {
        store_->add_observations(kProject, {{numbered("E", call % 100), {numbered("note ", call)}}}, "t");
        if (call % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the thread's turn
    }
    const auto wal_pages = std::filesystem::file_size(path() + "-wal") / 4096;
    EXPECT_LT(wal_pages, 2 * static_cast<uintmax_t>(Checkpointer::kThresholdPages));
    EXPECT_EQ(store_->read_graph(kProject).entities.size(), 100u);
}

// The store indexes what it writes (no insert triggers): retyping, superseding and reopening
// must leave the trigram indexes matching the rows.
TEST_F(StoreTest, SearchFollowsRetypeSupersedeAndReopen) {
    store_->create_entities(kProject, {entity("A", "person", {"likes tea"})}, "t");
    store_->update_entity(kProject, "A", std::string("robotic"), std::nullopt);
    EXPECT_EQ(names(store_->search_nodes(kProject, "robotic")), (std::vector<std::string>{"A"}));
    EXPECT_TRUE(store_->search_nodes(kProject, "person").entities.empty());
    store_->supersede_observation(kProject, "A", "likes tea", "likes coffee", "t");
    EXPECT_EQ(names(store_->search_nodes(kProject, "coffee")), (std::vector<std::string>{"A"}));
    store_->supersede_observation(kProject, "A", "likes coffee", "likes tea", "t");  // reopens the old one
    EXPECT_EQ(names(store_->search_nodes(kProject, "tea")), (std::vector<std::string>{"A"}));
    SearchQuery query;
    query.text = "robotic";
    ASSERT_EQ(store_->search(kProject, query).size(), 1u);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    // FTS5's own consistency check: every index row matches its content.
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO observation_text (observation_text) VALUES ('integrity-check');"
                           "INSERT INTO entity_text (entity_text) VALUES ('integrity-check')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM entity_text", -1, &statement, nullptr);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(statement, 0), 1);  // replaced, not added
    sqlite3_finalize(statement);
    sqlite3_close(db);
}

}  // namespace
}  // namespace knowledge::testing
