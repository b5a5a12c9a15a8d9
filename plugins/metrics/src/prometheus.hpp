// prometheus.hpp: the Prometheus text exposition (format 0.0.4) of the recorded metrics.
//
// Histograms follow the OpenTelemetry semantic conventions: gen_ai.client.token.usage and
// gen_ai.client.operation.duration (GenAI) and mcp.server.operation.duration (MCP), with their
// advised bucket boundaries. The state is kept in memory, loaded once from the database at start
// and updated after every flush, so a scrape costs no query over the records.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "budgets.hpp"
#include "records.hpp"
#include "sqlite.hpp"

namespace switchboard::metrics {

class Histogram {
 public:
    explicit Histogram(const std::vector<double>* bounds) : bounds_(bounds), counts_(bounds->size() + 1, 0) {}
    void observe(double value);
    const std::vector<double>& bounds() const { return *bounds_; }
    const std::vector<uint64_t>& counts() const { return counts_; }  // per bucket, not cumulative
    double sum() const { return sum_; }
    uint64_t count() const { return count_; }

 private:
    const std::vector<double>* bounds_;
    std::vector<uint64_t> counts_;
    double sum_ = 0;
    uint64_t count_ = 0;
};

const std::vector<double>& token_usage_buckets();         // gen_ai.client.token.usage
const std::vector<double>& operation_duration_buckets();  // gen_ai.client.operation.duration, s
const std::vector<double>& mcp_duration_buckets();        // mcp.server.operation.duration, s

class PrometheusState {
 public:
    void observe(const LlmCall& call);
    void observe(const ToolCall& call);
    // Replays every stored record; call once at start.
    void load(Database& db);
    std::string render(const std::vector<BudgetStatus>& budgets) const;

 private:
    using Labels = std::vector<std::pair<std::string, std::string>>;

    // Where one LLM record lands, found once per distinct set of label values (map nodes are
    // stable): observing a record then costs a hash lookup, not a map search by label vectors.
    struct LlmSeries {
        Histogram* input_tokens = nullptr;
        Histogram* output_tokens = nullptr;
        Histogram* duration = nullptr;  // made by the first record with a latency
        Labels duration_labels;
        double* cost_usd = nullptr;
        double* calls = nullptr;
    };
    LlmSeries& llm_series(const LlmCall& call);  // caller holds mutex_

    mutable std::mutex mutex_;
    std::map<Labels, Histogram> token_usage_;                  // guarded by mutex_
    std::map<Labels, Histogram> operation_duration_;           // guarded by mutex_
    std::map<Labels, Histogram> tool_duration_;                // guarded by mutex_
    std::map<Labels, double> cost_usd_;                        // guarded by mutex_
    std::map<Labels, double> llm_calls_;                       // guarded by mutex_
    std::unordered_map<std::string, LlmSeries> llm_series_;    // guarded by mutex_
    std::unordered_map<std::string, Histogram*> tool_series_;  // guarded by mutex_
    std::string key_;                                          // guarded by mutex_; reused
};

// Label values escaped as the exposition format requires (\\, \", \n).
std::string escape_label_value(std::string_view value);

}  // namespace switchboard::metrics
