// recommendations.hpp: what to change, each with the numbers that support it.
//
//   cheaper_model   a model at least 20% cheaper per call with a success rate no more than
//                   2 points lower, for the same role or task kind
//   tool_errors     a tool failing more often than the error-rate threshold
//   tool_latency    a tool whose p95 is slow, or whose p99 is far above its median
//   low_cache_hits  a model whose input is rarely served from the prompt cache
//   heavy_spender   an agent or session spending more than 3x the median of its peers
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

#include "sqlite.hpp"

namespace switchboard::metrics {

struct RecommendationOptions {
    int64_t window_ms = 7 * 24 * 3600 * 1000LL;
    int64_t min_samples = 20;           // calls a group needs before it is judged
    double max_success_drop = 0.02;     // cheaper_model: allowed drop in success rate
    double min_saving_ratio = 0.2;      // cheaper_model: at least this much cheaper per call
    double error_rate_threshold = 0.1;  // tool_errors
    double slow_p95_ms = 2000;          // tool_latency
    double tail_ratio = 10;             // tool_latency: p99 / p50
    double min_cache_ratio = 0.1;       // low_cache_hits: cache_read / input
    int64_t min_cache_input_tokens = 100000;
    double peer_multiple = 3;  // heavy_spender
};

// {"window": {...}, "recommendations": [{"kind", "severity", "subject", "message", "evidence"}]}
nlohmann::json recommend(Database& db, const RecommendationOptions& options, int64_t now_ms);

// The q-quantile (0..1) of sorted values by linear interpolation; 0 for none.
double quantile(const std::vector<double>& sorted, double q);

}  // namespace switchboard::metrics
