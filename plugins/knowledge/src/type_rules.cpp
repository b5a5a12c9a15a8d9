// type_rules.cpp: see type_rules.hpp.
#include "type_rules.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace knowledge {

namespace {

bool has_json_type(const Json& value, const std::string& type) {
    if (type == "string") return value.is_string();
    if (type == "number") return value.is_number();
    if (type == "integer") return value.is_number_integer();
    if (type == "boolean") return value.is_boolean();
    if (type == "array") return value.is_array();
    if (type == "object") return value.is_object();
    return false;
}

bool is_string_array(const Json& value) {
    return value.is_array() && std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); });
}

bool contains(const Json& array, const std::string& value) {
    return std::any_of(array.begin(), array.end(), [&](const Json& v) { return v == value; });
}

}  // namespace

const std::vector<std::string>& entity_vocabulary() {
    static const std::vector<std::string> types = {"project",  "document", "section",    "requirement",
                                                   "decision", "agent",    "team",       "role",
                                                   "person",   "task",     "deliverable"};
    return types;
}

const std::vector<std::string>& relation_vocabulary() {
    static const std::vector<std::string> types = {"member_of",  "reports_to", "has_role", "owns",     "assigned_to",
                                                   "depends_on", "documents",  "part_of",  "mentions", "supersedes"};
    return types;
}

std::string definition_problem(const std::string& kind, const Json& definition) {
    if (!definition.is_object()) return "a type definition must be an object";
    if (kind == "relation") {
        for (const char* key : {"fromTypes", "toTypes"})
            if (definition.contains(key) && !is_string_array(definition[key]))
                return std::string(key) + " must be an array of entity type names";
        return {};
    }
    if (definition.contains("properties")) {
        if (!definition["properties"].is_object()) return "properties must be an object of {name: {type, enum?}}";
        for (const auto& [name, property] : definition["properties"].items()) {
            if (!property.is_object()) return "properties." + name + " must be an object";
            if (property.contains("type") &&
                (!property["type"].is_string() ||
                 !contains(Json{"string", "number", "integer", "boolean", "array", "object"},
                           property["type"].get<std::string>())))
                return "properties." + name + ".type must be one of string, number, integer, boolean, array, object";
            if (property.contains("enum") && !property["enum"].is_array())
                return "properties." + name + ".enum must be an array";
        }
    }
    if (definition.contains("required") && !is_string_array(definition["required"]))
        return "required must be an array of property names";
    if (definition.contains("additionalProperties") && !definition["additionalProperties"].is_boolean())
        return "additionalProperties must be a boolean";
    if (definition.contains("requiredRelations")) {
        if (!definition["requiredRelations"].is_array()) return "requiredRelations must be an array";
        for (const Json& rule : definition["requiredRelations"]) {
            if (!rule.is_object() || !rule.contains("relationType") || !rule["relationType"].is_string())
                return "each requiredRelations item needs a relationType string";
            const std::string direction = rule.value("direction", "outgoing");
            if (direction != "outgoing" && direction != "incoming")
                return "requiredRelations direction must be \"outgoing\" or \"incoming\"";
            if (rule.contains("targetType") && !rule["targetType"].is_string())
                return "requiredRelations targetType must be a string";
        }
    }
    return {};
}

std::string entity_violation(const std::string& type, const Json& definition, const std::string& name,
                             const Json& properties, const std::vector<Edge>& edges, const TypeOf& type_of) {
    const std::string entity = "entity \"" + name + "\"";
    const Json declared = definition.value("properties", Json::object());
    for (const Json& required : definition.value("required", Json::array())) {
        const std::string property = required.get<std::string>();
        if (!properties.contains(property))
            return "rule " + type + ".required[" + property + "]: " + entity + " has no property \"" + property + "\"";
    }
    for (const auto& [property, value] : properties.items()) {
        if (!declared.contains(property)) {
            if (!definition.value("additionalProperties", true))
                return "rule " + type + ".additionalProperties: " + entity + " has property \"" + property +
                       "\", which the type does not declare";
            continue;
        }
        const Json& rule = declared[property];
        if (rule.contains("type") && !has_json_type(value, rule["type"].get<std::string>()))
            return "rule " + type + ".properties." + property + ".type: " + entity + " has " + value.dump() +
                   ", not a " + rule["type"].get<std::string>();
        if (rule.contains("enum") && std::find(rule["enum"].begin(), rule["enum"].end(), value) == rule["enum"].end())
            return "rule " + type + ".properties." + property + ".enum: " + entity + " has " + value.dump() +
                   ", not one of " + rule["enum"].dump();
    }
    for (const Json& rule : definition.value("requiredRelations", Json::array())) {
        const std::string relation_type = rule["relationType"].get<std::string>();
        const bool outgoing = rule.value("direction", "outgoing") == "outgoing";
        const std::optional<std::string> target =
            rule.contains("targetType") ? std::optional<std::string>(rule["targetType"].get<std::string>())
                                        : std::nullopt;
        const bool satisfied = std::any_of(edges.begin(), edges.end(), [&](const Edge& edge) {
            if (edge.relation.relation_type != relation_type) return false;
            if ((edge.relation.from == name) != outgoing) return false;
            return !target || type_of(edge.neighbor) == target;
        });
        if (!satisfied)
            return "rule " + type + ".requiredRelations[" + relation_type + "]: " + entity + " needs an " +
                   (outgoing ? "outgoing" : "incoming") + " " + relation_type + " relation" +
                   (target ? " with a " + *target : std::string()) +
                   " (relations may name entities that do not exist yet, so create the relation first)";
    }
    return {};
}

std::string relation_violation(const Json& definition, const RelationKey& relation, const TypeOf& type_of) {
    const auto check = [&](const char* key, const std::string& end) -> std::string {
        if (!definition.contains(key)) return {};
        const std::optional<std::string> type = type_of(end);
        if (type && contains(definition[key], *type)) return {};
        return "rule " + relation.relation_type + "." + key + ": \"" + end + "\" is " +
               (type ? "a " + *type : std::string("not an entity")) + ", but " + relation.relation_type + " accepts " +
               definition[key].dump();
    };
    std::string problem = check("fromTypes", relation.from);
    return problem.empty() ? check("toTypes", relation.to) : problem;
}

TypeRules::TypeRules(const Json& config_types) {
    if (config_types.is_null()) return;
    if (!config_types.is_object())
        throw std::invalid_argument("config.types must be an object {\"entities\": {...}, \"relations\": {...}}");
    for (const auto& [group, kind, target] :
         {std::tuple{"entities", "entity", &entities_}, std::tuple{"relations", "relation", &relations_}}) {
        if (!config_types.contains(group)) continue;
        if (!config_types[group].is_object())
            throw std::invalid_argument(std::string("config.types.") + group + " must be an object of definitions");
        for (const auto& [name, definition] : config_types[group].items()) {
            const std::string problem = definition_problem(kind, definition);
            if (!problem.empty())
                throw std::invalid_argument(std::string("config.types.") + group + "." + name + ": " + problem);
            (*target)[name] = definition;
        }
    }
}

std::optional<Json> TypeRules::configured(const std::string& kind, const std::string& name) const {
    const auto& definitions = kind == "entity" ? entities_ : relations_;
    auto found = definitions.find(name);
    if (found == definitions.end()) return std::nullopt;
    return found->second;
}

const std::map<std::string, Json>& TypeRules::configured_all(const std::string& kind) const {
    return kind == "entity" ? entities_ : relations_;
}

}  // namespace knowledge
