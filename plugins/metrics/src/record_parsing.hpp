// record_parsing.hpp: LlmCall and ToolCall from JSON: the metrics_record_llm_call arguments, the
// `llm.call.completed` bus payload and the host's `host.tool.called` payload.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "records.hpp"

namespace switchboard::metrics {

// Bad input: the message says which field was wrong and what is accepted.
class InputError : public std::invalid_argument {
 public:
    using std::invalid_argument::invalid_argument;
};

// Accepts the plain names (provider, model, input_tokens, ...) and, where one exists, the
// OpenTelemetry GenAI attribute name (gen_ai.request.model, gen_ai.usage.input_tokens, ...).
// `now_ms` stamps a call without `timestamp`. Throws InputError.
LlmCall parse_llm_call(const nlohmann::json& fields, int64_t now_ms);

// Never throws: a field of the wrong type is left at its default.
ToolCall parse_tool_called(const nlohmann::json& payload, int64_t now_ms);

// Whether `provider` reports input_tokens with cached tokens inside (all but Anthropic's API).
bool provider_input_includes_cache(std::string_view provider);

}  // namespace switchboard::metrics
