// graph_json.cpp: see graph_json.hpp.
#include "graph_json.hpp"

namespace knowledge {

namespace {

void add_provenance(Json& object, const Provenance& provenance) {
    if (provenance.source) object["source"] = *provenance.source;
    object["createdAt"] = provenance.created_at;
    object["updatedAt"] = provenance.updated_at;
    object["validFrom"] = provenance.valid_from;
    if (provenance.valid_to) object["validTo"] = *provenance.valid_to;
}

}  // namespace

Json compat_entity(const Entity& entity) {
    Json observations = Json::array();
    for (const Observation& observation : entity.observations) observations.push_back(observation.content);
    return {{"name", entity.name}, {"entityType", entity.entity_type}, {"observations", std::move(observations)}};
}

Json compat_relation(const Relation& relation) {
    return {{"from", relation.from}, {"to", relation.to}, {"relationType", relation.relation_type}};
}

Json compat_graph(const Graph& graph) {
    Json entities = Json::array();
    for (const Entity& entity : graph.entities) entities.push_back(compat_entity(entity));
    Json relations = Json::array();
    for (const Relation& relation : graph.relations) relations.push_back(compat_relation(relation));
    return {{"entities", std::move(entities)}, {"relations", std::move(relations)}};
}

Json entity_at_detail(const Entity& entity, const std::string& detail) {
    if (detail == "names") return entity.name;
    Json json = {{"name", entity.name}, {"entityType", entity.entity_type}};
    if (detail == "summary") {
        json["observationCount"] = entity.observations.size();
        return json;
    }
    Json observations = Json::array();
    for (const Observation& observation : entity.observations) {
        Json item = {{"content", observation.content}};
        add_provenance(item, observation.provenance);
        observations.push_back(std::move(item));
    }
    json["observations"] = std::move(observations);
    json["properties"] = entity.properties;
    add_provenance(json, entity.provenance);
    return json;
}

Json relation_full(const Relation& relation) {
    Json json = compat_relation(relation);
    json["properties"] = relation.properties;
    add_provenance(json, relation.provenance);
    return json;
}

Json graph_at_detail(const Graph& graph, const std::string& detail) {
    Json entities = Json::array();
    for (const Entity& entity : graph.entities) entities.push_back(entity_at_detail(entity, detail));
    Json relations = Json::array();
    for (const Relation& relation : graph.relations)
        relations.push_back(detail == "full" ? relation_full(relation) : compat_relation(relation));
    Json json = {{"entities", std::move(entities)}, {"relations", std::move(relations)}};
    if (graph.next_cursor) json["nextCursor"] = *graph.next_cursor;
    return json;
}

}  // namespace knowledge
