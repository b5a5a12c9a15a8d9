// format_test.cpp: exports, JSONL import and case folding.
#include <gtest/gtest.h>

#include "export.hpp"
#include "jsonl_import.hpp"
#include "reference_answer.hpp"
#include "text_fold.hpp"

namespace knowledge {
namespace {

Graph sample() {
    Graph graph;
    Entity a;
    a.name = "A <&> \"quoted\"";
    a.entity_type = "person";
    a.observations.push_back(Observation{"likes tea", {}});
    graph.entities.push_back(a);
    Relation r;
    r.from = a.name;
    r.to = "Missing";
    r.relation_type = "knows";
    graph.relations.push_back(r);
    return graph;
}

TEST(Export, AllFormatsCarryEveryNodeAndEdge) {
    const Graph graph = sample();
    const std::string graphml = export_graph(graph, ExportFormat::graphml);
    EXPECT_NE(graphml.find("A &lt;&amp;&gt; &quot;quoted&quot;"), std::string::npos);
    EXPECT_NE(graphml.find("<node id=\"Missing\"/>"), std::string::npos);
    EXPECT_NE(graphml.find("<edge"), std::string::npos);
    const Json cytoscape = Json::parse(export_graph(graph, ExportFormat::cytoscape));
    EXPECT_EQ(cytoscape["elements"]["nodes"].size(), 2u);
    EXPECT_EQ(cytoscape["elements"]["edges"][0]["data"]["label"], "knows");
    const std::string dot = export_graph(graph, ExportFormat::dot);
    EXPECT_NE(dot.find("digraph knowledge"), std::string::npos);
    EXPECT_NE(dot.find("\\\"quoted\\\""), std::string::npos);
    const Json json = Json::parse(export_graph(graph, ExportFormat::json));
    EXPECT_EQ(json["entities"][0]["observations"][0], "likes tea");
    EXPECT_FALSE(parse_export_format("svg"));
}

TEST(Import, ReadsReferenceJsonlAndReportsBadLines) {
    const std::string text =
        "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"person\",\"observations\":[\"x\"]}\n"
        "\n"
        "not json\n"
        "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"knows\"}\r\n"
        "{\"type\":\"entity\",\"name\":5}\n"
        "{\"type\":\"other\"}";
    const ImportBatch batch = parse_memory_jsonl(text);
    ASSERT_EQ(batch.entities.size(), 1u);
    EXPECT_EQ(batch.entities[0].observations, (std::vector<std::string>{"x"}));
    ASSERT_EQ(batch.relations.size(), 1u);
    EXPECT_EQ(batch.relations[0].key.relation_type, "knows");
    ASSERT_EQ(batch.problems.size(), 3u);
    EXPECT_EQ(batch.problems[0].rfind("line 3:", 0), 0u);
}

TEST(Fold, MatchesJavaScriptLowerCaseForCommonScripts) {
    EXPECT_EQ(fold_case("HeLLo"), "hello");
    EXPECT_EQ(fold_case("ÄÖÜ"), "äöü");
    EXPECT_EQ(fold_case("ΑΒΓ"), "αβγ");
    EXPECT_EQ(fold_case("ДОМ"), "дом");
    EXPECT_TRUE(folded_contains("Straße", "STRASSE") == false);  // JS does not fold ß to ss either
    EXPECT_TRUE(folded_contains("anything", ""));
    EXPECT_EQ(code_points("äb"), 2u);
    EXPECT_EQ(fold_case(std::string("\xff\xfe", 2)), std::string("\xff\xfe", 2));
}

}  // namespace
}  // namespace knowledge

namespace knowledge {
namespace {

// The text JSON.stringify(graph, null, 2) writes, built the slow way: one ordered tree.
std::string stringified(const Graph& graph) {
    nlohmann::ordered_json entities = nlohmann::ordered_json::array();
    for (const Entity& entity : graph.entities) {
        nlohmann::ordered_json observations = nlohmann::ordered_json::array();
        for (const Observation& observation : entity.observations) observations.push_back(observation.content);
        entities.push_back({{"name", entity.name}, {"entityType", entity.entity_type}, {"observations", observations}});
    }
    nlohmann::ordered_json relations = nlohmann::ordered_json::array();
    for (const Relation& relation : graph.relations)
        relations.push_back({{"from", relation.from}, {"to", relation.to}, {"relationType", relation.relation_type}});
    return nlohmann::ordered_json{{"entities", entities}, {"relations", relations}}.dump(2);
}

void expect_answer_matches_tree(const Graph& graph) {
    const Json answer = Json::parse(reference_graph_answer(graph));
    const std::string text = answer.at("content").at(0).at("text").get<std::string>();
    EXPECT_EQ(text, stringified(graph));
    EXPECT_EQ(answer.at("structuredContent"), Json::parse(text));
    EXPECT_EQ(answer.at("content").at(0).at("type"), "text");
}

TEST(ReferenceAnswer, WritesTheTextJsonStringifyWritesAndTheSameGraphAsStructuredContent) {
    Graph graph = sample();
    Entity bare;
    bare.name = "line\nbreak \\ tab\t \u00e9\u4e16 \x01\x1f\b\f\r \"quoted\"";  // every escape JSON has
    bare.entity_type = "thing";                                                 // and no observations: an empty array
    graph.entities.push_back(bare);
    graph.entities[0].observations.push_back(Observation{"{\"not\": \"json\"}\n  indented", {}});
    Relation second;
    second.from = bare.name;
    second.to = graph.entities[0].name;
    second.relation_type = "mentions";
    graph.relations.push_back(second);
    expect_answer_matches_tree(graph);
}

TEST(ReferenceAnswer, EmptyGraphAndGraphWithoutRelations) {
    expect_answer_matches_tree(Graph{});
    Graph entities_only = sample();
    entities_only.relations.clear();
    expect_answer_matches_tree(entities_only);
    EXPECT_EQ(Json::parse(reference_graph_answer(Graph{})).at("content").at(0).at("text"),
              "{\n  \"entities\": [],\n  \"relations\": []\n}");
}

}  // namespace
}  // namespace knowledge
