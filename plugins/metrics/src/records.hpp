// records.hpp: what the metrics plugin records. Plain data, no MCP or SQLite types.
//
// An LLM call keeps the provider's raw token categories as reported; the OpenTelemetry totals
// (cached tokens inside the input total) are derived on export by token_totals.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::metrics {

// The dimensions of an LLM call, in storage order. Names are the column names and the names
// tools and the HTTP API accept.
enum class LlmDim : size_t {
    provider,
    model,
    operation,
    status,
    project,
    session,
    agent,
    role,
    team,
    workflow,
    run,
    task,
    count
};
inline constexpr std::array<std::string_view, static_cast<size_t>(LlmDim::count)> kLlmDimNames = {
    "provider", "model", "operation", "status",   "project", "session",
    "agent",    "role",  "team",      "workflow", "run",     "task"};

enum class ToolDim : size_t { tool, plugin, outcome, session, client, count };
inline constexpr std::array<std::string_view, static_cast<size_t>(ToolDim::count)> kToolDimNames = {
    "tool", "plugin", "outcome", "session", "client"};

struct TokenCounts {
    int64_t input = 0;   // as the provider reports it (see input_includes_cache)
    int64_t output = 0;  // includes reasoning tokens
    int64_t cache_read = 0;
    int64_t cache_creation = 0;
    int64_t reasoning = 0;
    // True when `input` already counts the cached tokens (OpenAI, Gemini); false when cache
    // tokens are reported apart from it (Anthropic).
    bool input_includes_cache = true;
};

// How the cost of a call was found.
enum class CostSource { reported, computed, unknown_model, no_token_price };
std::string_view cost_source_name(CostSource source);

struct LlmCall {
    int64_t ts_ms = 0;  // when the call completed, ms since the Unix epoch (UTC)
    std::array<std::string, static_cast<size_t>(LlmDim::count)> dims;  // "" when absent
    std::vector<std::string> tags;
    TokenCounts tokens;
    std::optional<double> reported_cost_usd;
    std::optional<double> latency_ms;
    std::optional<double> ttft_ms;

    // Filled at ingest by the pricer.
    std::optional<double> cost_usd;
    CostSource cost_source = CostSource::unknown_model;
    std::string price_key;      // the price table entry used, "" when none
    std::string price_version;  // the price table version used, "" when none

    const std::string& dim(LlmDim which) const { return dims[static_cast<size_t>(which)]; }
    std::string& dim(LlmDim which) { return dims[static_cast<size_t>(which)]; }
    bool failed() const { return !dim(LlmDim::status).empty() && dim(LlmDim::status) != "ok"; }
};

struct ToolCall {
    int64_t ts_ms = 0;
    std::array<std::string, static_cast<size_t>(ToolDim::count)> dims;
    double duration_ms = 0;
    bool ok = true;
    int64_t argument_bytes = 0;
    int64_t result_bytes = 0;

    const std::string& dim(ToolDim which) const { return dims[static_cast<size_t>(which)]; }
    std::string& dim(ToolDim which) { return dims[static_cast<size_t>(which)]; }
};

}  // namespace switchboard::metrics
