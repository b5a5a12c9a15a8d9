// price_table.cpp: parsing, validating, merging and looking up LiteLLM-format prices.
#include "price_table.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

struct PriceKey {
    const char* name;
    std::optional<double> ModelPrice::*field;
};

constexpr PriceKey kPriceKeys[] = {
    {"input_cost_per_token", &ModelPrice::input},
    {"output_cost_per_token", &ModelPrice::output},
    {"cache_read_input_token_cost", &ModelPrice::cache_read},
    {"cache_creation_input_token_cost", &ModelPrice::cache_creation},
    {"output_cost_per_reasoning_token", &ModelPrice::reasoning},
    {"input_cost_per_token_above_200k_tokens", &ModelPrice::input_above_200k},
    {"output_cost_per_token_above_200k_tokens", &ModelPrice::output_above_200k},
    {"cache_read_input_token_cost_above_200k_tokens", &ModelPrice::cache_read_above_200k},
    {"cache_creation_input_token_cost_above_200k_tokens", &ModelPrice::cache_creation_above_200k},
};

ModelPrice parse_entry(const std::string& key, const Json& entry, const std::string& source,
                       std::vector<std::string>& warnings) {
    ModelPrice price;
    price.key = key;
    if (auto found = entry.find("litellm_provider"); found != entry.end() && found->is_string())
        price.provider = found->get<std::string>();
    if (auto found = entry.find("mode"); found != entry.end() && found->is_string())
        price.mode = found->get<std::string>();
    for (const PriceKey& price_key : kPriceKeys) {
        auto found = entry.find(price_key.name);
        if (found == entry.end() || found->is_null()) continue;
        const std::string where = source + ": model \"" + key + "\", key \"" + price_key.name + "\"";
        if (!found->is_number())
            throw PriceTableError(where + ": expected a number of US dollars per token, got " + found->dump());
        const double value = found->get<double>();
        if (!std::isfinite(value) || value < 0)
            throw PriceTableError(where + ": a price must be zero or more US dollars per token, got " + found->dump());
        if (value > kImplausiblePerToken) {
            warnings.push_back(where + ": " + found->dump() +
                               " US dollars per token is implausibly high (is it a per-1k or per-1M price?)");
        }
        price.*(price_key.field) = value;
    }
    return price;
}

uint64_t fnv1a(std::string_view text) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

}  // namespace

Json ModelPrice::to_json() const {
    Json entry = Json::object();
    if (!provider.empty()) entry["litellm_provider"] = provider;
    if (!mode.empty()) entry["mode"] = mode;
    for (const PriceKey& price_key : kPriceKeys) {
        if (const auto& value = this->*(price_key.field)) entry[price_key.name] = *value;
    }
    return entry;
}

PriceTable PriceTable::parse(const Json& table, const std::string& source, std::vector<std::string>& warnings) {
    if (!table.is_object())
        throw PriceTableError(source + ": expected a JSON object of model name -> prices (LiteLLM format), got " +
                              std::string(table.type_name()));
    PriceTable result;
    for (const auto& [key, entry] : table.items()) {
        if (key == "sample_spec") continue;  // LiteLLM's documentation entry
        if (!entry.is_object())
            throw PriceTableError(source + ": model \"" + key + "\": expected an object of prices, got " +
                                  std::string(entry.type_name()));
        result.prices_.insert_or_assign(key, parse_entry(key, entry, source, warnings));
    }
    return result;
}

PriceTable PriceTable::load_file(const std::string& path, std::vector<std::string>& warnings) {
    std::ifstream in(path);
    if (!in) throw PriceTableError("prices_file " + path + ": cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    Json table;
    try {
        table = Json::parse(text.str());
    } catch (const Json::parse_error& e) {
        throw PriceTableError("prices_file " + path + ": not valid JSON: " + e.what());
    }
    return parse(table, "prices_file " + path, warnings);
}

void PriceTable::merge(const PriceTable& layer) {
    for (const auto& [key, price] : layer.prices_) prices_.insert_or_assign(key, price);
}

const ModelPrice* PriceTable::find(std::string_view provider, std::string_view model) const {
    if (model.empty()) return nullptr;
    if (auto found = prices_.find(model); found != prices_.end()) return &found->second;
    if (!provider.empty()) {
        const std::string prefixed = std::string(provider) + "/" + std::string(model);
        if (auto found = prices_.find(prefixed); found != prices_.end()) return &found->second;
    }
    if (auto slash = model.rfind('/'); slash != std::string_view::npos) {
        if (auto found = prices_.find(model.substr(slash + 1)); found != prices_.end()) return &found->second;
    }
    return nullptr;
}

Json PriceTable::to_json() const {
    Json table = Json::object();
    for (const auto& [key, price] : prices_) table[key] = price.to_json();
    return table;
}

std::string PriceTable::version() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a(to_json().dump())));
    return std::string(text, 12);
}

}  // namespace switchboard::metrics
