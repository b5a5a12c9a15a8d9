// config.hpp: the plugin's settings (plugins.metrics.config in the host config) and the price
// table they select.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "price_table.hpp"
#include "recommendations.hpp"

namespace switchboard::metrics {

struct MetricsConfig {
    std::string prices_file;                                    // a newer LiteLLM table, layered over the default
    nlohmann::json price_overrides = nlohmann::json::object();  // model -> LiteLLM entry, layered last
    bool record_tool_calls = true;                              // subscribe to host.tool.called
    int64_t flush_interval_ms = 1000;                           // how often queued records are written
    int64_t flush_batch = 5000;                                 // queue length that triggers a flush at once
    int64_t burn_window_hours = 24;                             // the default window of metrics_forecast
    RecommendationOptions recommendations;
};

// Throws std::invalid_argument naming the key and what it accepts; unknown keys are refused.
MetricsConfig parse_config(const nlohmann::json& config);

struct LoadedPrices {
    PriceTable table;
    std::vector<std::string> sources;   // "default (2025-11-24)", "prices_file /x.json", "price_overrides"
    std::vector<std::string> warnings;  // implausible prices
};

// The default table, then prices_file, then price_overrides. Throws PriceTableError.
LoadedPrices load_prices(const MetricsConfig& config);

}  // namespace switchboard::metrics
