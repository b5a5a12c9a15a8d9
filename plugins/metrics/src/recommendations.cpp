// recommendations.cpp: see recommendations.hpp for the rules.
#include "recommendations.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "query.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

std::string percent(double ratio) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", ratio * 100);
    return text;
}

std::string dollars(double usd) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.4f", usd);
    return text;
}

QueryResult window_query(Database& db, const SourceSpec& source, std::vector<std::string> group_by,
                         const RecommendationOptions& options, int64_t now) {
    Query query;
    query.source = &source;
    query.group_by = std::move(group_by);
    query.from_ms = now - options.window_ms;
    query.to_ms = now + 1;
    return run_query(db, query);
}

void cheaper_models(Database& db, const std::string& grouping, const RecommendationOptions& options, int64_t now,
                    Json& out) {
    struct ModelStats {
        std::string model;
        double calls, success_rate, mean_cost;
    };
    std::map<std::string, std::vector<ModelStats>> by_group;
    QueryResult result = window_query(db, llm_source(), {grouping, "model"}, options, now);
    for (const QueryRow& row : result.rows) {
        if (row.key[0].empty()) continue;
        const double calls = result.value(row, "calls");
        const double costed = calls - result.value(row, "uncosted_calls");
        if (calls < static_cast<double>(options.min_samples) || costed <= 0) continue;
        by_group[row.key[0]].push_back(
            {row.key[1], calls, 1 - result.value(row, "errors") / calls, result.value(row, "cost_usd") / costed});
    }
    for (const auto& [group, models] : by_group) {
        for (const ModelStats& current : models) {
            const ModelStats* best = nullptr;
            for (const ModelStats& other : models) {
                if (other.model == current.model) continue;
                if (other.mean_cost > current.mean_cost * (1 - options.min_saving_ratio)) continue;
                if (other.success_rate < current.success_rate - options.max_success_drop) continue;
                if (best == nullptr || other.mean_cost < best->mean_cost) best = &other;
            }
            if (best == nullptr) continue;
            const double saving = (current.mean_cost - best->mean_cost) * current.calls;
            out.push_back(
                {{"kind", "cheaper_model"},
                 {"severity", saving >= 1 ? "high" : "medium"},
                 {"subject", {{grouping, group}, {"model", current.model}}},
                 {"message", "For " + grouping + " \"" + group + "\", " + best->model + " costs " +
                                 dollars(best->mean_cost) + " per call against " + dollars(current.mean_cost) +
                                 " for " + current.model + " with a success rate of " + percent(best->success_rate) +
                                 " (vs " + percent(current.success_rate) + "); switching would have saved about " +
                                 dollars(saving) + " in the window."},
                 {"evidence",
                  {{"current",
                    {{"model", current.model},
                     {"calls", current.calls},
                     {"success_rate", current.success_rate},
                     {"mean_cost_usd", current.mean_cost}}},
                   {"alternative",
                    {{"model", best->model},
                     {"calls", best->calls},
                     {"success_rate", best->success_rate},
                     {"mean_cost_usd", best->mean_cost}}},
                   {"estimated_saving_usd", saving}}}});
        }
    }
}

void tool_findings(Database& db, const RecommendationOptions& options, int64_t now, Json& out) {
    QueryResult result = window_query(db, tool_source(), {"tool"}, options, now);
    Statement durations = db.prepare(
        "SELECT duration_ms FROM tool_calls WHERE tool = ? AND ts_ms >= ? AND ts_ms <= ? ORDER BY duration_ms");
    for (const QueryRow& row : result.rows) {
        const std::string& tool = row.key[0];
        const double calls = result.value(row, "calls");
        if (calls < static_cast<double>(options.min_samples)) continue;
        const double error_rate = result.value(row, "errors") / calls;
        if (error_rate > options.error_rate_threshold) {
            out.push_back({{"kind", "tool_errors"},
                           {"severity", error_rate > 0.5 ? "high" : "medium"},
                           {"subject", {{"tool", tool}}},
                           {"message", "Tool " + tool + " failed " + percent(error_rate) + " of " +
                                           std::to_string(static_cast<int64_t>(calls)) +
                                           " calls; check its inputs or the service behind it."},
                           {"evidence",
                            {{"calls", calls},
                             {"errors", result.value(row, "errors")},
                             {"error_rate", error_rate},
                             {"threshold", options.error_rate_threshold}}}});
        }
        std::vector<double> values;
        durations.bind(1, std::string_view(tool)).bind(2, now - options.window_ms).bind(3, now);
        while (durations.step()) values.push_back(durations.real(0));
        durations.reset();
        const double p50 = quantile(values, 0.5), p95 = quantile(values, 0.95), p99 = quantile(values, 0.99);
        const bool slow = p95 > options.slow_p95_ms;
        const bool long_tail = p50 > 0 && p99 / p50 > options.tail_ratio && p99 > 100;
        if (slow || long_tail) {
            char text[200];
            std::snprintf(text, sizeof text, "Tool %s has p50 %.0f ms, p95 %.0f ms, p99 %.0f ms over %lld calls",
                          tool.c_str(), p50, p95, p99, static_cast<long long>(values.size()));
            out.push_back({{"kind", "tool_latency"},
                           {"severity", slow ? "high" : "medium"},
                           {"subject", {{"tool", tool}}},
                           {"message", std::string(text) + (slow ? "; its slow calls hold up agents."
                                                                 : "; a few calls take far longer "
                                                                   "than the rest.")},
                           {"evidence",
                            {{"calls", values.size()},
                             {"p50_ms", p50},
                             {"p95_ms", p95},
                             {"p99_ms", p99},
                             {"slow_p95_threshold_ms", options.slow_p95_ms},
                             {"tail_ratio_threshold", options.tail_ratio}}}});
        }
    }
}

