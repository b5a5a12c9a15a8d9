// price_table.hpp: model prices in LiteLLM's model_prices_and_context_window.json format.
//
// A table is built from the shipped default, then an optional newer file, then single-model
// overrides; each later layer replaces whole entries. Loading validates every price: a negative
// or non-numeric one is refused (PriceTableError naming the model and key), an implausible one
// (above kImplausiblePerToken) is kept with a warning.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::metrics {

// $ per token above which a price is most likely a unit mistake (per 1k or per 1M tokens).
// The dearest list price known when this was written is $0.0006 per output token.
inline constexpr double kImplausiblePerToken = 0.001;
// Prompts with more input tokens than this use the *_above_200k_tokens prices where present.
inline constexpr long kLongContextThreshold = 200000;

class PriceTableError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct ModelPrice {
    std::string key;                       // the table key, e.g. "claude-sonnet-4-5" or "gemini/gemini-2.5-pro"
    std::string provider;                  // litellm_provider
    std::string mode;                      // "chat", "embedding", ...
    std::optional<double> input;           // input_cost_per_token
    std::optional<double> output;          // output_cost_per_token
    std::optional<double> cache_read;      // cache_read_input_token_cost
    std::optional<double> cache_creation;  // cache_creation_input_token_cost
    std::optional<double> reasoning;       // output_cost_per_reasoning_token
    std::optional<double> input_above_200k;
    std::optional<double> output_above_200k;
    std::optional<double> cache_read_above_200k;
    std::optional<double> cache_creation_above_200k;

    bool has_token_prices() const { return input.has_value() && output.has_value(); }
    bool has_long_context_tier() const {
        return input_above_200k || output_above_200k || cache_read_above_200k || cache_creation_above_200k;
    }
    nlohmann::json to_json() const;  // back in LiteLLM's keys
};

class PriceTable {
 public:
    // Parses one LiteLLM-format object. `source` names it in errors ("prices_file /x.json").
    // Appends warnings for implausible prices. Throws PriceTableError.
    static PriceTable parse(const nlohmann::json& table, const std::string& source, std::vector<std::string>& warnings);
    // Reads and parses a file; a missing file or invalid JSON is a PriceTableError too.
    static PriceTable load_file(const std::string& path, std::vector<std::string>& warnings);

    // Entries of `layer` replace entries with the same key.
    void merge(const PriceTable& layer);

    // The entry for a call: the model as given, then "<provider>/<model>", then the model
    // without a "<provider>/" prefix. Null when none matches.
    const ModelPrice* find(std::string_view provider, std::string_view model) const;

    // A short hash of the effective prices: records name it so a cost can be traced to its price.
    std::string version() const;
    size_t size() const { return prices_.size(); }
    const std::map<std::string, ModelPrice, std::less<>>& entries() const { return prices_; }
    nlohmann::json to_json() const;

 private:
    std::map<std::string, ModelPrice, std::less<>> prices_;
};

// The table shipped with the plugin (prices/default_prices.json, embedded at build time).
std::string_view default_prices_json();
// The date the shipped table's prices were checked (its "sample_spec"-free header entry).
std::string_view default_prices_date();

}  // namespace switchboard::metrics
