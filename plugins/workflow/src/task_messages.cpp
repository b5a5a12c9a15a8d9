// task_messages.cpp: see task_messages.hpp.
#include "task_messages.hpp"

#include <charconv>

namespace workflow {

namespace {

// Plain printable ASCII without quotes or backslashes: its JSON string is itself, quoted.
bool needs_no_escaping(std::string_view text) {
    for (const char c : text)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
}

void append_quoted(std::string& out, std::string_view text) {
    out += '"';
    out += text;
    out += '"';
}

template <typename Number>
void append_number(std::string& out, Number value) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, error == std::errc{} ? end : buffer);
}

}  // namespace

std::string tool_call_params(const std::string& tool, const Json& arguments, std::string_view idempotency_key,
                             std::string_view run_id, std::string_view task_id, int attempt) {
    std::string text;
    text.reserve(160 + tool.size() + idempotency_key.size() + run_id.size() + task_id.size());
    text += R"({"name":)";
    if (needs_no_escaping(tool))
        append_quoted(text, tool);
    else
        text += Json(tool).dump();
    text += R"(,"arguments":)";
    text += arguments.is_object() && arguments.empty() ? std::string("{}") : arguments.dump();
    text += R"(,"_meta":{"idempotency_key":)";
    append_quoted(text, idempotency_key);
    text += R"(,"workflow":{"run_id":)";
    append_quoted(text, run_id);
    text += R"(,"task_id":)";
    append_quoted(text, task_id);
    text += R"(,"attempt":)";
    append_number(text, attempt);
    text += "}}}";
    return text;
}

std::string task_update_payload(std::string_view run_id, std::string_view task_id, std::string_view status, int attempt,
                                double progress) {
    std::string text;
    text.reserve(96 + run_id.size() + task_id.size());
    text += R"({"run_id":)";
    append_quoted(text, run_id);
    text += R"(,"task":)";
    append_quoted(text, task_id);
    text += R"(,"status":)";
    append_quoted(text, status);
    text += R"(,"attempt":)";
    append_number(text, attempt);
    text += R"(,"progress":)";
    append_number(text, progress);
    text += '}';
    return text;
}

}  // namespace workflow
