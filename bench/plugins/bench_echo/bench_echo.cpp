// bench_echo.cpp: the plugin the benchmarks drive. `echo` returns its `text` argument as text
// content, answered inline by an async handler (the cheapest path through the host);
// `echo_sync` does the same from a synchronous handler, which the SDK runs on the blocking pool;
// `bench_clock` returns the monotonic clock at the moment it is called (the workflow benchmark
// times the path from workflow_run to a task's tool call with it). Benchmark-only; never installed.
#include <switchboard/sdk.hpp>

#include <chrono>
#include <string>

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

Tool echo_tool(std::string name, std::string description) {
    return Tool(std::move(name), std::move(description))
        .input_schema({{"type", "object"},
                       {"properties", {{"text", {{"type", "string"}, {"description", "The text to return"}}}}},
                       {"required", {"text"}}});
}

class BenchEcho : public switchboard::Plugin {
 public:
    explicit BenchEcho(const sb_host_api* api) : Plugin(api) {
        add_async_tool(echo_tool("echo", "Returns the text it is given."),
                       [](const Json& args, const switchboard::CallPtr& call) {
                           call->respond(ToolResult::text(args.at("text").get<std::string>()).to_json());
                       });
        add_tool(
            echo_tool("echo_sync", "Returns the text it is given, from the blocking pool."),
            [](const Json& args, switchboard::Call&) { return ToolResult::text(args.at("text").get<std::string>()); });
        // steady_clock is CLOCK_MONOTONIC, one clock for every process on the machine.
        add_async_tool(Tool("bench_clock", "Returns {monotonic_ns}: CLOCK_MONOTONIC when the call reached the tool.")
                           .input_schema({{"type", "object"}})
                           .output_schema({{"type", "object"}}),
                       [](const Json&, const switchboard::CallPtr& call) {
                           const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::steady_clock::now().time_since_epoch())
                                                   .count();
                           call->respond(ToolResult::structured({{"monotonic_ns", now}}).to_json());
                       });
    }
};

}  // namespace

SWITCHBOARD_PLUGIN(BenchEcho, "bench_echo", "1.0.0", "Echo tools for the benchmarks.")