void cache_findings(Database& db, const RecommendationOptions& options, int64_t now, Json& out) {
    QueryResult result = window_query(db, llm_source(), {"provider", "model"}, options, now);
    for (const QueryRow& row : result.rows) {
        const double input = result.value(row, "total_input_tokens");
        if (input < static_cast<double>(options.min_cache_input_tokens)) continue;
        const double ratio = result.value(row, "cache_read_tokens") / input;
        if (ratio >= options.min_cache_ratio) continue;
        out.push_back({{"kind", "low_cache_hits"},
                       {"severity", "medium"},
                       {"subject", {{"provider", row.key[0]}, {"model", row.key[1]}}},
                       {"message", "Only " + percent(ratio) + " of " + row.key[1] +
                                       "'s input tokens were read from the prompt cache; put stable content (system "
                                       "prompt, tools, documents) first and mark it cacheable."},
                       {"evidence",
                        {{"input_tokens_total", input},
                         {"cache_read_tokens", result.value(row, "cache_read_tokens")},
                         {"cache_creation_tokens", result.value(row, "cache_creation_tokens")},
                         {"cache_hit_ratio", ratio},
                         {"threshold", options.min_cache_ratio}}}});
    }
}

void heavy_spenders(Database& db, const std::string& dimension, const RecommendationOptions& options, int64_t now,
                    Json& out) {
    QueryResult result = window_query(db, llm_source(), {dimension}, options, now);
    std::vector<std::pair<std::string, double>> spend;
    for (const QueryRow& row : result.rows)
        if (!row.key[0].empty()) spend.emplace_back(row.key[0], result.value(row, "cost_usd"));
    if (spend.size() < 3) return;  // no meaningful peer group
    std::vector<double> sorted;
    for (const auto& entry : spend) sorted.push_back(entry.second);
    std::sort(sorted.begin(), sorted.end());
    const double median = quantile(sorted, 0.5);
    if (median <= 0) return;
    for (const auto& [name, cost] : spend) {
        const double multiple = cost / median;
        if (multiple <= options.peer_multiple) continue;
        char text[64];
        std::snprintf(text, sizeof text, "%.1fx", multiple);
        out.push_back({{"kind", "heavy_spender"},
                       {"severity", multiple > 2 * options.peer_multiple ? "high" : "medium"},
                       {"subject", {{dimension, name}}},
                       {"message", dimension + " \"" + name + "\" spent " + dollars(cost) + ", " + text +
                                       " the median of its " + std::to_string(spend.size()) + " peers (" +
                                       dollars(median) + "); check for loops, oversized context or a costly model."},
                       {"evidence",
                        {{"cost_usd", cost},
                         {"peer_median_usd", median},
                         {"multiple", multiple},
                         {"peers", spend.size()},
                         {"threshold_multiple", options.peer_multiple}}}});
    }
}

}  // namespace

double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<size_t>(std::floor(position));
    const size_t upper = std::min(lower + 1, sorted.size() - 1);
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - static_cast<double>(lower));
}

Json recommend(Database& db, const RecommendationOptions& options, int64_t now) {
    Json found = Json::array();
    cheaper_models(db, "role", options, now, found);
    cheaper_models(db, "task", options, now, found);
    tool_findings(db, options, now, found);
    cache_findings(db, options, now, found);
    heavy_spenders(db, "agent", options, now, found);
    heavy_spenders(db, "session", options, now, found);
    return {{"window",
             {{"from", iso8601(now - options.window_ms)}, {"to", iso8601(now)}, {"min_samples", options.min_samples}}},
            {"recommendations", found}};
}

}  // namespace switchboard::metrics
