// cost.hpp: the US dollar cost of one LLM call from its token counts and a model price.
#pragma once

#include "price_table.hpp"
#include "records.hpp"

namespace switchboard::metrics {

struct CostBreakdown {
    double input = 0;  // uncached input tokens
    double cache_read = 0;
    double cache_creation = 0;
    double output = 0;          // output tokens that are not reasoning tokens (all, without a reasoning price)
    double reasoning = 0;       // reasoning tokens, when the price has their own rate
    bool long_context = false;  // the *_above_200k_tokens prices applied
    double total() const { return input + cache_read + cache_creation + output + reasoning; }
};

// Requires price.has_token_prices(). A missing cache price falls back to the input price and a
// missing long-context price to the base price, as LiteLLM does. Reasoning tokens count inside
// output tokens (as OpenAI, Anthropic and Gemini's totals report them).
CostBreakdown compute_cost(const ModelPrice& price, const TokenCounts& tokens);

// Prices `call` in place: a reported cost wins; otherwise the table's price for its model, or a
// null cost with the reason (unknown model, or an entry without per-token prices).
void price_call(LlmCall& call, const PriceTable& table, const std::string& table_version);

}  // namespace switchboard::metrics
