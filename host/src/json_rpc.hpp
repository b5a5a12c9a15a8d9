// json_rpc.hpp: JSON-RPC 2.0 message shapes used by the MCP front end.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace switchboard::host::jsonrpc {

using nlohmann::json;

inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int resource_not_found = -32002;

enum class Kind { request, notification, response, invalid };

// One classified message. For `invalid`, `problem` says what is wrong and `id` is the request id
// when one could be read (null otherwise).
struct Message {
    Kind kind = Kind::invalid;
    json id;
    std::string method;
    json params;  // null when absent
    json result;  // responses only
    json error;   // responses only
    std::string problem;
};

Message classify(const json& message);

json error_response(const json& id, int code, const std::string& message);
json result_response(const json& id, json result);
json request(const json& id, const std::string& method, json params);
json notification(const std::string& method, json params);

}  // namespace switchboard::host::jsonrpc
