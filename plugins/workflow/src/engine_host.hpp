// engine_host.hpp: what the engine needs from its surroundings. The plugin implements it over
// the SDK; keeping it an interface keeps the engine free of the C ABI.
//
// Threads: every function may be called from any thread and must not block for long. Callbacks
// (replies, timers, blocking work) run later on host threads, never inside the call.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace workflow {

using Json = nlohmann::json;

class EngineHost {
 public:
    virtual ~EngineHost() = default;

    // Calls a routed tool with tools/call params {name, arguments, _meta}, as JSON text (the
    // engine writes it directly: see task_messages.hpp). `done(ok, value)`: ok with a
    // CallToolResult, or not ok with a JSON-RPC error object. Returns a call id (0 when the call
    // could not be routed; `done` still runs).
    virtual uint64_t call_tool(std::string params_json, std::function<void(bool ok, Json value)> done) = 0;
    virtual void cancel_call(uint64_t call_id) = 0;
    // Runs `task` on the blocking pool (SQLite work).
    virtual void post_blocking(std::function<void()> task) = 0;
    // Runs `task` after `delay_ms`; returns a timer id for cancel_timer.
    virtual uint64_t run_after(int64_t delay_ms, std::function<void()> task) = 0;
    virtual void cancel_timer(uint64_t timer_id) = 0;
    virtual void publish(std::string_view topic, const Json& payload) = 0;
    // The same with the payload already serialized (a JSON object's text).
    virtual void publish_serialized(std::string_view topic, std::string_view payload_json) {
        publish(topic, Json::parse(payload_json));
    }
    virtual void resource_updated(std::string_view uri) = 0;
    virtual void log_error(std::string_view message) = 0;
    // The id of the plugin that serves `tool`, or "" when unknown (for plugin_limits).
    virtual std::string tool_owner(std::string_view /*tool*/) { return {}; }
};

}  // namespace workflow
