// token_totals.hpp: the token totals derived from a call's raw categories.
//
// OpenTelemetry's gen_ai.usage.input_tokens counts cached tokens inside the input total; Anthropic
// reports input_tokens without them. Prices apply to the uncached part only.
#pragma once

#include <algorithm>
#include <cstdint>

#include "records.hpp"

namespace switchboard::metrics {

// All input tokens, cached or not: the OpenTelemetry input total.
inline int64_t total_input_tokens(const TokenCounts& t) {
    return t.input_includes_cache ? t.input : t.input + t.cache_read + t.cache_creation;
}

// Input tokens neither read from nor written to a cache: billed at the plain input price.
inline int64_t uncached_input_tokens(const TokenCounts& t) {
    return t.input_includes_cache ? std::max<int64_t>(0, t.input - t.cache_read - t.cache_creation) : t.input;
}

}  // namespace switchboard::metrics
