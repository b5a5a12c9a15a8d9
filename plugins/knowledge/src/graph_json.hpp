// graph_json.hpp: the graph as tools and the HTTP API answer it: the reference server's shape
// ({name, entityType, observations} and {from, to, relationType}) or one of three detail levels.
#pragma once

#include <string>

#include "model.hpp"

namespace knowledge {

Json compat_entity(const Entity& entity);
Json compat_relation(const Relation& relation);
Json compat_graph(const Graph& graph);

// detail: "names" (entity names; relations as triples), "summary" (type and observation count
// added) or "full" (observations, properties, sources and times). nextCursor when there is more.
Json graph_at_detail(const Graph& graph, const std::string& detail);
Json entity_at_detail(const Entity& entity, const std::string& detail);
Json relation_full(const Relation& relation);

}  // namespace knowledge
