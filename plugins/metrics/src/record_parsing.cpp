// record_parsing.cpp: validation of incoming records.
#include "record_parsing.hpp"

#include <cmath>

#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

const Json* field(const Json& fields, std::string_view plain, std::string_view otel = {}) {
    if (auto found = fields.find(plain); found != fields.end() && !found->is_null()) return &*found;
    if (!otel.empty()) {
        if (auto found = fields.find(otel); found != fields.end() && !found->is_null()) return &*found;
    }
    return nullptr;
}

std::string text_field(const Json& fields, std::string_view name, std::string_view otel = {}) {
    const Json* value = field(fields, name, otel);
    if (value == nullptr) return {};
    if (!value->is_string())
        throw InputError(std::string(name) + " must be a string, got " + std::string(value->type_name()));
    std::string text = value->get<std::string>();
    if (text.size() > 256) throw InputError(std::string(name) + " must be at most 256 characters");
    return text;
}

int64_t token_field(const Json& fields, std::string_view name, std::string_view otel = {}) {
    const Json* value = field(fields, name, otel);
    if (value == nullptr) return 0;
    if (value->is_number_integer()) {
        const int64_t count = value->get<int64_t>();
        if (count >= 0 && count < (int64_t{1} << 50)) return count;
        throw InputError(std::string(name) + " must be a count of tokens, zero or more; got " + value->dump());
    }
    if (value->is_number_float()) {
        const double number = value->get<double>();
        if (number >= 0 && number == std::floor(number) && number < 1e15) return static_cast<int64_t>(number);
    }
    throw InputError(std::string(name) + " must be a count of tokens (an integer, zero or more); got " + value->dump());
}

std::optional<double> non_negative_number(const Json& fields, std::string_view name, std::string_view unit) {
    const Json* value = field(fields, name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number() || !std::isfinite(value->get<double>()) || value->get<double>() < 0)
        throw InputError(std::string(name) + " must be a number of " + std::string(unit) + ", zero or more; got " +
                         value->dump());
    return value->get<double>();
}

int64_t timestamp_field(const Json& fields, int64_t now) {
    const Json* value = field(fields, "timestamp");
    if (value == nullptr) return now;
    if (value->is_number_integer() && value->get<int64_t>() >= 0) return value->get<int64_t>();
    if (value->is_string()) {
        if (auto parsed = parse_time(value->get<std::string>())) return *parsed;
    }
    throw InputError(
        "timestamp must be ms since the Unix epoch or an ISO 8601 UTC time like 2026-11-23T10:00:00Z; got " +
        value->dump());
}

}  // namespace

bool provider_input_includes_cache(std::string_view provider) { return provider != "anthropic"; }

LlmCall parse_llm_call(const Json& fields, int64_t now) {
    if (!fields.is_object()) throw InputError("an LLM call must be a JSON object");
    LlmCall call;
    call.ts_ms = timestamp_field(fields, now);
    call.dim(LlmDim::provider) = text_field(fields, "provider", "gen_ai.provider.name");
    if (call.dim(LlmDim::provider).empty()) call.dim(LlmDim::provider) = text_field(fields, "gen_ai.system");
    call.dim(LlmDim::model) = text_field(fields, "model", "gen_ai.request.model");
    if (call.dim(LlmDim::model).empty())
        throw InputError("model is required: the model name as the provider knows it, e.g. claude-sonnet-4-5");
    call.dim(LlmDim::operation) = text_field(fields, "operation", "gen_ai.operation.name");
    if (call.dim(LlmDim::operation).empty()) call.dim(LlmDim::operation) = "chat";
    call.dim(LlmDim::status) = text_field(fields, "status");
    if (call.dim(LlmDim::status).empty()) call.dim(LlmDim::status) = "ok";
    for (LlmDim dim : {LlmDim::project, LlmDim::session, LlmDim::agent, LlmDim::role, LlmDim::team, LlmDim::workflow,
                       LlmDim::run, LlmDim::task}) {
        call.dim(dim) = text_field(fields, kLlmDimNames[static_cast<size_t>(dim)]);
    }
    if (const Json* tags = field(fields, "tags")) {
        if (!tags->is_array()) throw InputError("tags must be an array of strings");
        for (const Json& tag : *tags) {
            if (!tag.is_string() || tag.get<std::string>().empty() ||
                tag.get<std::string>().find(',') != std::string::npos)
                throw InputError("tags must be non-empty strings without commas; got " + tag.dump());
            call.tags.push_back(tag.get<std::string>());
        }
    }
    call.tokens.input = token_field(fields, "input_tokens", "gen_ai.usage.input_tokens");
    call.tokens.output = token_field(fields, "output_tokens", "gen_ai.usage.output_tokens");
    call.tokens.cache_read = token_field(fields, "cache_read_tokens");
    call.tokens.cache_creation = token_field(fields, "cache_creation_tokens");
    call.tokens.reasoning = token_field(fields, "reasoning_tokens");
    call.tokens.input_includes_cache = provider_input_includes_cache(call.dim(LlmDim::provider));
    if (const Json* includes = field(fields, "input_includes_cache")) {
        if (!includes->is_boolean()) throw InputError("input_includes_cache must be true or false");
        call.tokens.input_includes_cache = includes->get<bool>();
    }
    call.reported_cost_usd = non_negative_number(fields, "cost_usd", "US dollars");
    call.latency_ms = non_negative_number(fields, "latency_ms", "milliseconds");
    call.ttft_ms = non_negative_number(fields, "ttft_ms", "milliseconds");
    return call;
}

ToolCall parse_tool_called(const Json& payload, int64_t now) {
    ToolCall call;
    call.ts_ms = now;
    auto text = [&](const char* name) {
        auto found = payload.find(name);
        return found != payload.end() && found->is_string() ? found->get<std::string>() : std::string();
    };
    call.dim(ToolDim::tool) = text("tool");
    call.dim(ToolDim::plugin) = text("plugin");
    call.dim(ToolDim::outcome) = text("outcome");
    call.dim(ToolDim::session) = text("session");
    call.dim(ToolDim::client) = text("client");
    if (auto found = payload.find("duration_ms"); found != payload.end() && found->is_number())
        call.duration_ms = found->get<double>();
    if (auto found = payload.find("ok"); found != payload.end() && found->is_boolean()) call.ok = found->get<bool>();
    if (call.dim(ToolDim::outcome).empty()) call.dim(ToolDim::outcome) = call.ok ? "ok" : "error";
    if (auto found = payload.find("argument_bytes"); found != payload.end() && found->is_number_integer())
        call.argument_bytes = found->get<int64_t>();
    if (auto found = payload.find("result_bytes"); found != payload.end() && found->is_number_integer())
        call.result_bytes = found->get<int64_t>();
    return call;
}

}  // namespace switchboard::metrics
