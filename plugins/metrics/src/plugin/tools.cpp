// tools.cpp: the metrics_* MCP tools. Each maps its arguments to a MetricsService operation and
// returns the result as structuredContent; bad arguments become isError results that say what
// was wrong and what is accepted.
#include <functional>

#include "record_parsing.hpp"
#include "registration.hpp"
#include "tool_schemas.hpp"

namespace switchboard::metrics {
namespace {

using Operation = std::function<Json(const Json&)>;

void add(Plugin& plugin, const char* name, const char* title, const char* description, Json input, Json output,
         bool read_only, Operation operation) {
    plugin.add_tool(Tool(name, description)
                        .title(title)
                        .input_schema(std::move(input))
                        .output_schema(std::move(output))
                        .annotations({{"readOnlyHint", read_only}, {"openWorldHint", false}}),
                    [operation = std::move(operation)](const Json& args, Call&) {
                        try {
                            return ToolResult::structured(operation(args.is_object() ? args : Json::object()));
                        } catch (const InputError& e) {
                            return ToolResult::error(e.what());
                        }
                    });
}

}  // namespace

void register_tools(Plugin& plugin, MetricsService& service) {
    MetricsService* s = &service;
    add(plugin, "metrics_record_llm_call", "Record an LLM call",
        "Records one LLM call: provider, model and token counts by type, with optional reported cost, latency, time "
        "to first token, status and the dimensions project, session, agent, role, team, workflow, run, task and "
        "tags. A reported cost_usd wins; otherwise the cost is computed now from the price table (long-context tier, "
        "cache read/creation and reasoning prices included) and the price used is returned. An unknown model is "
        "recorded with cost null. Returns the budgets that apply to the call; a budget with allowed=false is spent.",
        schemas::record_llm_call_input(), schemas::record_llm_call_output(), false,
        [s](const Json& args) { return s->record_llm_call(args); });
    add(plugin, "metrics_summary", "Usage summary",
        "Totals of LLM calls (calls, tokens by type, cost, errors, latency, cache-hit ratio) and MCP tool calls "
        "(calls, errors, durations) over a time range, with the top models, projects, agents and tools by cost or "
        "calls. Without from/to/last_hours it covers everything recorded.",
        schemas::summary_input(), schemas::summary_output(), true, [s](const Json& args) { return s->summary(args); });
    add(plugin, "metrics_breakdown", "Breakdown by dimensions",
        "Groups LLM calls (source llm) or MCP tool calls (source tools) by any combination of dimensions, with "
        "filters, a time range and top-N ranking by a measure. Each row has calls, tokens by type, cost_usd, "
        "errors, error_rate, average latency and cache-hit ratio (llm) or durations and sizes (tools).",
        schemas::breakdown_input(false), schemas::breakdown_output(false), true,
        [s](const Json& args) { return s->breakdown(args); });
    add(plugin, "metrics_timeseries", "Time series",
        "The measures of metrics_breakdown per time bucket (hour, day, week or month, UTC), optionally split by "
        "dimensions and limited to the top N groups over the range.",
        schemas::breakdown_input(true), schemas::breakdown_output(true), true,
        [s](const Json& args) { return s->timeseries(args); });
    add(plugin, "metrics_forecast", "Burn rate and projections",
        "Burn rate (tokens and US dollars per hour) over a window, the projected spend at the end of the day, week "
        "or month, and, given the remaining tasks of a workflow run, their projected cost and time from the "
        "historical means per task kind and model. Every figure carries its basis: window, sample counts, means.",
        schemas::forecast_input(), schemas::forecast_output(), true,
        [s](const Json& args) { return s->forecast(args); });
    add(plugin, "metrics_budget_set", "Set a budget",
        "Creates or replaces the budget in US dollars for a project, agent, team, model or everything (global) over "
        "a day, week, month or in total. At warn_ratio (default 0.8) of the limit metrics.budget.warning is "
        "published, at 100% metrics.budget.exceeded, each once per period. With remove=true and id, deletes one.",
        schemas::budget_set_input(), schemas::budget_set_output(), false,
        [s](const Json& args) { return s->budget_set(args); });
    add(plugin, "metrics_budget_list", "List budgets",
        "Every budget with its spend in the current period, remaining amount, ratio and state (ok, warning, "
        "exceeded).",
        Json{{"type", "object"}, {"properties", Json::object()}}, schemas::budget_list_output(), true,
        [s](const Json& args) { return s->budget_list(args); });
    add(plugin, "metrics_budget_check", "Check budgets before LLM work",
        "The budgets that apply to work for a project, agent, team and model, and whether it is allowed: allowed is "
        "false as soon as one applicable budget is exceeded (budgets fail closed).",
        schemas::budget_check_input(), schemas::budget_check_output(), true,
        [s](const Json& args) { return s->budget_check(args); });
    add(plugin, "metrics_recommendations", "Recommendations",
        "What to change, each with its evidence numbers: a cheaper model with a similar success rate for a role or "
        "task kind, tools with high error rates or slow p95/p99 tails, low prompt-cache hit ratios, and agents or "
        "sessions spending far above their peers (more than 3x the median).",
        schemas::recommendations_input(), schemas::recommendations_output(), true,
        [s](const Json& args) { return s->recommendations(args); });
    add(plugin, "metrics_prices", "Price table",
        "The model price table in use (LiteLLM format: US dollars per token for input, output, cache read, cache "
        "creation, reasoning, and above 200k input tokens), its version, sources and load warnings; with model, "
        "the entry a call to that model would be priced with.",
        schemas::prices_input(), schemas::prices_output(), true, [s](const Json& args) { return s->prices(args); });
}

}  // namespace switchboard::metrics
