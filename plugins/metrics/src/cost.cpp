// cost.cpp: cost arithmetic; see cost.hpp for the rules.
#include "cost.hpp"

#include <algorithm>

#include "token_totals.hpp"

namespace switchboard::metrics {

std::string_view cost_source_name(CostSource source) {
    switch (source) {
        case CostSource::reported:
            return "reported";
        case CostSource::computed:
            return "computed";
        case CostSource::unknown_model:
            return "unknown_model";
        case CostSource::no_token_price:
            return "no_token_price";
    }
    return "unknown_model";
}

CostBreakdown compute_cost(const ModelPrice& price, const TokenCounts& tokens) {
    CostBreakdown cost;
    cost.long_context = price.has_long_context_tier() && total_input_tokens(tokens) > kLongContextThreshold;
    auto rate = [&](const std::optional<double>& base, const std::optional<double>& above) {
        return cost.long_context && above ? *above : base.value_or(0);
    };
    const double input_rate = rate(price.input, price.input_above_200k);
    const double output_rate = rate(price.output, price.output_above_200k);
    const double cache_read_rate = cost.long_context && price.cache_read_above_200k
                                       ? *price.cache_read_above_200k
                                       : price.cache_read.value_or(input_rate);
    const double cache_creation_rate = cost.long_context && price.cache_creation_above_200k
                                           ? *price.cache_creation_above_200k
                                           : price.cache_creation.value_or(input_rate);

    cost.input = static_cast<double>(uncached_input_tokens(tokens)) * input_rate;
    cost.cache_read = static_cast<double>(tokens.cache_read) * cache_read_rate;
    cost.cache_creation = static_cast<double>(tokens.cache_creation) * cache_creation_rate;
    if (price.reasoning) {
        const int64_t reasoning = std::min(tokens.reasoning, tokens.output);
        cost.reasoning = static_cast<double>(reasoning) * *price.reasoning;
        cost.output = static_cast<double>(tokens.output - reasoning) * output_rate;
    } else {
        cost.output = static_cast<double>(tokens.output) * output_rate;
    }
    return cost;
}

void price_call(LlmCall& call, const PriceTable& table, const std::string& table_version) {
    const ModelPrice* price = table.find(call.dim(LlmDim::provider), call.dim(LlmDim::model));
    if (price != nullptr) {
        call.price_key = price->key;
        call.price_version = table_version;
    }
    if (call.reported_cost_usd) {
        call.cost_usd = call.reported_cost_usd;
        call.cost_source = CostSource::reported;
        return;
    }
    if (price == nullptr) {
        call.cost_usd.reset();
        call.cost_source = CostSource::unknown_model;
        return;
    }
    if (!price->has_token_prices()) {
        call.cost_usd.reset();
        call.cost_source = CostSource::no_token_price;
        return;
    }
    call.cost_usd = compute_cost(*price, call.tokens).total();
    call.cost_source = CostSource::computed;
}

}  // namespace switchboard::metrics
