// tool_wrapper.cpp: add_result_tool and tool_result (see tools.hpp).
#include <memory>

#include "sqlite.hpp"
#include "tools.hpp"

namespace knowledge {

namespace {

Json error_result(const std::string& message) {
    return {{"content", Json::array({{{"type", "text"}, {"text", message}}})}, {"isError", true}};
}

}  // namespace

Json tool_result(const std::string& text, const Json& structured) {
    return {{"content", Json::array({{{"type", "text"}, {"text", text}}})}, {"structuredContent", structured}};
}

void add_result_tool(switchboard::Plugin& plugin, const switchboard::Tool& tool, ResultHandler handler) {
    const std::string name = tool.name();
    // Async registration only to answer with a result of our own making; the work itself runs
    // on the blocking pool, as a synchronous tool's would.
    plugin.add_async_tool(tool, [&plugin, name, handler](const Json& arguments, switchboard::CallPtr call) {
        plugin.post_blocking([name, handler, arguments, call]() {
            ToolAnswer result = Json();
            try {
                result = handler(arguments, *call);
            } catch (const switchboard::ToolError& e) {
                result = error_result(e.what());
            } catch (const NotFound& e) {
                result = error_result(e.what());
            } catch (const RuleViolation& e) {
                result = error_result(e.what());
            } catch (const nlohmann::json::exception& e) {
                result = error_result("invalid arguments for " + name + ": " + e.what());
            } catch (const SqliteError& e) {
                result = error_result(name + " failed in storage (nothing was changed): " + e.what());
            } catch (const std::exception& e) {
                result = error_result(name + " failed: " + e.what());
            }
            if (!result.text.empty())
                call->respond_serialized(result.text);
            else
                call->respond(result.tree);
        });
    });
}

}  // namespace knowledge
