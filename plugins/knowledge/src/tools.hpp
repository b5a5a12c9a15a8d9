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

// A handler's complete CallToolResult (for results whose text differs from the compact dump
// ToolResult::structured writes): a tree, or already serialized when it may be large.
struct ToolAnswer {
    ToolAnswer(Json result) : tree(std::move(result)) {}  // NOLINT: implicit, handlers return Json
    static ToolAnswer serialized(std::string result_json) {
        ToolAnswer answer(Json{});
        answer.text = std::move(result_json);
        return answer;
    }
    Json tree;
    std::string text;  // the serialized result when set
};
using ResultHandler = std::function<ToolAnswer(const Json& arguments, switchboard::Call& call)>;

// Registers `handler` on the blocking pool; NotFound, RuleViolation and bad arguments become
// isError results with their message as is, storage failures an isError that says so.
void add_result_tool(switchboard::Plugin& plugin, const switchboard::Tool& tool, ResultHandler handler);

// A CallToolResult with `text` as its content and `structured` as structuredContent.
Json tool_result(const std::string& text, const Json& structured);

}  // namespace knowledge
