// llm_call_text.cpp: see llm_call_text.hpp. The fast path only ever accepts; every refusal is
// the reference path's, so the rules live in one place (record_parsing.cpp).
#include "llm_call_text.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "record_parsing.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

// Every field parse_llm_call reads, under each name it accepts.
enum class Field : size_t {
    timestamp,
    provider,
    gen_ai_provider_name,
    gen_ai_system,
    model,
    gen_ai_request_model,
    operation,
    gen_ai_operation_name,
    status,
    project,
    session,
    agent,
    role,
    team,
    workflow,
    run,
    task,
    tags,
    input_tokens,
    gen_ai_usage_input_tokens,
    output_tokens,
    gen_ai_usage_output_tokens,
    cache_read_tokens,
    cache_creation_tokens,
    reasoning_tokens,
    input_includes_cache,
    cost_usd,
    latency_ms,
    ttft_ms,
    count
};

std::optional<Field> field_named(std::string_view name) {
    static const std::unordered_map<std::string_view, Field> fields = {
        {"timestamp", Field::timestamp},
        {"provider", Field::provider},
        {"gen_ai.provider.name", Field::gen_ai_provider_name},
        {"gen_ai.system", Field::gen_ai_system},
        {"model", Field::model},
        {"gen_ai.request.model", Field::gen_ai_request_model},
        {"operation", Field::operation},
        {"gen_ai.operation.name", Field::gen_ai_operation_name},
        {"status", Field::status},
        {"project", Field::project},
        {"session", Field::session},
        {"agent", Field::agent},
        {"role", Field::role},
        {"team", Field::team},
        {"workflow", Field::workflow},
        {"run", Field::run},
        {"task", Field::task},
        {"tags", Field::tags},
        {"input_tokens", Field::input_tokens},
        {"gen_ai.usage.input_tokens", Field::gen_ai_usage_input_tokens},
        {"output_tokens", Field::output_tokens},
        {"gen_ai.usage.output_tokens", Field::gen_ai_usage_output_tokens},
        {"cache_read_tokens", Field::cache_read_tokens},
        {"cache_creation_tokens", Field::cache_creation_tokens},
        {"reasoning_tokens", Field::reasoning_tokens},
        {"input_includes_cache", Field::input_includes_cache},
        {"cost_usd", Field::cost_usd},
        {"latency_ms", Field::latency_ms},
        {"ttft_ms", Field::ttft_ms},
    };
    auto found = fields.find(name);
    return found == fields.end() ? std::nullopt : std::optional<Field>(found->second);
}

// A field's value as the text had it; `absent` also for null, which parse_llm_call ignores.
struct Scalar {
    enum class Kind { absent, boolean, count, number, text } kind = Kind::absent;
    bool boolean = false;
    uint64_t count = 0;  // a non-negative integer
    double number = 0;   // a number with a fraction or exponent
    std::string text;
};

// Fills one Scalar per Field from the top-level object. Returns false (stopping the parse) at
// anything the fast path leaves to the reference path.
class FieldReader {
 public:
    std::array<Scalar, static_cast<size_t>(Field::count)> values;
    std::vector<std::string> tags;

    bool null() {
        return scalar([](Scalar&) { return true; });
    }
    bool boolean(bool value) {
        return scalar([&](Scalar& slot) {
            slot.kind = Scalar::Kind::boolean;
            slot.boolean = value;
            return true;
        });
    }
    bool number_integer(Json::number_integer_t) {  // only negative integers come here: refused
        return scalar([](Scalar&) { return false; });
    }
    bool number_unsigned(Json::number_unsigned_t value) {
        return scalar([&](Scalar& slot) {
            slot.kind = Scalar::Kind::count;
            slot.count = value;
            return true;
        });
    }
    bool number_float(Json::number_float_t value, const Json::string_t&) {
        return scalar([&](Scalar& slot) {
            slot.kind = Scalar::Kind::number;
            slot.number = value;
            return std::isfinite(value);
        });
    }
    bool string(Json::string_t& value) {
        if (in_tags_) {
            if (value.empty() || value.find(',') != std::string::npos) return false;
            tags.push_back(std::move(value));
            return true;
        }
        return scalar([&](Scalar& slot) {
            slot.kind = Scalar::Kind::text;
            slot.text = std::move(value);
            return true;
        });
    }
    bool binary(Json::binary_t&) { return false; }
    bool start_object(std::size_t) {
        ++depth_;
        if (in_tags_) return false;
        return depth_ == 1 || depth_ > 2 || !current_;  // a known field holding an object: refused
    }
    bool end_object() {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) {
        ++depth_;
        if (depth_ == 1 || in_tags_) return false;  // not an object, or a tag that is not a string
        if (depth_ == 2 && current_ == Field::tags) {
            in_tags_ = true;
            return true;
        }
        return depth_ > 2 || !current_;
    }
    bool end_array() {
        --depth_;
        in_tags_ = false;
        return true;
    }
    bool key(Json::string_t& name) {
        if (depth_ != 1) return true;
        current_ = field_named(name);
        if (!current_) return true;
        const auto bit = uint64_t{1} << static_cast<size_t>(*current_);
        if ((seen_ & bit) != 0) return false;  // a duplicate: the reference path decides which wins
        seen_ |= bit;
        if (*current_ == Field::tags) tags.clear();
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
    // A scalar value: kept when it belongs to a known top-level field, skipped when it does not.
    template <typename Store>
    bool scalar(Store&& store) {
        if (depth_ == 0) return false;  // the text is a bare value, not an object
        if (in_tags_) return false;     // a tag that is not a string
        if (depth_ > 1 || !current_) return true;
        return store(values[static_cast<size_t>(*current_)]);
    }

    int depth_ = 0;
    bool in_tags_ = false;
    std::optional<Field> current_;
    uint64_t seen_ = 0;
};

static_assert(static_cast<size_t>(Field::count) <= 64, "FieldReader::seen_ has a bit per field");

// The fast path's answer, or nullopt for the reference path to give (usually an error).
class Assembler {
 public:
    explicit Assembler(FieldReader& reader) : values_(reader.values), tags_(reader.tags) {}

