// store.hpp: the knowledge graph on SQLite, scoped by project. Knows nothing of MCP, so the
// unit tests drive it directly.
//
// Thread safety: every public method may be called from any thread; one mutex serialises them
// over one connection (SQLite writes are serial anyway, and WAL keeps other processes' readers
// unblocked). Every write that touches more than one row runs in one transaction: it lands
// whole or not at all.
//
// Write semantics follow the reference memory server: creating what exists is ignored,
// deleting what is missing is ignored, observations for a missing entity fail the whole call,
// deleting an entity deletes its observations and every relation that names it, and a relation
// may name entities that do not exist.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkpointer.hpp"
#include "model.hpp"
#include "sqlite.hpp"

namespace knowledge {

// A write or read named something that is not there; the message is meant for the caller.
class NotFound : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct SearchHit {
    std::string name;
    std::string entity_type;
    double score = 0;  // bm25: lower is better
    std::string snippet;
};

struct SearchQuery {
    std::string text;
    std::vector<std::string> entity_types;  // empty = any
    int64_t limit = 20;
    int64_t offset = 0;
    AsOf as_of;
};

// What a read loads of each entity and relation.
enum class Fields {
    reference,  // what the reference server answers: names, types, observation texts, relation triples
    all,        // also properties, provenance and validity
};

// Which relations of an entity: those leaving it, those arriving, or both.
enum class Direction { outgoing, incoming, both };

struct Edge {
    Relation relation;
    std::string neighbor;  // the other end
};

class KnowledgeStore {
    // Takes the store's lock and a transaction, unless an outer Scope holds both already: then
    // the outer one ends it. A write takes BEGIN IMMEDIATE and commits or rolls back; a read
    // takes a read transaction, so its statements share one snapshot and one set of WAL locks
    // instead of one each. A write may not start inside a read.
    class Scope {
     public:
        Scope(KnowledgeStore& store, bool write) : store_(store), lock_(store.mutex_) {
            if (store.open_ == Open::read && write) throw std::logic_error("a knowledge write inside a read");
            if (store.open_ != Open::none) return;
            if (write)
                transaction_.emplace(store.db_);
            else
                read_.emplace(store.db_);
            store.open_ = write ? Open::write : Open::read;
        }
        ~Scope() {
            if (transaction_ || read_) store_.open_ = Open::none;
        }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        void commit() {
            if (transaction_) transaction_->commit();
        }

     private:
        KnowledgeStore& store_;
        std::lock_guard<std::recursive_mutex> lock_;
        std::optional<Transaction> transaction_;
        std::optional<ReadTransaction> read_;
    };
    enum class Open { none, read, write };

 public:
    // Opens (creating if needed) the database at `path` and migrates it.
    explicit KnowledgeStore(const std::string& path);

    // ---- the reference server's nine operations ----
    // Each returns what it created (duplicates of stored items are left out).
    std::vector<NewEntity> create_entities(const std::string& project, const std::vector<NewEntity>& entities,
                                           const std::optional<std::string>& source);
    std::vector<RelationKey> create_relations(const std::string& project, const std::vector<NewRelation>& relations,
                                              const std::optional<std::string>& source);
    // Throws NotFound("Entity with name X not found") and stores nothing when one entity is missing.
    std::vector<ObservationsAdded> add_observations(const std::string& project,
                                                    const std::vector<ObservationBatch>& batches,
                                                    const std::optional<std::string>& source);
    // Returns how many entities were deleted.
    int64_t delete_entities(const std::string& project, const std::vector<std::string>& names);
    int64_t delete_observations(const std::string& project, const std::vector<ObservationBatch>& deletions);
    int64_t delete_relations(const std::string& project, const std::vector<RelationKey>& relations);

    // Entities in creation order with their observations. With page.limit, at most that many
    // entities and the relations that touch them; otherwise the whole graph with every relation.
    Graph read_graph(const std::string& project, const Page& page = {}, const AsOf& as_of = {},
                     Fields fields = Fields::all);
    // Entities whose name, type or an observation contains `query` (case-insensitive), and the
    // relations with at least one end among them.
    Graph search_nodes(const std::string& project, const std::string& query, const Page& page = {},
                       const AsOf& as_of = {}, Fields fields = Fields::all);
    // The named entities that exist, and the relations with at least one end among them.
    Graph open_nodes(const std::string& project, const std::vector<std::string>& names, const AsOf& as_of = {},
                     Fields fields = Fields::all);

