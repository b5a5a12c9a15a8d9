// operations.hpp: the graph writes as the tools and the HTTP API perform them: type rules
// checked inside the write's transaction (a violation rolls it back and throws RuleViolation),
// then one bus event per kind of change and a resource update for the project's graph.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"

namespace knowledge {

std::vector<NewEntity> create_entities(Context& context, const std::string& project,
                                       const std::vector<NewEntity>& entities,
                                       const std::optional<std::string>& source);
std::vector<RelationKey> create_relations(Context& context, const std::string& project,
                                          const std::vector<NewRelation>& relations,
                                          const std::optional<std::string>& source);
std::vector<ObservationsAdded> add_observations(Context& context, const std::string& project,
                                                const std::vector<ObservationBatch>& batches,
                                                const std::optional<std::string>& source);
int64_t delete_entities(Context& context, const std::string& project, const std::vector<std::string>& names);
int64_t delete_observations(Context& context, const std::string& project,
                            const std::vector<ObservationBatch>& deletions);
int64_t delete_relations(Context& context, const std::string& project, const std::vector<RelationKey>& relations);
void update_entity(Context& context, const std::string& project, const std::string& name,
                   const std::optional<std::string>& type, const std::optional<Json>& properties);

// The definition that applies to a type in `project`: stored by knowledge_define_type, else
// from config.
std::optional<Json> definition_for(Context& context, const std::string& project, const std::string& kind,
                                   const std::string& name);

}  // namespace knowledge