    std::optional<LlmCall> assemble(int64_t now) {
        LlmCall call;
        if (!timestamp(now, call.ts_ms)) return std::nullopt;
        const bool texts_ok =
            text(call.dim(LlmDim::provider), Field::provider, Field::gen_ai_provider_name) &&
            (!call.dim(LlmDim::provider).empty() || text(call.dim(LlmDim::provider), Field::gen_ai_system)) &&
            text(call.dim(LlmDim::model), Field::model, Field::gen_ai_request_model) &&
            text(call.dim(LlmDim::operation), Field::operation, Field::gen_ai_operation_name) &&
            text(call.dim(LlmDim::status), Field::status) && text(call.dim(LlmDim::project), Field::project) &&
            text(call.dim(LlmDim::session), Field::session) && text(call.dim(LlmDim::agent), Field::agent) &&
            text(call.dim(LlmDim::role), Field::role) && text(call.dim(LlmDim::team), Field::team) &&
            text(call.dim(LlmDim::workflow), Field::workflow) && text(call.dim(LlmDim::run), Field::run) &&
            text(call.dim(LlmDim::task), Field::task);
        if (!texts_ok || call.dim(LlmDim::model).empty()) return std::nullopt;
        if (call.dim(LlmDim::operation).empty()) call.dim(LlmDim::operation) = "chat";
        if (call.dim(LlmDim::status).empty()) call.dim(LlmDim::status) = "ok";
        if (at(Field::tags).kind != Scalar::Kind::absent) return std::nullopt;  // tags, not an array
        call.tags = std::move(tags_);

        TokenCounts& tokens = call.tokens;
        if (!count(tokens.input, Field::input_tokens, Field::gen_ai_usage_input_tokens) ||
            !count(tokens.output, Field::output_tokens, Field::gen_ai_usage_output_tokens) ||
            !count(tokens.cache_read, Field::cache_read_tokens) ||
            !count(tokens.cache_creation, Field::cache_creation_tokens) ||
            !count(tokens.reasoning, Field::reasoning_tokens))
            return std::nullopt;
        tokens.input_includes_cache = provider_input_includes_cache(call.dim(LlmDim::provider));
        if (const Scalar& includes = at(Field::input_includes_cache); includes.kind != Scalar::Kind::absent) {
            if (includes.kind != Scalar::Kind::boolean) return std::nullopt;
            tokens.input_includes_cache = includes.boolean;
        }
        if (!number(call.reported_cost_usd, Field::cost_usd) || !number(call.latency_ms, Field::latency_ms) ||
            !number(call.ttft_ms, Field::ttft_ms))
            return std::nullopt;
        return call;
    }

 private:
    Scalar& at(Field field) { return values_[static_cast<size_t>(field)]; }

    // The plain name wins when present; the OpenTelemetry name is read only without it.
    Scalar& pick(Field plain, std::optional<Field> otel) {
        Scalar& first = at(plain);
        return first.kind != Scalar::Kind::absent || !otel ? first : at(*otel);
    }

    bool timestamp(int64_t now, int64_t& out) {
        Scalar& value = at(Field::timestamp);
        if (value.kind == Scalar::Kind::absent) {
            out = now;
            return true;
        }
        if (value.kind == Scalar::Kind::count && value.count <= static_cast<uint64_t>(INT64_MAX)) {
            out = static_cast<int64_t>(value.count);
            return true;
        }
        if (value.kind != Scalar::Kind::text) return false;
        const auto parsed = parse_time(value.text);
        if (parsed) out = *parsed;
        return parsed.has_value();
    }

    bool text(std::string& out, Field plain, std::optional<Field> otel = std::nullopt) {
        Scalar& value = pick(plain, otel);
        if (value.kind == Scalar::Kind::absent) return true;
        if (value.kind != Scalar::Kind::text || value.text.size() > 256) return false;
        out = std::move(value.text);
        return true;
    }

    bool count(int64_t& out, Field plain, std::optional<Field> otel = std::nullopt) {
        const Scalar& value = pick(plain, otel);
        if (value.kind == Scalar::Kind::absent) return true;
        if (value.kind != Scalar::Kind::count || value.count >= (uint64_t{1} << 50)) return false;
        out = static_cast<int64_t>(value.count);
        return true;
    }

    bool number(std::optional<double>& out, Field field) {
        const Scalar& value = at(field);
        if (value.kind == Scalar::Kind::count)
            out = static_cast<double>(value.count);
        else if (value.kind == Scalar::Kind::number && value.number >= 0)
            out = value.number;
        else
            return value.kind == Scalar::Kind::absent;
        return true;
    }

    std::array<Scalar, static_cast<size_t>(Field::count)>& values_;
    std::vector<std::string>& tags_;
};

}  // namespace

LlmCall parse_llm_call_text(std::string_view payload_json, int64_t now_ms) {
    FieldReader reader;
    if (Json::sax_parse(payload_json.begin(), payload_json.end(), &reader)) {
        if (auto call = Assembler(reader).assemble(now_ms)) return std::move(*call);
    }
    const Json payload = Json::parse(payload_json, nullptr, false);
    if (payload.is_discarded()) throw InputError("an LLM call must be a JSON object; the payload is not valid JSON");
    return parse_llm_call(payload, now_ms);
}

}  // namespace switchboard::metrics