    // ---- beyond the reference ----
    // Ranked full-text search (bm25) over names, types and observations.
    std::vector<SearchHit> search(const std::string& project, const SearchQuery& query);
    // Closes the observation `old_content` of `entity` and adds `new_content` in its place.
    void supersede_observation(const std::string& project, const std::string& entity, const std::string& old_content,
                               const std::string& new_content, const std::optional<std::string>& source);
    // Closes entity `old_name` (and its relations), creates `replacement` if missing, and
    // records `replacement -supersedes-> old_name`.
    void supersede_entity(const std::string& project, const std::string& old_name, const NewEntity& replacement,
                          const std::optional<std::string>& source);
    // Closes a relation now; false when there was no open one.
    bool close_relation(const std::string& project, const RelationKey& key);
    // Replaces an entity's type and/or properties; throws NotFound.
    void update_entity(const std::string& project, const std::string& name, const std::optional<std::string>& type,
                       const std::optional<Json>& properties);
    std::optional<Entity> find_entity(const std::string& project, const std::string& name, const AsOf& as_of = {});
    // Relations of `name` valid at `as_of`, filtered by type (empty = all) and direction.
    std::vector<Edge> edges(const std::string& project, const std::string& name, Direction direction,
                            const std::vector<std::string>& relation_types, const AsOf& as_of = {});
    // The projects that hold anything.
    std::vector<std::string> projects();

    // Stored type definitions: kind is "entity" or "relation".
    void put_type_definition(const std::string& project, const std::string& kind, const std::string& name,
                             const Json& definition);
    std::vector<std::pair<std::string, Json>> type_definitions(const std::string& project, const std::string& kind);

    // Runs `body` inside one transaction holding the store's lock, for callers that validate
    // after writing (the validation sees the writes; a throw rolls everything back).
    template <typename Body>
    auto atomically(Body&& body) {
        Scope scope(*this, true);
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            scope.commit();
        } else {
            auto result = body();
            scope.commit();
            return result;
        }
    }

 private:
    std::optional<int64_t> entity_id(const std::string& project, const std::string& name);
    // A stored row and whether it holds now (valid_to unset).
    struct StoredRow {
        int64_t id = 0;
        bool current = false;
    };
    // The id of the entity inserted or opened again; nullopt when a current one has the name.
    std::optional<int64_t> insert_or_reopen_entity(const std::string& project, const NewEntity& entity,
                                                   const std::optional<std::string>& source, const std::string& now,
                                                   const std::string& valid_from);
    std::optional<StoredRow> find_observation(int64_t entity_id, const std::string& content);
    void insert_observation(int64_t entity_id, const std::string& content, const std::optional<std::string>& source,
                            const std::string& now, const std::string& valid_from);
    void reopen_observation(int64_t id, const std::string& now);
    // Keep the trigram indexes in step with an inserted, reopened or retyped row (no triggers:
    // see schema.cpp).
    void index_entity(int64_t id, const std::string& name, const std::string& entity_type);
    void index_observation(int64_t id, const std::string& content);
    // Indexes the observations waiting in unindexed_observations once at least that many wait.
    void index_waiting_observations(int64_t at_least = 1);
    std::vector<Entity> load_entities(const std::vector<int64_t>& ids, const AsOf& as_of, Fields fields);
    std::vector<Relation> relations_touching(const std::string& project, const std::vector<Entity>& entities,
                                             const AsOf& as_of, Fields fields);
    std::vector<Entity> all_entities(const std::string& project, const AsOf& as_of, Fields fields);
    std::vector<Relation> all_relations(const std::string& project, const AsOf& as_of, Fields fields);
    std::vector<int64_t> matching_entity_ids(const std::string& project, const std::string& query, const AsOf& as_of);

    std::recursive_mutex mutex_;
    Database db_;                                 // guarded by mutex_
    Open open_ = Open::none;                      // guarded by mutex_
    std::unique_ptr<Checkpointer> checkpointer_;  // declared after db_: stops before the connection closes
};

}  // namespace knowledge
