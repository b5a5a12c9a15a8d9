// export.hpp: a graph in the formats front ends and graph tools read: JSON (the reference
// server's shape), GraphML, Cytoscape.js elements JSON, and Graphviz DOT.
#pragma once

#include <optional>
#include <string>

#include "model.hpp"

namespace knowledge {

enum class ExportFormat { json, graphml, cytoscape, dot };

// "json", "graphml", "cytoscape" or "dot"; nullopt for anything else.
std::optional<ExportFormat> parse_export_format(const std::string& name);
// The MIME type of a format's text.
std::string export_mime_type(ExportFormat format);
// The graph as text. Relations whose ends are not among the entities are written anyway, with
// the missing end as a bare node, so no relation is lost.
std::string export_graph(const Graph& graph, ExportFormat format);

}  // namespace knowledge
