// model.hpp: the knowledge graph's value types, shared by the store, the tools and the exporters.
// Plain data: no SQLite and no MCP in here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace knowledge {

using Json = nlohmann::json;

// Who wrote a fact and when it holds. Times are ISO-8601 UTC strings; valid_to empty = still true.
struct Provenance {
    std::optional<std::string> source;
    std::string created_at;
    std::string updated_at;
    std::string valid_from;
    std::optional<std::string> valid_to;
};

struct Observation {
    std::string content;
    Provenance provenance;
};

struct Entity {
    int64_t id = 0;
    std::string name;
    std::string entity_type;
    std::vector<Observation> observations;
    Json properties = Json::object();
    Provenance provenance;
};

struct Relation {
    int64_t id = 0;
    std::string from;
    std::string to;
    std::string relation_type;
    Json properties = Json::object();
    Provenance provenance;
};

struct Graph {
    std::vector<Entity> entities;
    std::vector<Relation> relations;
    std::optional<std::string> next_cursor;  // set when a bounded read stopped early
};

// What a write names, as the reference server's tools take it.
struct NewEntity {
    std::string name;
    std::string entity_type;
    std::vector<std::string> observations;
    Json properties = Json::object();
    std::optional<std::string> valid_from;
};

struct RelationKey {
    std::string from;
    std::string to;
    std::string relation_type;
    bool operator==(const RelationKey&) const = default;
};

struct NewRelation {
    RelationKey key;
    Json properties = Json::object();
    std::optional<std::string> valid_from;
};

struct ObservationBatch {
    std::string entity_name;
    std::vector<std::string> contents;
};

struct ObservationsAdded {
    std::string entity_name;
    std::vector<std::string> added;
};

// Options of every bounded read.
struct Page {
    int64_t limit = 0;     // 0 = no limit
    int64_t after_id = 0;  // rows with a larger id than this (the cursor)
};

// A point in time for "as of" reads; empty = what is true now (valid_to unset).
using AsOf = std::optional<std::string>;

}  // namespace knowledge
