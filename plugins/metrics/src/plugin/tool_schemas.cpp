// tool_schemas.cpp: JSON Schemas of the metrics tools. Output schemas describe the fields every
// result has; rows and statuses may carry more (additionalProperties is left open).
#include "tool_schemas.hpp"

namespace switchboard::metrics::schemas {
namespace {

using Json = nlohmann::json;

Json object(Json properties, Json required = Json::array()) {
    return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}
Json typed(const char* type, const char* description) { return {{"type", type}, {"description", description}}; }
Json nullable(const char* type) { return {{"type", Json::array({type, "null"})}}; }
Json array_of(Json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
Json open_object() { return {{"type", "object"}}; }

const char* kDimensionsText =
    "LLM calls: provider, model, operation, status, project, session, agent, role, team, workflow, run, task. "
    "Tool calls: tool, plugin, outcome, session, client.";

Json time_properties() {
    return {{"from",
             {{"type", Json::array({"string", "integer"})},
              {"description",
               "Start (inclusive): ISO 8601 UTC (2026-11-23 or 2026-11-23T10:00:00Z) or ms "
               "since the epoch."}}},
            {"to", {{"type", Json::array({"string", "integer"})}, {"description", "End (exclusive), same forms."}}},
            {"last_hours",
             {{"type", "number"},
              {"exclusiveMinimum", 0},
              {"description", "Shorthand for from = now - last_hours, to = now."}}}};
}

Json filters_property() {
    return {{"type", "object"},
            {"description", std::string("Dimension -> value or [values]; records must match all. ") + kDimensionsText},
            {"additionalProperties", {{"type", Json::array({"string", "array"})}, {"items", {{"type", "string"}}}}}};
}

Json budget_status() {
    return object({{"id", {{"type", "integer"}}},
                   {"scope", {{"type", "string"}}},
                   {"scope_value", {{"type", "string"}}},
                   {"period", {{"type", "string"}}},
                   {"limit_usd", {{"type", "number"}}},
                   {"warn_ratio", {{"type", "number"}}},
                   {"period_start", {{"type", "string"}}},
                   {"period_end", nullable("string")},
                   {"spent_usd", {{"type", "number"}}},
                   {"remaining_usd", {{"type", "number"}}},
                   {"ratio", {{"type", "number"}}},
                   {"uncosted_calls", {{"type", "integer"}}},
                   {"state", {{"type", "string"}, {"enum", {"ok", "warning", "exceeded"}}}},
                   {"allowed", {{"type", "boolean"}}}},
                  {"id", "scope", "period", "limit_usd", "spent_usd", "state", "allowed"});
}

}  // namespace

Json record_llm_call_input() {
    Json properties = {
        {"provider", typed("string",
                           "Provider as in LiteLLM / OpenTelemetry gen_ai.provider.name: anthropic, "
                           "openai, gemini, ... Anthropic's input_tokens exclude cache tokens; others' "
                           "include them.")},
        {"model", typed("string",
                        "The model name the provider reports (gen_ai.request.model), e.g. "
                        "claude-sonnet-4-5.")},
        {"operation", typed("string", "gen_ai.operation.name: chat (default), text_completion, embeddings, ...")},
        {"input_tokens",
         {{"type", "integer"}, {"minimum", 0}, {"description", "Input tokens as the provider reports them."}}},
        {"output_tokens", {{"type", "integer"}, {"minimum", 0}, {"description", "Output tokens, reasoning included."}}},
        {"cache_read_tokens", {{"type", "integer"}, {"minimum", 0}}},
        {"cache_creation_tokens", {{"type", "integer"}, {"minimum", 0}}},
        {"reasoning_tokens",
         {{"type", "integer"}, {"minimum", 0}, {"description", "The part of output_tokens spent reasoning."}}},
        {"input_includes_cache", typed("boolean",
                                       "Whether input_tokens counts cached tokens; defaults by provider "
                                       "(false for anthropic, true otherwise).")},
        {"cost_usd",
         {{"type", "number"}, {"minimum", 0}, {"description", "Reported cost; wins over the computed one."}}},
        {"latency_ms", {{"type", "number"}, {"minimum", 0}}},
        {"ttft_ms", {{"type", "number"}, {"minimum", 0}, {"description", "Time to first token."}}},
        {"status", typed("string", "ok (default) or an error kind such as error, timeout, rate_limited.")},
        {"timestamp",
         {{"type", Json::array({"string", "integer"})},
          {"description", "When the call completed (ISO 8601 UTC or ms since the epoch); default now."}}},
        {"tags", array_of({{"type", "string"}})}};
    for (const char* dim : {"project", "session", "agent", "role", "team", "workflow", "run", "task"})
        properties[dim] = {{"type", "string"}};
    return object(properties, {"model"});
}

Json record_llm_call_output() {
    return object(
        {{"recorded", {{"type", "boolean"}}},
         {"timestamp", {{"type", "string"}}},
         {"provider", {{"type", "string"}}},
         {"model", {{"type", "string"}}},
         {"cost_usd", nullable("number")},
         {"cost_source", {{"type", "string"}, {"enum", {"reported", "computed", "unknown_model", "no_token_price"}}}},
         {"price_key", nullable("string")},
         {"price_version", nullable("string")},
         {"note", {{"type", "string"}}},
         {"budgets", array_of(budget_status())}},
        {"recorded", "cost_usd", "cost_source", "budgets"});
}

Json summary_input() {
    Json properties = time_properties();
    properties["limit"] = {
        {"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"description", "Entries per top list (default 5)."}};
    return object(properties);
}

Json summary_output() {
    return object({{"from", nullable("string")},
                   {"to", nullable("string")},
                   {"llm", open_object()},
                   {"tools", open_object()},
                   {"top_models", array_of(open_object())},
                   {"top_projects", array_of(open_object())},
                   {"top_agents", array_of(open_object())},
                   {"top_tools", array_of(open_object())},
                   {"price_version", {{"type", "string"}}}},
                  {"llm", "tools", "top_models", "top_tools"});
}

Json breakdown_input(bool time_series) {
    Json properties = time_properties();
    properties["source"] = {
        {"type", "string"}, {"enum", {"llm", "tools"}}, {"description", "Which records (default llm)."}};
    properties["group_by"] = {
        {"type", "array"},
        {"items", {{"type", "string"}}},
        {"description", std::string("Dimensions to group by, any combination. ") + kDimensionsText +
                            (time_series ? " Default: none." : " Default: model (llm) or tool (tools).")}};
    properties["filters"] = filters_property();
    properties["tag"] = typed("string", "Only LLM calls carrying this tag.");
    properties["order_by"] = typed("string",
                                   "Measure to rank by: cost_usd (default for llm), calls (default for "
                                   "tools), input_tokens, output_tokens, errors, ...");
    properties["limit"] = {{"type", "integer"},
                           {"minimum", 0},
                           {"description", time_series ? "Keep the top N groups over the range (0 = all, default)."
                                                       : "Top N groups (default 20; 0 = all)."}};
    if (time_series)
        properties["bucket"] = {{"type", "string"},
                                {"enum", {"hour", "day", "week", "month"}},
                                {"description", "Time bucket, UTC; weeks start Monday. Default day."}};
    return object(properties);
}

Json breakdown_output(bool time_series) {
    Json properties = {{"source", {{"type", "string"}}},  {"group_by", array_of({{"type", "string"}})},
                       {"from", nullable("string")},      {"to", nullable("string")},
                       {"rows", array_of(open_object())}, {"plan", {{"type", "string"}}}};
    if (time_series) properties["bucket"] = {{"type", "string"}};
    return object(properties, {"source", "group_by", "rows"});
}

Json forecast_input() {
    return object(
        {{"filters", filters_property()},
         {"window_hours",
          {{"type", "number"},
           {"exclusiveMinimum", 0},
           {"description", "Window of the burn rate, ending now (default from config, 24)."}}},
         {"period",
          {{"type", "string"},
           {"enum", {"day", "week", "month"}},
           {"description", "Period to project the spend to its end (default month)."}}},
         {"run", typed("string", "A workflow run: adds what it has spent so far to the projection.")},
         {"remaining", array_of(object({{"task", typed("string", "Task kind as recorded in the task dimension.")},
                                        {"model", typed("string", "Model it will run on (optional).")},
                                        {"count", {{"type", "integer"}, {"minimum", 0}}}},
                                       {"task"}))}});
}

Json forecast_output() {
    return object({{"burn_rate", open_object()},
                   {"period_projection", open_object()},
                   {"filters", open_object()},
                   {"remaining_work", open_object()}},
                  {"burn_rate", "period_projection"});
}

Json budget_set_input() {
    return object({{"scope",
                    {{"type", "string"},
                     {"enum", {"global", "project", "agent", "team", "model"}},
                     {"description", "What the budget limits (default project)."}}},
                   {"scope_value", typed("string", "The project, agent, team or model name; not used for global.")},
                   {"period",
                    {{"type", "string"},
                     {"enum", {"day", "week", "month", "total"}},
                     {"description", "Budget period, UTC calendar (default month)."}}},
                   {"limit_usd", {{"type", "number"}, {"exclusiveMinimum", 0}}},
                   {"warn_ratio",
                    {{"type", "number"},
                     {"exclusiveMinimum", 0},
                     {"maximum", 1},
                     {"description", "Warn at this share of the limit (default 0.8)."}}},
                   {"remove", typed("boolean", "Delete the budget with `id` instead.")},
                   {"id", {{"type", "integer"}}}});
}

Json budget_set_output() {
    return object({{"budget", budget_status()}, {"removed", {{"type", "boolean"}}}, {"id", {{"type", "integer"}}}});
}

Json budget_list_output() { return object({{"budgets", array_of(budget_status())}}, {"budgets"}); }

Json budget_check_input() {
    return object({{"project", {{"type", "string"}}},
                   {"agent", {{"type", "string"}}},
                   {"team", {{"type", "string"}}},
                   {"model", {{"type", "string"}}}});
}

Json budget_check_output() {
    return object({{"allowed", {{"type", "boolean"}}},
                   {"state", {{"type", "string"}, {"enum", {"ok", "warning", "exceeded"}}}},
                   {"budgets", array_of(budget_status())}},
                  {"allowed", "state", "budgets"});
}

Json recommendations_input() {
    return object({{"window_hours",
                    {{"type", "number"},
                     {"exclusiveMinimum", 0},
                     {"description", "How far back to look (default 168, one week)."}}},
                   {"min_samples",
                    {{"type", "integer"},
                     {"minimum", 1},
                     {"description", "Calls a model, tool or group needs before it is judged (default 20)."}}}});
}

Json recommendations_output() {
    return object(
        {{"window", open_object()},
         {"recommendations",
          array_of(
              object({{"kind",
                       {{"type", "string"},
                        {"enum", {"cheaper_model", "tool_errors", "tool_latency", "low_cache_hits", "heavy_spender"}}}},
                      {"severity", {{"type", "string"}}},
                      {"subject", open_object()},
                      {"message", {{"type", "string"}}},
                      {"evidence", open_object()}},
                     {"kind", "message", "evidence"}))}},
        {"recommendations"});
}

Json prices_input() {
    return object(
        {{"model", typed("string", "Show the price a call to this model would use.")},
         {"provider", typed("string", "Provider of `model`, or a filter on litellm_provider.")},
         {"search", typed("string", "Only models whose key contains this text.")},
         {"limit", {{"type", "integer"}, {"minimum", 1}, {"description", "Most entries listed (default 50)."}}}});
}

Json prices_output() {
    return object({{"version", {{"type", "string"}}},
                   {"default_table_date", {{"type", "string"}}},
                   {"sources", array_of({{"type", "string"}})},
                   {"warnings", array_of({{"type", "string"}})},
                   {"models_total", {{"type", "integer"}}},
                   {"match", nullable("string")},
                   {"truncated", {{"type", "boolean"}}},
                   {"prices", open_object()}},
                  {"version", "sources", "prices"});
}

}  // namespace switchboard::metrics::schemas
