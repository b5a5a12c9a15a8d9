// llm_call_text.cpp: see llm_call_text.hpp. The fast path only ever accepts; every refusal is
// the reference path's, so the rules live in one place (record_parsing.cpp).
#include "llm_call_text.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
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
    uint64_t count = 0;     // a non-negative integer
    double number = 0;      // a number with a fraction or exponent
    std::string_view text;  // in the payload: plain text needs no unescaping
};

// Reads the top-level object of a payload into one Scalar per Field, skipping other fields. It
// accepts strictly valid JSON only, and only its plain forms; read() returns false at anything
// else (escapes, non-ASCII text, a nested value under a known field, a duplicate field, an
// integer beyond 64 bits), for the reference path to read.
class FlatReader {
 public:
    explicit FlatReader(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}

    std::array<Scalar, static_cast<size_t>(Field::count)> values;
    std::vector<std::string_view> tags;

    bool read() {
        if (!expect('{')) return false;
        if (!next('}')) {
            do {
                if (!member()) return false;
            } while (next(','));
            if (!expect('}')) return false;
        }
        skip_space();
        return at_ == end_;
    }

 private:
    bool member() {
        std::string_view name;
        if (!expect_string(name) || !expect(':')) return false;
        const std::optional<Field> field = field_named(name);
        if (!field) return skip_value(0);
        const auto bit = uint64_t{1} << static_cast<size_t>(*field);
        if ((seen_ & bit) != 0) return false;  // a duplicate: the reference path decides which wins
        seen_ |= bit;
        skip_space();
        if (*field == Field::tags && at_ != end_ && *at_ == '[') return tag_list();
        return scalar(values[static_cast<size_t>(*field)]);
    }

    bool scalar(Scalar& slot) {
        if (at_ == end_) return false;
        switch (*at_) {
            case '"':
                slot.kind = Scalar::Kind::text;
                return expect_string(slot.text);
            case 't':
                slot.kind = Scalar::Kind::boolean;
                slot.boolean = true;
                return literal("true");
            case 'f':
                slot.kind = Scalar::Kind::boolean;
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number(&slot);
        }
    }

    bool tag_list() {
        ++at_;  // '['
        if (next(']')) return true;
        do {
            std::string_view tag;
            if (!expect_string(tag)) return false;
            tags.push_back(tag);
        } while (next(','));
        return expect(']');
    }

    // Any value of a field the record does not read, nested up to a few levels.
    bool skip_value(int depth) {
        skip_space();
        if (at_ == end_ || depth > 8) return false;
        const char open = *at_;
        if (open != '{' && open != '[') {
            Scalar ignored;
            return open == '"' || open == 't' || open == 'f' || open == 'n' ? scalar(ignored) : number(nullptr);
        }
        ++at_;
        const char close = open == '{' ? '}' : ']';
        if (next(close)) return true;
        do {
            std::string_view name;
            if (open == '{' && (!expect_string(name) || !expect(':'))) return false;
            if (!skip_value(depth + 1)) return false;
        } while (next(','));
        return expect(close);
    }

    // A JSON number; `slot` null when it is skipped. Negative numbers are kept only when skipped:
    // no field the record reads accepts one.
    bool number(Scalar* slot) {
        const char* start = at_;
        const bool negative = at_ != end_ && *at_ == '-';
        if (negative) ++at_;
        if (at_ == end_ || !is_digit(*at_)) return false;
        if (*at_ == '0')
            ++at_;
        else
            while (at_ != end_ && is_digit(*at_)) ++at_;
        bool integral = true;
        if (at_ != end_ && *at_ == '.') {
            integral = false;
            if (!digits()) return false;
        }
        if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
            integral = false;
            if (at_ + 1 != end_ && (at_[1] == '+' || at_[1] == '-')) ++at_;
            if (!digits()) return false;
        }
        if (slot == nullptr) return true;
        if (negative) return false;
        if (integral) {
            slot->kind = Scalar::Kind::count;
            const auto [end, error] = std::from_chars(start, at_, slot->count);
            return error == std::errc() && end == at_;
        }
        slot->kind = Scalar::Kind::number;
        const auto [end, error] = std::from_chars(start, at_, slot->number);
        return error == std::errc() && end == at_ && std::isfinite(slot->number);
    }

    // One or more digits after the current character ('.', 'e', or a sign).
    bool digits() {
        ++at_;
        if (at_ == end_ || !is_digit(*at_)) return false;
        while (at_ != end_ && is_digit(*at_)) ++at_;
        return true;
    }

    // Plain text only: no escapes, no control characters, ASCII.
    bool expect_string(std::string_view& out) {
        skip_space();
        if (at_ == end_ || *at_ != '"') return false;
        const char* start = ++at_;
        while (at_ != end_ && *at_ != '"') {
            const auto c = static_cast<unsigned char>(*at_);
            if (c == '\\' || c < 0x20 || c >= 0x80) return false;
            ++at_;
        }
        if (at_ == end_) return false;
        out = std::string_view(start, static_cast<size_t>(at_ - start));
        ++at_;
        return true;
    }

    bool literal(std::string_view word) {
        if (static_cast<size_t>(end_ - at_) < word.size() || std::string_view(at_, word.size()) != word) return false;
        at_ += word.size();
        return true;
    }

    void skip_space() {
        while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
    }
    bool expect(char c) {
        skip_space();
        if (at_ == end_ || *at_ != c) return false;
        ++at_;
        return true;
    }
    // Consumes `c` if it comes next.
    bool next(char c) {
        skip_space();
        if (at_ == end_ || *at_ != c) return false;
        ++at_;
        return true;
    }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    const char* at_;
    const char* end_;
    uint64_t seen_ = 0;
};

static_assert(static_cast<size_t>(Field::count) <= 64, "FlatReader::seen_ has a bit per field");

// The fast path's answer, or nullopt for the reference path to give (usually an error).
class Assembler {
 public:
    explicit Assembler(FlatReader& reader) : values_(reader.values), tags_(reader.tags) {}

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
        for (std::string_view tag : tags_) {
            if (tag.empty() || tag.find(',') != std::string_view::npos) return std::nullopt;
            call.tags.emplace_back(tag);
        }

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
        out.assign(value.text);
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
    const std::vector<std::string_view>& tags_;
};

}  // namespace

LlmCall parse_llm_call_text(std::string_view payload_json, int64_t now_ms) {
    FlatReader reader(payload_json);
    if (reader.read()) {
        if (auto call = Assembler(reader).assemble(now_ms)) return std::move(*call);
    }
    const Json payload = Json::parse(payload_json, nullptr, false);
    if (payload.is_discarded()) throw InputError("an LLM call must be a JSON object; the payload is not valid JSON");
    return parse_llm_call(payload, now_ms);
}

}  // namespace switchboard::metrics
