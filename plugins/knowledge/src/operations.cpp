// operations.cpp: see operations.hpp.
#include "operations.hpp"

#include <algorithm>

namespace knowledge {

namespace {

TypeOf type_lookup(Context& context, const std::string& project) {
    return [&context, project](const std::string& name) -> std::optional<std::string> {
        const std::optional<Entity> entity = context.store.find_entity(project, name);
        if (!entity) return std::nullopt;
        return entity->entity_type;
    };
}

bool in_vocabulary(const std::vector<std::string>& vocabulary, const std::string& type) {
    return std::find(vocabulary.begin(), vocabulary.end(), type) != vocabulary.end();
}

void check_entity(Context& context, const std::string& project, const std::string& name, const std::string& type,
                  const Json& properties) {
    const std::optional<Json> definition = definition_for(context, project, "entity", type);
    if (!definition) {
        if (context.settings.strict_types && !in_vocabulary(entity_vocabulary(), type))
            throw RuleViolation("rule strict_types: entity \"" + name + "\" has type \"" + type +
                                "\", which is neither in the vocabulary nor defined (knowledge_define_type)");
        return;
    }
    const std::vector<Edge> edges = context.store.edges(project, name, Direction::both, {});
    const std::string problem =
        entity_violation(type, *definition, name, properties, edges, type_lookup(context, project));
    if (!problem.empty()) throw RuleViolation(problem);
}

void check_relation(Context& context, const std::string& project, const RelationKey& key) {
    const std::optional<Json> definition = definition_for(context, project, "relation", key.relation_type);
    if (!definition) {
        if (context.settings.strict_types && !in_vocabulary(relation_vocabulary(), key.relation_type))
            throw RuleViolation("rule strict_types: relation type \"" + key.relation_type +
                                "\" is neither in the vocabulary nor defined (knowledge_define_type)");
        return;
    }
    const std::string problem = relation_violation(*definition, key, type_lookup(context, project));
    if (!problem.empty()) throw RuleViolation(problem);
}

Json names_of(const std::vector<NewEntity>& entities) {
    Json names = Json::array();
    for (const NewEntity& entity : entities) names.push_back(entity.name);
    return names;
}

Json triples_of(const std::vector<RelationKey>& relations) {
    Json triples = Json::array();
    for (const RelationKey& key : relations)
        triples.push_back({{"from", key.from}, {"to", key.to}, {"relationType", key.relation_type}});
    return triples;
}

Json event(const std::string& project, const std::optional<std::string>& source) {
    Json payload = {{"project", project}};
    if (source) payload["source"] = *source;
    return payload;
}

}  // namespace

std::optional<Json> definition_for(Context& context, const std::string& project, const std::string& kind,
                                   const std::string& name) {
    for (auto& [stored_name, definition] : context.store.type_definitions(project, kind))
        if (stored_name == name) return definition;
    return context.rules.configured(kind, name);
}

std::vector<NewEntity> create_entities(Context& context, const std::string& project,
                                       const std::vector<NewEntity>& entities,
                                       const std::optional<std::string>& source) {
    const std::vector<NewEntity> created = context.store.atomically([&] {
        std::vector<NewEntity> written = context.store.create_entities(project, entities, source);
        for (const NewEntity& entity : written)
            check_entity(context, project, entity.name, entity.entity_type, entity.properties);
        return written;
    });
    if (!created.empty()) {
        Json payload = event(project, source);
        payload["entities"] = names_of(created);
        context.changed(project, "knowledge.entity.created", payload);
    }
    return created;
}

std::vector<RelationKey> create_relations(Context& context, const std::string& project,
                                          const std::vector<NewRelation>& relations,
                                          const std::optional<std::string>& source) {
    const std::vector<RelationKey> created = context.store.atomically([&] {
        for (const NewRelation& relation : relations) check_relation(context, project, relation.key);
        return context.store.create_relations(project, relations, source);
    });
    if (!created.empty()) {
        Json payload = event(project, source);
        payload["relations"] = triples_of(created);
        context.changed(project, "knowledge.relation.created", payload);
    }
    return created;
}

std::vector<ObservationsAdded> add_observations(Context& context, const std::string& project,
                                                const std::vector<ObservationBatch>& batches,
                                                const std::optional<std::string>& source) {
    const std::vector<ObservationsAdded> results = context.store.add_observations(project, batches, source);
    Json added = Json::array();
    for (const ObservationsAdded& result : results)
        if (!result.added.empty()) added.push_back({{"entityName", result.entity_name}, {"contents", result.added}});
    if (!added.empty()) {
        Json payload = event(project, source);
        payload["observations"] = added;
        context.changed(project, "knowledge.observation.added", payload);
    }
    return results;
}

int64_t delete_entities(Context& context, const std::string& project, const std::vector<std::string>& names) {
    const int64_t deleted = context.store.delete_entities(project, names);
    if (deleted > 0) {
        Json payload = event(project, std::nullopt);
        payload["entities"] = names;
        context.changed(project, "knowledge.entity.deleted", payload);
    }
    return deleted;
}

int64_t delete_observations(Context& context, const std::string& project,
                            const std::vector<ObservationBatch>& deletions) {
    const int64_t deleted = context.store.delete_observations(project, deletions);
    if (deleted > 0) {
        Json payload = event(project, std::nullopt);
        Json items = Json::array();
        for (const ObservationBatch& deletion : deletions)
            items.push_back({{"entityName", deletion.entity_name}, {"contents", deletion.contents}});
        payload["observations"] = items;
        context.changed(project, "knowledge.observation.deleted", payload);
    }
    return deleted;
}

int64_t delete_relations(Context& context, const std::string& project, const std::vector<RelationKey>& relations) {
    const int64_t deleted = context.store.delete_relations(project, relations);
    if (deleted > 0) {
        Json payload = event(project, std::nullopt);
        payload["relations"] = triples_of(relations);
        context.changed(project, "knowledge.relation.deleted", payload);
    }
    return deleted;
}

void update_entity(Context& context, const std::string& project, const std::string& name,
                   const std::optional<std::string>& type, const std::optional<Json>& properties) {
    context.store.atomically([&] {
        context.store.update_entity(project, name, type, properties);
        const std::optional<Entity> entity = context.store.find_entity(project, name);
        check_entity(context, project, name, entity->entity_type, entity->properties);
    });
    Json payload = event(project, std::nullopt);
    payload["entities"] = Json::array({name});
    context.changed(project, "knowledge.entity.updated", payload);
}

}  // namespace knowledge
