// request.hpp: the host's side of sb_request, one request routed to a plugin.
//
// A request comes from a client session or from another plugin (call_tool). The plugin ends it
// exactly once through respond or respond_error; the host then hands the outcome to `on_end`,
// which answers the client or the calling plugin. The Server's request table keeps the request
// alive until it ends, so a late or doubled respond from a plugin is detected, not a crash.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "switchboard/plugin.h"

namespace switchboard::host {
class Session;
class PluginInstance;
}  // namespace switchboard::host

struct sb_request {
    std::string method;                                 // tools/call, resources/read, prompts/get, completion/complete
    std::string target;                                 // the tool, URI or prompt the request is about
    switchboard::host::PluginInstance* plugin;          // the owner; outlives every request
    std::string params_text;                            // the params as sent to the plugin
    nlohmann::json progress_token;                      // null when the client asked for no progress
    std::string info_json;                              // what request_info returns
    std::weak_ptr<switchboard::host::Session> session;  // empty for plugin-to-plugin calls
    nlohmann::json client_id;                           // the client's JSON-RPC id (null for plugin calls)
    std::string caller;                                 // client name, or "plugin:<id>"
    bool output_schema = false;                         // a tool with an outputSchema must return structuredContent
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::atomic<bool> cancelled{false};

    // Receives the JSON-RPC result (ok) or error object (not ok). Runs once, on the thread that ended
    // the request.
    std::function<void(bool ok, nlohmann::json payload)> on_end;
};
