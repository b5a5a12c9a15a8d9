// json_rpc.cpp: classification of incoming JSON-RPC 2.0 messages.
#include "json_rpc.hpp"

namespace switchboard::host::jsonrpc {

Message classify(const json& message) {
    Message out;
    if (!message.is_object()) {
        out.problem = "a JSON-RPC message must be a JSON object";
        return out;
    }
    const bool has_id = message.contains("id");
    if (has_id) {
        const json& id = message["id"];
        if (id.is_string() || id.is_number_integer()) {
            out.id = id;
        } else if (!(id.is_null() && (message.contains("result") || message.contains("error")))) {
            out.problem = "\"id\" must be a string or an integer";
            return out;
        }
    }
    if (message.value("jsonrpc", json()) != "2.0") {
        out.problem = "\"jsonrpc\" must be \"2.0\"";
        return out;
    }
    if (message.contains("method")) {
        if (!message["method"].is_string()) {
            out.problem = "\"method\" must be a string";
            return out;
        }
        out.method = message["method"].get<std::string>();
        if (message.contains("params")) {
            out.params = message["params"];
            if (!out.params.is_object() && !out.params.is_array()) {
                out.problem = "\"params\" must be an object";
                return out;
            }
        }
        out.kind = has_id ? Kind::request : Kind::notification;
        return out;
    }
    if (has_id && (message.contains("result") || message.contains("error"))) {
        out.kind = Kind::response;
        if (message.contains("result")) out.result = message["result"];
        if (message.contains("error")) out.error = message["error"];
        return out;
    }
    out.problem = "not a request, notification or response: \"method\" is missing";
    return out;
}

json error_response(const json& id, int code, const std::string& message) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json result_response(const json& id, json result) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json request(const json& id, const std::string& method, json params) {
    json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) message["params"] = std::move(params);
    return message;
}

json notification(const std::string& method, json params) {
    json message = {{"jsonrpc", "2.0"}, {"method", method}};
    if (!params.is_null()) message["params"] = std::move(params);
    return message;
}

}  // namespace switchboard::host::jsonrpc
