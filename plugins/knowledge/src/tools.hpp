// tools.hpp: how the plugin's MCP and HTTP faces are registered, and the one wrapper every
// tool handler goes through.
#pragma once

#include <switchboard/sdk.hpp>

#include <functional>

#include "context.hpp"

namespace knowledge {

// The reference server's nine tools, named as the reference names them when
// settings.compat_names is set and with the knowledge_ prefix otherwise.
void register_compat_tools(switchboard::Plugin& plugin, Context& context);
// Search, traversal, time, types, export and import: always knowledge_*.
void register_graph_tools(switchboard::Plugin& plugin, Context& context);
// The JSON API under /api/v1/knowledge/ (only when the host serves HTTP).
void register_http_api(switchboard::Plugin& plugin, Context& context);

// A handler that answers with a complete CallToolResult (for results whose text differs from
// the compact dump ToolResult::structured writes).
using ResultHandler = std::function<Json(const Json& arguments, switchboard::Call& call)>;

// Registers `handler` on the blocking pool; NotFound, RuleViolation and bad arguments become
// isError results with their message as is, storage failures an isError that says so.
void add_result_tool(switchboard::Plugin& plugin, const switchboard::Tool& tool, ResultHandler handler);

// A CallToolResult with `text` as its content and `structured` as structuredContent.
Json tool_result(const std::string& text, const Json& structured);

}  // namespace knowledge
