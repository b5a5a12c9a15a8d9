// reference_answer.hpp: the reference server's answer to read_graph, search_nodes and
// open_nodes, written straight into its serialized form. A whole graph at 100k entities is tens
// of MiB of text; building it as JSON trees first took ten times that in memory.
#pragma once

#include <string>

#include "model.hpp"

namespace knowledge {

// The CallToolResult, serialized: the graph as JSON.stringify(graph, null, 2) would write it
// (insertion order, entities then relations) as its text, and compact as structuredContent.
std::string reference_graph_answer(const Graph& graph);

}  // namespace knowledge
