// export.cpp: see export.hpp.
#include "export.hpp"

#include <set>

#include "graph_json.hpp"

namespace knowledge {

namespace {

std::string xml_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string dot_quote(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

// "e0", "e1", ...: built without operator+ on a literal, which GCC 12 misreads (-Wrestrict).
std::string edge_id(int index) {
    std::string id = std::to_string(index);
    id.insert(id.begin(), 'e');
    return id;
}

// Names that relations mention but the entity list does not hold.
std::set<std::string> bare_nodes(const Graph& graph) {
    std::set<std::string> known;
    for (const Entity& entity : graph.entities) known.insert(entity.name);
    std::set<std::string> bare;
    for (const Relation& relation : graph.relations)
        for (const std::string* end : {&relation.from, &relation.to})
            if (!known.count(*end)) bare.insert(*end);
    return bare;
}

std::string observations_text(const Entity& entity) {
    std::string text;
    for (const Observation& observation : entity.observations) text += (text.empty() ? "" : "\n") + observation.content;
    return text;
}

std::string graphml(const Graph& graph) {
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"type\" for=\"node\" attr.name=\"entityType\" attr.type=\"string\"/>\n"
        "  <key id=\"observations\" for=\"node\" attr.name=\"observations\" attr.type=\"string\"/>\n"
        "  <key id=\"relation\" for=\"edge\" attr.name=\"relationType\" attr.type=\"string\"/>\n"
        "  <graph id=\"knowledge\" edgedefault=\"directed\">\n";
    for (const Entity& entity : graph.entities) {
        out += "    <node id=\"" + xml_escape(entity.name) + "\"><data key=\"type\">" + xml_escape(entity.entity_type) +
               "</data><data key=\"observations\">" + xml_escape(observations_text(entity)) + "</data></node>\n";
    }
    for (const std::string& name : bare_nodes(graph)) out += "    <node id=\"" + xml_escape(name) + "\"/>\n";
    int index = 0;
    for (const Relation& relation : graph.relations) {
        out += "    <edge id=\"" + edge_id(index++) + "\" source=\"" + xml_escape(relation.from) + "\" target=\"" +
               xml_escape(relation.to) + "\"><data key=\"relation\">" + xml_escape(relation.relation_type) +
               "</data></edge>\n";
    }
    return out + "  </graph>\n</graphml>\n";
}

std::string cytoscape(const Graph& graph) {
    Json nodes = Json::array();
    for (const Entity& entity : graph.entities) {
        Json observations = Json::array();
        for (const Observation& observation : entity.observations) observations.push_back(observation.content);
        nodes.push_back({{"data",
                          {{"id", entity.name},
                           {"label", entity.name},
                           {"entityType", entity.entity_type},
                           {"observations", observations}}}});
    }
    for (const std::string& name : bare_nodes(graph)) nodes.push_back({{"data", {{"id", name}, {"label", name}}}});
    Json edges = Json::array();
    int index = 0;
    for (const Relation& relation : graph.relations) {
        edges.push_back({{"data",
                          {{"id", edge_id(index++)},
                           {"source", relation.from},
                           {"target", relation.to},
                           {"label", relation.relation_type}}}});
    }
    return Json{{"elements", {{"nodes", nodes}, {"edges", edges}}}}.dump();
}

std::string dot(const Graph& graph) {
    std::string out = "digraph knowledge {\n";
    for (const Entity& entity : graph.entities)
        out += "  " + dot_quote(entity.name) + " [label=" + dot_quote(entity.name + "\n(" + entity.entity_type + ")") +
               "];\n";
    for (const std::string& name : bare_nodes(graph)) out += "  " + dot_quote(name) + ";\n";
    for (const Relation& relation : graph.relations)
        out += "  " + dot_quote(relation.from) + " -> " + dot_quote(relation.to) +
               " [label=" + dot_quote(relation.relation_type) + "];\n";
    return out + "}\n";
}

}  // namespace

std::optional<ExportFormat> parse_export_format(const std::string& name) {
    if (name == "json") return ExportFormat::json;
    if (name == "graphml") return ExportFormat::graphml;
    if (name == "cytoscape") return ExportFormat::cytoscape;
    if (name == "dot") return ExportFormat::dot;
    return std::nullopt;
}

std::string export_mime_type(ExportFormat format) {
    switch (format) {
        case ExportFormat::graphml:
            return "application/graphml+xml";
        case ExportFormat::dot:
            return "text/vnd.graphviz";
        default:
            return "application/json";
    }
}

std::string export_graph(const Graph& graph, ExportFormat format) {
    switch (format) {
        case ExportFormat::graphml:
            return graphml(graph);
        case ExportFormat::cytoscape:
            return cytoscape(graph);
        case ExportFormat::dot:
            return dot(graph);
        default:
            return compat_graph(graph).dump();
    }
}

}  // namespace knowledge
