// prometheus.cpp: histogram bookkeeping and the text rendering.
#include "prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "token_totals.hpp"

namespace switchboard::metrics {
namespace {

std::string number(double value) {
    char text[64];
    auto [end, error] = std::to_chars(text, text + sizeof text, value);
    return error == std::errc() ? std::string(text, end) : std::string("NaN");
}

std::string label_text(const std::vector<std::pair<std::string, std::string>>& labels, const std::string& extra = {}) {
    std::string text;
    for (const auto& [name, value] : labels) {
        text += text.empty() ? "{" : ",";
        text += name + "=\"" + escape_label_value(value) + "\"";
    }
    if (!extra.empty()) text += (text.empty() ? "{" : ",") + extra;
    return text.empty() ? text : text + "}";
}

void render_histograms(std::string& out, const std::string& name, const std::string& help,
                       const std::map<std::vector<std::pair<std::string, std::string>>, Histogram>& series) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    for (const auto& [labels, histogram] : series) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < histogram.bounds().size(); ++i) {
            cumulative += histogram.counts()[i];
            out += name + "_bucket" + label_text(labels, "le=\"" + number(histogram.bounds()[i]) + "\"") + " " +
                   std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + label_text(labels, "le=\"+Inf\"") + " " + std::to_string(histogram.count()) + "\n";
        out += name + "_sum" + label_text(labels) + " " + number(histogram.sum()) + "\n";
        out += name + "_count" + label_text(labels) + " " + std::to_string(histogram.count()) + "\n";
    }
}

void render_counters(std::string& out, const std::string& name, const std::string& type, const std::string& help,
                     const std::map<std::vector<std::pair<std::string, std::string>>, double>& series) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, value] : series) out += name + label_text(labels) + " " + number(value) + "\n";
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string text;
    text.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            text += "\\\\";
        else if (c == '"')
            text += "\\\"";
        else if (c == '\n')
            text += "\\n";
        else
            text += c;
    }
    return text;
}

void Histogram::observe(double value) {
    const auto bucket = std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin();
    ++counts_[static_cast<size_t>(bucket)];
    sum_ += value;
    ++count_;
}

const std::vector<double>& token_usage_buckets() {
    static const std::vector<double> bounds = {1,     4,     16,     64,      256,     1024,     4096,
                                               16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
    return bounds;
}

const std::vector<double>& operation_duration_buckets() {
    static const std::vector<double> bounds = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                               1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
    return bounds;
}

const std::vector<double>& mcp_duration_buckets() {
    static const std::vector<double> bounds = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300};
    return bounds;
}

namespace {

// The joined label values that pick a record's series; `out` is reused so a known one allocates
// nothing.
template <typename Dims>
void series_key(std::string& out, const Dims& dims, std::initializer_list<size_t> positions) {
    out.clear();
    for (size_t position : positions) {
        out += dims[position];
        out += '\x1f';
    }
}

}  // namespace

PrometheusState::LlmSeries& PrometheusState::llm_series(const LlmCall& call) {
    series_key(key_, call.dims,
               {static_cast<size_t>(LlmDim::operation), static_cast<size_t>(LlmDim::provider),
                static_cast<size_t>(LlmDim::model), static_cast<size_t>(LlmDim::status),
                static_cast<size_t>(LlmDim::project)});
    if (auto found = llm_series_.find(key_); found != llm_series_.end()) return found->second;
    const Labels base = {{"gen_ai_operation_name", call.dim(LlmDim::operation)},
                         {"gen_ai_provider_name", call.dim(LlmDim::provider)},
                         {"gen_ai_request_model", call.dim(LlmDim::model)}};
    auto with = [&](const char* name, const std::string& value) {
        Labels labels = base;
        labels.emplace_back(name, value);
        return labels;
    };
    LlmSeries series;
    series.input_tokens =
        &token_usage_.try_emplace(with("gen_ai_token_type", "input"), &token_usage_buckets()).first->second;
    series.output_tokens =
        &token_usage_.try_emplace(with("gen_ai_token_type", "output"), &token_usage_buckets()).first->second;
    series.duration_labels = call.failed() ? with("error_type", call.dim(LlmDim::status)) : base;
    series.cost_usd = &cost_usd_[{{"provider", call.dim(LlmDim::provider)},
                                  {"model", call.dim(LlmDim::model)},
                                  {"project", call.dim(LlmDim::project)}}];
    series.calls = &llm_calls_[{{"provider", call.dim(LlmDim::provider)},
                                {"model", call.dim(LlmDim::model)},
                                {"status", call.dim(LlmDim::status)}}];
    return llm_series_.emplace(key_, std::move(series)).first->second;
}

