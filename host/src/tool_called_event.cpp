// tool_called_event.cpp: see tool_called_event.hpp.
#include "tool_called_event.hpp"

#include <charconv>
#include <chrono>
#include <string_view>

#include "plugin_instance.hpp"
#include "request.hpp"
#include "session.hpp"

namespace switchboard::host {
namespace {

// Valid UTF-8 in (names and ids the host checked or parsed), a JSON string out.
void append_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

template <typename Number>
void append_number(std::string& out, Number value) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
}

}  // namespace

std::string tool_called_event(const sb_request& request, bool ok, bool tool_error, size_t result_bytes) {
    const auto elapsed = std::chrono::steady_clock::now() - request.started;
    const bool cancelled = request.cancelled;
    const char* outcome = cancelled ? "cancelled" : !ok ? "rpc_error" : tool_error ? "tool_error" : "ok";
    std::string event;
    event.reserve(160 + request.target.size() + request.caller.size());
    event += "{\"tool\":";
    append_string(event, request.target);
    event += ",\"plugin\":";
    append_string(event, request.plugin->id());
    event += ",\"session\":";
    if (auto session = request.session.lock())
        append_string(event, session->id());
    else
        event += "null";
    event += ",\"client\":";
    append_string(event, request.caller);
    event += ",\"duration_ms\":";
    append_number(event, std::chrono::duration<double, std::milli>(elapsed).count());
    event += ok && !tool_error && !cancelled ? ",\"ok\":true" : ",\"ok\":false";
    event += ",\"outcome\":\"";
    event += outcome;
    event += "\",\"argument_bytes\":";
    append_number(event, request.params_text.size());
    event += ",\"result_bytes\":";
    append_number(event, result_bytes);
    event += '}';
    return event;
}

}  // namespace switchboard::host
