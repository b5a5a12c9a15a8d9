// reference_answer.cpp: see reference_answer.hpp. Each entity and relation is dumped on its own
// and appended to two texts (the pretty one, already escaped as a JSON string, and the compact
// one), so no tree of the whole graph ever exists.
#include "reference_answer.hpp"

namespace knowledge {

namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson ordered_entity(const Entity& entity) {
    OrderedJson observations = OrderedJson::array();
    for (const Observation& observation : entity.observations) observations.push_back(observation.content);
    return {{"name", entity.name}, {"entityType", entity.entity_type}, {"observations", std::move(observations)}};
}

OrderedJson ordered_relation(const Relation& relation) {
    return {{"from", relation.from}, {"to", relation.to}, {"relationType", relation.relation_type}};
}

// `text` as the inside of a JSON string literal (without the quotes).
void append_escaped(std::string& out, const std::string& text) {
    const std::string literal = Json(text).dump();
    out.append(literal, 1, literal.size() - 2);
}

// Appends one array of the graph to both texts: `"key": [...]` pretty at indent level 1 (its
// items at level 2, as JSON.stringify nests them) and `"key":[...]` compact.
template <typename Item, typename ToJson>
void append_array(std::string& pretty, std::string& compact, const char* key, const std::vector<Item>& items,
                  ToJson to_json) {
    append_escaped(pretty, std::string("  \"") + key + "\": [");
    compact += std::string("\"") + key + "\":[";
    bool first = true;
    for (const Item& item : items) {
        const OrderedJson value = to_json(item);
        std::string indented = value.dump(2);
        // Nest the item two levels down; a newline inside a string is escaped, so every raw
        // newline is the pretty printer's.
        std::string nested = first ? "\n    " : ",\n    ";
        for (const char c : indented) {
            nested += c;
            if (c == '\n') nested += "    ";
        }
        append_escaped(pretty, nested);
        if (!first) compact += ',';
        compact += value.dump();
        first = false;
    }
    append_escaped(pretty, items.empty() ? "]" : "\n  ]");
    compact += ']';
}

}  // namespace

std::string reference_graph_answer(const Graph& graph) {
    std::string pretty = R"({"content":[{"type":"text","text":")";
    std::string compact = "{";
    append_escaped(pretty, "{\n");
    append_array(pretty, compact, "entities", graph.entities, ordered_entity);
    append_escaped(pretty, ",\n");
    compact += ',';
    append_array(pretty, compact, "relations", graph.relations, ordered_relation);
    append_escaped(pretty, "\n}");
    compact += '}';
    pretty += R"("}],"structuredContent":)";
    pretty += compact;
    pretty += '}';
    return pretty;
}

}  // namespace knowledge
