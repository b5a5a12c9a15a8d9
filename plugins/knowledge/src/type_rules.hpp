// type_rules.hpp: the built-in vocabulary and the JSON-Schema-like type definitions that
// validate entities (properties, required relations) and relations (endpoint types).
//
// An entity type definition:
//   {"properties": {"<name>": {"type": "string|number|integer|boolean|array|object", "enum": [...]}},
//    "required": ["<property>", ...], "additionalProperties": false,
//    "requiredRelations": [{"relationType": "member_of", "direction": "outgoing|incoming",
//                           "targetType": "team"}]}
// A relation type definition:
//   {"fromTypes": ["person", ...], "toTypes": ["team", ...]}
// A violation is reported as one message that names the rule, e.g.
//   rule requirement.required[priority]: entity "R-1" has no property "priority".
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model.hpp"
#include "store.hpp"

namespace knowledge {

// A write broke a type rule; the message names the rule.
class RuleViolation : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

const std::vector<std::string>& entity_vocabulary();
const std::vector<std::string>& relation_vocabulary();

// Why `definition` is not a valid definition of `kind` ("entity" or "relation"); empty if it is.
std::string definition_problem(const std::string& kind, const Json& definition);

// Looks up the type of an entity by name; nullopt when there is none.
using TypeOf = std::function<std::optional<std::string>(const std::string& name)>;

// The first rule of `definition` that the entity breaks, as a message; empty when none.
// `edges` are the entity's current relations (both directions).
std::string entity_violation(const std::string& type, const Json& definition, const std::string& name,
                             const Json& properties, const std::vector<Edge>& edges, const TypeOf& type_of);

// The first rule of `definition` that the relation breaks; empty when none.
std::string relation_violation(const Json& definition, const RelationKey& relation, const TypeOf& type_of);

// Definitions from the plugin's config (`types`: {"entities": {...}, "relations": {...}}),
// valid for every project; definitions stored by knowledge_define_type take precedence.
class TypeRules {
 public:
    TypeRules() = default;
    // Throws std::invalid_argument naming the config path of a bad definition.
    explicit TypeRules(const Json& config_types);
    std::optional<Json> configured(const std::string& kind, const std::string& name) const;
    const std::map<std::string, Json>& configured_all(const std::string& kind) const;

 private:
    std::map<std::string, Json> entities_;
    std::map<std::string, Json> relations_;
};

}  // namespace knowledge