void PrometheusState::observe(const LlmCall& call) {
    std::lock_guard lock(mutex_);
    LlmSeries& series = llm_series(call);
    series.input_tokens->observe(static_cast<double>(total_input_tokens(call.tokens)));
    series.output_tokens->observe(static_cast<double>(call.tokens.output));
    if (call.latency_ms) {
        // Made on the first call with a latency, so a series without any is not exposed.
        if (series.duration == nullptr)
            series.duration =
                &operation_duration_.try_emplace(series.duration_labels, &operation_duration_buckets()).first->second;
        series.duration->observe(*call.latency_ms / 1000.0);
    }
    *series.cost_usd += call.cost_usd.value_or(0);
    *series.calls += 1;
}

void PrometheusState::observe(const ToolCall& call) {
    std::lock_guard lock(mutex_);
    series_key(key_, call.dims,
               {static_cast<size_t>(ToolDim::tool), static_cast<size_t>(ToolDim::plugin),
                static_cast<size_t>(ToolDim::outcome)});
    auto found = tool_series_.find(key_);
    if (found == tool_series_.end()) {
        const Labels labels = {{"mcp_method_name", "tools/call"},
                               {"gen_ai_tool_name", call.dim(ToolDim::tool)},
                               {"plugin", call.dim(ToolDim::plugin)},
                               {"outcome", call.dim(ToolDim::outcome)}};
        found = tool_series_.emplace(key_, &tool_duration_.try_emplace(labels, &mcp_duration_buckets()).first->second)
                    .first;
    }
    found->second->observe(call.duration_ms / 1000.0);
}

void PrometheusState::load(Database& db) {
    Statement llm = db.prepare(
        "SELECT provider, model, operation, status, project, input_tokens, output_tokens, cache_read_tokens, "
        "cache_creation_tokens, input_includes_cache, latency_ms, cost_usd FROM llm_calls ORDER BY id");
    while (llm.step()) {
        LlmCall call;
        call.dim(LlmDim::provider) = llm.text(0);
        call.dim(LlmDim::model) = llm.text(1);
        call.dim(LlmDim::operation) = llm.text(2);
        call.dim(LlmDim::status) = llm.text(3);
        call.dim(LlmDim::project) = llm.text(4);
        call.tokens.input = llm.int64(5);
        call.tokens.output = llm.int64(6);
        call.tokens.cache_read = llm.int64(7);
        call.tokens.cache_creation = llm.int64(8);
        call.tokens.input_includes_cache = llm.int64(9) != 0;
        call.latency_ms = llm.optional_real(10);
        call.cost_usd = llm.optional_real(11);
        observe(call);
    }
    Statement tools = db.prepare("SELECT tool, plugin, outcome, duration_ms FROM tool_calls ORDER BY id");
    while (tools.step()) {
        ToolCall call;
        call.dim(ToolDim::tool) = tools.text(0);
        call.dim(ToolDim::plugin) = tools.text(1);
        call.dim(ToolDim::outcome) = tools.text(2);
        call.duration_ms = tools.real(3);
        observe(call);
    }
}

std::string PrometheusState::render(const std::vector<BudgetStatus>& budgets) const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        render_histograms(out, "gen_ai_client_token_usage",
                          "Tokens per LLM call by type (OpenTelemetry gen_ai.client.token.usage; input includes "
                          "cached tokens).",
                          token_usage_);
        render_histograms(out, "gen_ai_client_operation_duration_seconds",
                          "Duration of LLM calls (OpenTelemetry gen_ai.client.operation.duration).",
                          operation_duration_);
        render_histograms(out, "mcp_server_operation_duration_seconds",
                          "Duration of MCP tool calls through the host (OpenTelemetry mcp.server.operation.duration).",
                          tool_duration_);
        render_counters(out, "switchboard_llm_cost_usd_total", "counter",
                        "US dollars spent on LLM calls (reported or computed; calls of unknown cost add 0).",
                        cost_usd_);
        render_counters(out, "switchboard_llm_calls_total", "counter", "LLM calls recorded.", llm_calls_);
    }
    std::map<Labels, double> limit, spent, ratio;
    for (const BudgetStatus& status : budgets) {
        const Labels labels = {{"budget_id", std::to_string(status.budget.id)},
                               {"scope", status.budget.scope},
                               {"scope_value", status.budget.scope_value},
                               {"period", status.budget.period}};
        limit[labels] = status.budget.limit_usd;
        spent[labels] = status.spent_usd;
        ratio[labels] = status.ratio();
    }
    render_counters(out, "switchboard_budget_limit_usd", "gauge", "Budget limit in US dollars per period.", limit);
    render_counters(out, "switchboard_budget_spent_usd", "gauge", "US dollars spent in the current budget period.",
                    spent);
    render_counters(out, "switchboard_budget_used_ratio", "gauge", "Spent divided by limit in the current period.",
                    ratio);
    return out;
}

}  // namespace switchboard::metrics
