// type_rules_test.cpp: type definitions and the violations they report.
#include <gtest/gtest.h>

#include "type_rules.hpp"

namespace knowledge {
namespace {

const Json kRequirement = {
    {"properties",
     {{"priority", {{"type", "string"}, {"enum", {"must", "should", "could"}}}}, {"points", {{"type", "integer"}}}}},
    {"required", {"priority"}},
    {"additionalProperties", false},
    {"requiredRelations", {{{"relationType", "part_of"}, {"direction", "outgoing"}, {"targetType", "document"}}}}};

TypeOf types(std::map<std::string, std::string> known) {
    return [known](const std::string& name) -> std::optional<std::string> {
        auto found = known.find(name);
        if (found == known.end()) return std::nullopt;
        return found->second;
    };
}

Edge edge(std::string from, std::string to, std::string type, bool outgoing) {
    Relation relation;
    relation.from = from;
    relation.to = to;
    relation.relation_type = std::move(type);
    return Edge{relation, outgoing ? to : from};
}

TEST(TypeRules, AcceptsAnEntityThatKeepsEveryRule) {
    const auto edges = std::vector<Edge>{edge("R1", "Spec", "part_of", true)};
    EXPECT_EQ(entity_violation("requirement", kRequirement, "R1", {{"priority", "must"}, {"points", 3}}, edges,
                               types({{"Spec", "document"}})),
              "");
}

TEST(TypeRules, NamesTheRuleThatIsBroken) {
    const auto edges = std::vector<Edge>{edge("R1", "Spec", "part_of", true)};
    const TypeOf lookup = types({{"Spec", "document"}, {"Other", "task"}});
    EXPECT_NE(entity_violation("requirement", kRequirement, "R1", Json::object(), edges, lookup)
                  .find("rule requirement.required[priority]"),
              std::string::npos);
    EXPECT_NE(entity_violation("requirement", kRequirement, "R1", {{"priority", "never"}}, edges, lookup)
                  .find("rule requirement.properties.priority.enum"),
              std::string::npos);
    EXPECT_NE(
        entity_violation("requirement", kRequirement, "R1", {{"priority", "must"}, {"points", "3"}}, edges, lookup)
            .find("rule requirement.properties.points.type"),
        std::string::npos);
    EXPECT_NE(
        entity_violation("requirement", kRequirement, "R1", {{"priority", "must"}, {"colour", "red"}}, edges, lookup)
            .find("rule requirement.additionalProperties"),
        std::string::npos);
    EXPECT_NE(entity_violation("requirement", kRequirement, "R1", {{"priority", "must"}}, {}, lookup)
                  .find("rule requirement.requiredRelations[part_of]"),
              std::string::npos);
    const auto wrong_target = std::vector<Edge>{edge("R1", "Other", "part_of", true)};
    EXPECT_NE(entity_violation("requirement", kRequirement, "R1", {{"priority", "must"}}, wrong_target, lookup), "");
}

TEST(TypeRules, RelationEndpointTypes) {
    const Json member_of = {{"fromTypes", {"person", "agent"}}, {"toTypes", {"team"}}};
    const TypeOf lookup = types({{"ann", "person"}, {"core", "team"}, {"doc", "document"}});
    EXPECT_EQ(relation_violation(member_of, {"ann", "core", "member_of"}, lookup), "");
    EXPECT_NE(relation_violation(member_of, {"doc", "core", "member_of"}, lookup).find("rule member_of.fromTypes"),
              std::string::npos);
    EXPECT_NE(relation_violation(member_of, {"ann", "ghost", "member_of"}, lookup).find("not an entity"),
              std::string::npos);
}

TEST(TypeRules, RefusesMalformedDefinitions) {
    EXPECT_EQ(definition_problem("entity", kRequirement), "");
    EXPECT_NE(definition_problem("entity", {{"properties", {{"p", {{"type", "date"}}}}}}), "");
    EXPECT_NE(definition_problem("entity", {{"required", "p"}}), "");
    EXPECT_NE(definition_problem("relation", {{"fromTypes", "person"}}), "");
    EXPECT_NE(definition_problem("entity", Json::array()), "");
    EXPECT_THROW(TypeRules(Json{{"entities", {{"bad", {{"required", 5}}}}}}), std::invalid_argument);
    const TypeRules rules(Json{{"entities", {{"requirement", kRequirement}}}});
    EXPECT_TRUE(rules.configured("entity", "requirement"));
    EXPECT_FALSE(rules.configured("relation", "requirement"));
}

TEST(TypeRules, VocabularyIsComplete) {
    EXPECT_EQ(entity_vocabulary().size(), 11u);
    EXPECT_EQ(relation_vocabulary().size(), 10u);
}

}  // namespace
}  // namespace knowledge
