// cost_test.cpp: cost arithmetic against hand-computed cases.
#include <gtest/gtest.h>

#include "config.hpp"
#include "cost.hpp"

namespace switchboard::metrics {
namespace {

const PriceTable& defaults() {
    static const PriceTable table = load_prices(MetricsConfig{}).table;
    return table;
}

LlmCall call(const std::string& provider, const std::string& model, TokenCounts tokens) {
    LlmCall c;
    c.dim(LlmDim::provider) = provider;
    c.dim(LlmDim::model) = model;
    c.tokens = tokens;
    return c;
}

TEST(Cost, AnthropicCacheTokensAreBilledApartFromInput) {
    // claude-sonnet-4-5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million.
    LlmCall c = call("anthropic", "claude-sonnet-4-5", {1000, 500, 2000, 100, 0, false});
    price_call(c, defaults(), "v");
    ASSERT_TRUE(c.cost_usd.has_value());
    EXPECT_NEAR(*c.cost_usd, 1000 * 3e-6 + 500 * 15e-6 + 2000 * 0.3e-6 + 100 * 3.75e-6, 1e-12);  // 0.011475
    EXPECT_EQ(c.cost_source, CostSource::computed);
    EXPECT_EQ(c.price_key, "claude-sonnet-4-5");
    EXPECT_EQ(c.price_version, "v");
}

TEST(Cost, LongContextTierAppliesToTheWholeCallAbove200kInputTokens) {
    // 150k input + 60k cache read = 210k > 200k: $6 in, $22.50 out, $0.60 cache read per million.
    LlmCall c = call("anthropic", "claude-sonnet-4-5", {150000, 1000, 60000, 0, 0, false});
    price_call(c, defaults(), "v");
    EXPECT_NEAR(*c.cost_usd, 150000 * 6e-6 + 1000 * 22.5e-6 + 60000 * 0.6e-6, 1e-12);  // 0.9585
    const CostBreakdown breakdown = compute_cost(*defaults().find("anthropic", "claude-sonnet-4-5"), c.tokens);
    EXPECT_TRUE(breakdown.long_context);
}

TEST(Cost, ExactlyTheThresholdStaysOnTheBasePrice) {
    LlmCall c = call("anthropic", "claude-sonnet-4-5", {200000, 0, 0, 0, 0, false});
    price_call(c, defaults(), "v");
    EXPECT_NEAR(*c.cost_usd, 200000 * 3e-6, 1e-12);
}

TEST(Cost, OpenAiInputIncludesCachedTokens) {
    // gpt-4o: 10k prompt tokens of which 4k cached: 6k at $2.50, 4k at $1.25, 1k out at $10 per million.
    LlmCall c = call("openai", "gpt-4o", {10000, 1000, 4000, 0, 0, true});
    price_call(c, defaults(), "v");
    EXPECT_NEAR(*c.cost_usd, 6000 * 2.5e-6 + 4000 * 1.25e-6 + 1000 * 10e-6, 1e-12);  // 0.03
}

TEST(Cost, ReasoningTokensUseTheirOwnPriceWhenThereIsOne) {
    ModelPrice price;
    price.input = 1e-6;
    price.output = 10e-6;
    price.reasoning = 20e-6;
    const CostBreakdown cost = compute_cost(price, {100, 1000, 0, 0, 600, true});
    EXPECT_NEAR(cost.total(), 100 * 1e-6 + 400 * 10e-6 + 600 * 20e-6, 1e-12);  // 0.0161
    price.reasoning.reset();
    EXPECT_NEAR(compute_cost(price, {100, 1000, 0, 0, 600, true}).total(), 100 * 1e-6 + 1000 * 10e-6, 1e-12);
}

TEST(Cost, MissingCachePricesFallBackToTheInputPrice) {
    ModelPrice price;
    price.input = 2e-6;
    price.output = 4e-6;
    EXPECT_NEAR(compute_cost(price, {100, 10, 50, 20, 0, false}).total(), (100 + 50 + 20) * 2e-6 + 10 * 4e-6, 1e-15);
}

TEST(Cost, ReportedCostWinsAndThePriceIsStillNamed) {
    LlmCall c = call("anthropic", "claude-sonnet-4-5", {1000, 500, 0, 0, 0, false});
    c.reported_cost_usd = 0.5;
    price_call(c, defaults(), "v");
    EXPECT_DOUBLE_EQ(*c.cost_usd, 0.5);
    EXPECT_EQ(c.cost_source, CostSource::reported);
    EXPECT_EQ(c.price_key, "claude-sonnet-4-5");
}

TEST(Cost, UnknownModelGetsNullCost) {
    LlmCall c = call("acme", "acme-llm-9", {1000, 500, 0, 0, 0, true});
    price_call(c, defaults(), "v");
    EXPECT_FALSE(c.cost_usd.has_value());
    EXPECT_EQ(c.cost_source, CostSource::unknown_model);
    EXPECT_EQ(c.price_key, "");
}

TEST(Cost, ProviderPrefixesAreResolvedBothWays) {
    EXPECT_NE(defaults().find("", "anthropic/claude-haiku-4-5"), nullptr);
    PriceTable prefixed;
    std::vector<std::string> warnings;
    prefixed = PriceTable::parse(nlohmann::json::parse(R"({"gemini/gemini-x": {"input_cost_per_token": 1e-6,
        "output_cost_per_token": 2e-6}})"),
                                 "test", warnings);
    const ModelPrice* found = prefixed.find("gemini", "gemini-x");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->key, "gemini/gemini-x");
}

TEST(Cost, GeminiLongContextUsesItsTier) {
    // gemini-2.5-pro above 200k: $2.50 in, $15 out per million.
    LlmCall c = call("gemini", "gemini-2.5-pro", {250000, 2000, 0, 0, 0, true});
    price_call(c, defaults(), "v");
    EXPECT_NEAR(*c.cost_usd, 250000 * 2.5e-6 + 2000 * 15e-6, 1e-12);
}

}  // namespace
}  // namespace switchboard::metrics
