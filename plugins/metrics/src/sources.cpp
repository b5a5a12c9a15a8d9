// sources.cpp: the LLM and tool sources. measure_values() and raw_expr must agree: the rollups
// are built from the first and raw edges of a query read the second (rollup_consistency_test).
#include "sources.hpp"

#include <algorithm>

#include "token_totals.hpp"

namespace switchboard::metrics {

bool SourceSpec::has_dimension(std::string_view dim) const {
    return std::find(dimensions.begin(), dimensions.end(), dim) != dimensions.end();
}

bool SourceSpec::in_rollup(std::string_view dim) const {
    return std::find(rollup_dimensions.begin(), rollup_dimensions.end(), dim) != rollup_dimensions.end();
}

const DimensionRollup* SourceSpec::dimension_rollup(std::string_view dim) const {
    for (const DimensionRollup& rollup : dimension_rollups)
        if (rollup.dimension == dim) return &rollup;
    return nullptr;
}

const Measure* SourceSpec::measure(std::string_view measure_name) const {
    for (const Measure& m : measures) {
        if (m.name == measure_name) return &m;
    }
    return nullptr;
}

const SourceSpec& source_at(size_t index) { return index == kLlmSource ? llm_source() : tool_source(); }

const SourceSpec& llm_source() {
    static const SourceSpec spec{
        "llm",
        "llm_calls",
        "llm_call_rows",
        "llm_rollup_hour",
        "llm_rollup_day",
        "llm_dims",
        {kLlmDimNames.begin(), kLlmDimNames.end()},
        {"provider", "model", "operation", "status", "project", "agent", "role", "team", "workflow"},
        {"session", "run", "task"},
        {{"session", "llm_session_hour", "llm_session_day"}},
        {
            {"calls", "1", Aggregate::sum, true},
            {"input_tokens", "input_tokens", Aggregate::sum, true},
            {"output_tokens", "output_tokens", Aggregate::sum, true},
            {"cache_read_tokens", "cache_read_tokens", Aggregate::sum, true},
            {"cache_creation_tokens", "cache_creation_tokens", Aggregate::sum, true},
            {"reasoning_tokens", "reasoning_tokens", Aggregate::sum, true},
            {"total_input_tokens",
             "CASE WHEN input_includes_cache THEN input_tokens "
             "ELSE input_tokens + cache_read_tokens + cache_creation_tokens END",
             Aggregate::sum, true},
            {"cost_usd", "COALESCE(cost_usd, 0)", Aggregate::sum, false},
            {"uncosted_calls", "(cost_usd IS NULL)", Aggregate::sum, true},
            {"errors", "(status <> 'ok')", Aggregate::sum, true},
            {"latency_ms_sum", "COALESCE(latency_ms, 0)", Aggregate::sum, false},
            {"latency_count", "(latency_ms IS NOT NULL)", Aggregate::sum, true},
        },
        "cost_usd"};
    return spec;
}

const SourceSpec& tool_source() {
    static const SourceSpec spec{"tools",
                                 "tool_calls",
                                 "tool_call_rows",
                                 "tool_rollup_hour",
                                 "tool_rollup_day",
                                 "tool_dims",
                                 {kToolDimNames.begin(), kToolDimNames.end()},
                                 {"tool", "plugin", "outcome", "client"},
                                 {"session"},
                                 {{"session", "tool_session_hour", "tool_session_day"}},
                                 {
                                     {"calls", "1", Aggregate::sum, true},
                                     {"errors", "(ok = 0)", Aggregate::sum, true},
                                     {"duration_ms_sum", "duration_ms", Aggregate::sum, false},
                                     {"duration_ms_max", "duration_ms", Aggregate::max, false},
                                     {"argument_bytes", "argument_bytes", Aggregate::sum, true},
                                     {"result_bytes", "result_bytes", Aggregate::sum, true},
                                 },
                                 "calls"};
    return spec;
}

MeasureValues measure_values(const LlmCall& call) {
    const TokenCounts& t = call.tokens;
    return {1,
            static_cast<double>(t.input),
            static_cast<double>(t.output),
            static_cast<double>(t.cache_read),
            static_cast<double>(t.cache_creation),
            static_cast<double>(t.reasoning),
            static_cast<double>(total_input_tokens(t)),
            call.cost_usd.value_or(0),
            call.cost_usd ? 0.0 : 1.0,
            call.dim(LlmDim::status) != "ok" ? 1.0 : 0.0,
            call.latency_ms.value_or(0),
            call.latency_ms ? 1.0 : 0.0};
}

MeasureValues measure_values(const ToolCall& call) {
    return {1,
            call.ok ? 0.0 : 1.0,
            call.duration_ms,
            call.duration_ms,
            static_cast<double>(call.argument_bytes),
            static_cast<double>(call.result_bytes)};
}

}  // namespace switchboard::metrics
