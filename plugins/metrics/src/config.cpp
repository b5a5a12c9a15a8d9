// config.cpp: see config.hpp.
#include "config.hpp"

#include <set>
#include <stdexcept>

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

constexpr const char* kAccepted =
    "prices_file, price_overrides, record_tool_calls, flush_interval_ms, flush_batch, burn_window_hours, "
    "recommendations";

int64_t integer_in(const Json& config, const char* key, int64_t fallback, int64_t low, int64_t high) {
    auto found = config.find(key);
    if (found == config.end()) return fallback;
    if (!found->is_number_integer() || found->get<int64_t>() < low || found->get<int64_t>() > high)
        throw std::invalid_argument(std::string("metrics config: ") + key + " must be an integer from " +
                                    std::to_string(low) + " to " + std::to_string(high) + ", got " + found->dump());
    return found->get<int64_t>();
}

double number_in(const Json& config, const char* key, double fallback, double low, double high) {
    auto found = config.find(key);
    if (found == config.end()) return fallback;
    if (!found->is_number() || found->get<double>() < low || found->get<double>() > high)
        throw std::invalid_argument(std::string("metrics config: recommendations.") + key + " must be a number from " +
                                    std::to_string(low) + " to " + std::to_string(high) + ", got " + found->dump());
    return found->get<double>();
}

RecommendationOptions parse_recommendations(const Json& json) {
    static const std::set<std::string> keys = {
        "window_hours", "min_samples", "max_success_drop", "min_saving_ratio",       "error_rate_threshold",
        "slow_p95_ms",  "tail_ratio",  "min_cache_ratio",  "min_cache_input_tokens", "peer_multiple"};
    if (!json.is_object()) throw std::invalid_argument("metrics config: recommendations must be an object");
    for (const auto& [key, value] : json.items())
        if (keys.count(key) == 0)
            throw std::invalid_argument("metrics config: unknown key recommendations." + key +
                                        "; accepted: window_hours, min_samples, max_success_drop, min_saving_ratio, "
                                        "error_rate_threshold, slow_p95_ms, tail_ratio, min_cache_ratio, "
                                        "min_cache_input_tokens, peer_multiple");
    RecommendationOptions options;
    options.window_ms = integer_in(json, "window_hours", 24 * 7, 1, 24 * 366) * 3600 * 1000;
    options.min_samples = integer_in(json, "min_samples", options.min_samples, 1, 1000000);
    options.max_success_drop = number_in(json, "max_success_drop", options.max_success_drop, 0, 1);
    options.min_saving_ratio = number_in(json, "min_saving_ratio", options.min_saving_ratio, 0, 1);
    options.error_rate_threshold = number_in(json, "error_rate_threshold", options.error_rate_threshold, 0, 1);
    options.slow_p95_ms = number_in(json, "slow_p95_ms", options.slow_p95_ms, 0, 1e9);
    options.tail_ratio = number_in(json, "tail_ratio", options.tail_ratio, 1, 1e6);
    options.min_cache_ratio = number_in(json, "min_cache_ratio", options.min_cache_ratio, 0, 1);
    options.min_cache_input_tokens =
        integer_in(json, "min_cache_input_tokens", options.min_cache_input_tokens, 0, int64_t{1} << 50);
    options.peer_multiple = number_in(json, "peer_multiple", options.peer_multiple, 1, 1e6);
    return options;
}

}  // namespace

MetricsConfig parse_config(const Json& config) {
    static const std::set<std::string> keys = {"prices_file",       "price_overrides", "record_tool_calls",
                                               "flush_interval_ms", "flush_batch",     "burn_window_hours",
                                               "recommendations"};
    if (!config.is_object()) throw std::invalid_argument("metrics config must be an object");
    for (const auto& [key, value] : config.items())
        if (keys.count(key) == 0)
            throw std::invalid_argument("metrics config: unknown key \"" + key + "\"; accepted: " + kAccepted);
    MetricsConfig result;
    if (auto found = config.find("prices_file"); found != config.end()) {
        if (!found->is_string() || found->get<std::string>().empty())
            throw std::invalid_argument(
                "metrics config: prices_file must be the path of a LiteLLM "
                "model_prices_and_context_window.json file");
        result.prices_file = found->get<std::string>();
    }
    if (auto found = config.find("price_overrides"); found != config.end()) {
        if (!found->is_object())
            throw std::invalid_argument(
                "metrics config: price_overrides must be an object of model name -> "
                "LiteLLM price entry, e.g. {\"my-model\": {\"input_cost_per_token\": 1e-6, "
                "\"output_cost_per_token\": 2e-6}}");
        result.price_overrides = *found;
    }
    if (auto found = config.find("record_tool_calls"); found != config.end()) {
        if (!found->is_boolean())
            throw std::invalid_argument("metrics config: record_tool_calls must be true or false");
        result.record_tool_calls = found->get<bool>();
    }
    result.flush_interval_ms = integer_in(config, "flush_interval_ms", result.flush_interval_ms, 10, 60000);
    result.flush_batch = integer_in(config, "flush_batch", result.flush_batch, 1, 1000000);
    result.burn_window_hours = integer_in(config, "burn_window_hours", result.burn_window_hours, 1, 24 * 366);
    if (auto found = config.find("recommendations"); found != config.end())
        result.recommendations = parse_recommendations(*found);
    return result;
}

LoadedPrices load_prices(const MetricsConfig& config) {
    LoadedPrices loaded;
    loaded.table = PriceTable::parse(Json::parse(default_prices_json()), "default price table", loaded.warnings);
    loaded.sources.push_back("default (" + std::string(default_prices_date()) + ")");
    if (!config.prices_file.empty()) {
        loaded.table.merge(PriceTable::load_file(config.prices_file, loaded.warnings));
        loaded.sources.push_back("prices_file " + config.prices_file);
    }
    if (!config.price_overrides.empty()) {
        loaded.table.merge(PriceTable::parse(config.price_overrides, "price_overrides", loaded.warnings));
        loaded.sources.push_back("price_overrides");
    }
    return loaded;
}

}  // namespace switchboard::metrics
