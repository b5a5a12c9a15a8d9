// traversal.hpp: walks over the store's relations: neighbours to a depth, shortest paths and
// capped subgraphs. Breadth-first, one entity's edges at a time, so a walk never loads the graph.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store.hpp"

namespace knowledge {

struct WalkOptions {
    int depth = 1;  // hops from the start
    Direction direction = Direction::both;
    std::vector<std::string> relation_types;  // empty = every type
    size_t max_nodes = 200;                   // the walk stops adding entities at this many
    AsOf as_of;
};

struct Reached {
    std::string name;
    int depth = 0;
};

struct Walk {
    std::vector<Reached> nodes;       // in the order reached, the start first (depth 0)
    std::vector<Relation> relations;  // every relation followed, each once
    bool truncated = false;           // max_nodes stopped the walk
};

// Everything reachable from `start` within options.depth hops.
Walk walk(KnowledgeStore& store, const std::string& project, const std::string& start, const WalkOptions& options);

// The relations of one shortest path from `from` to `to` (at most options.depth hops), in order;
// nullopt when there is none within the limits.
std::optional<std::vector<Relation>> shortest_path(KnowledgeStore& store, const std::string& project,
                                                   const std::string& from, const std::string& to,
                                                   const WalkOptions& options);

}  // namespace knowledge
