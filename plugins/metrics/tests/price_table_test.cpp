// price_table_test.cpp: loading and validating LiteLLM-format price tables.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config.hpp"
#include "price_table.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

std::string error_of(const Json& table) {
    std::vector<std::string> warnings;
    try {
        PriceTable::parse(table, "test", warnings);
    } catch (const PriceTableError& e) {
        return e.what();
    }
    return "";
}

TEST(PriceTable, ShippedDefaultLoadsCleanly) {
    const LoadedPrices loaded = load_prices(MetricsConfig{});
    EXPECT_TRUE(loaded.warnings.empty());
    EXPECT_GE(loaded.table.size(), 20u);
    for (const char* model : {"claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "gpt-5", "gpt-4o",
                              "gpt-4.1-mini", "o3", "gemini-2.5-pro", "gemini-2.5-flash"}) {
        const ModelPrice* price = loaded.table.find("", model);
        ASSERT_NE(price, nullptr) << model;
        EXPECT_TRUE(price->has_token_prices()) << model;
    }
    EXPECT_EQ(loaded.table.version().size(), 12u);
}

TEST(PriceTable, NegativePriceIsRefusedNamingModelAndKey) {
    const std::string error = error_of({{"m1", {{"input_cost_per_token", -1e-6}, {"output_cost_per_token", 1e-6}}}});
    EXPECT_NE(error.find("\"m1\""), std::string::npos) << error;
    EXPECT_NE(error.find("input_cost_per_token"), std::string::npos) << error;
    EXPECT_NE(error.find("zero or more"), std::string::npos) << error;
}

TEST(PriceTable, NonNumericPriceIsRefused) {
    const std::string error = error_of({{"m2", {{"output_cost_per_token", "cheap"}}}});
    EXPECT_NE(error.find("m2"), std::string::npos);
    EXPECT_NE(error.find("expected a number"), std::string::npos);
    EXPECT_NE(error_of(Json::array()).find("expected a JSON object"), std::string::npos);
    EXPECT_NE(error_of({{"m3", 5}}).find("m3"), std::string::npos);
}

TEST(PriceTable, ImplausiblePriceIsKeptWithAWarning) {
    std::vector<std::string> warnings;
    PriceTable table =
        PriceTable::parse({{"m", {{"input_cost_per_token", 3.0}, {"output_cost_per_token", 15e-6}}}}, "test", warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("implausibly high"), std::string::npos);
    EXPECT_NE(table.find("", "m"), nullptr);
}

TEST(PriceTable, SampleSpecIsSkippedAndOverridesReplaceWholeEntries) {
    MetricsConfig config;
    config.price_overrides = {{"claude-sonnet-4-5", {{"input_cost_per_token", 1e-6}, {"output_cost_per_token", 2e-6}}},
                              {"sample_spec", {{"input_cost_per_token", 0}}}};
    const LoadedPrices loaded = load_prices(config);
    const ModelPrice* price = loaded.table.find("", "claude-sonnet-4-5");
    ASSERT_NE(price, nullptr);
    EXPECT_DOUBLE_EQ(*price->input, 1e-6);
    EXPECT_FALSE(price->cache_read.has_value());
    EXPECT_EQ(loaded.table.find("", "sample_spec"), nullptr);
    EXPECT_NE(loaded.table.version(), load_prices(MetricsConfig{}).table.version());
}

TEST(PriceTable, MalformedOrMissingFileIsAClearError) {
    const std::string path = ::testing::TempDir() + "metrics_bad_prices.json";
    std::ofstream(path) << "{\"m\": {\"input_cost_per_token\": 1e-6,";
    MetricsConfig config;
    config.prices_file = path;
    try {
        load_prices(config);
        FAIL() << "a malformed file loaded";
    } catch (const PriceTableError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
    }
    config.prices_file = path + ".missing";
    EXPECT_THROW(load_prices(config), PriceTableError);
    std::remove(path.c_str());
}

TEST(PriceTable, NewerFileIsLayeredOverTheDefault) {
    const std::string path = ::testing::TempDir() + "metrics_new_prices.json";
    std::ofstream(path) << R"({"sample_spec": {"input_cost_per_token": 0},
        "new-model": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6,
                      "output_cost_per_token": 2e-6, "max_input_tokens": 1000}})";
    MetricsConfig config;
    config.prices_file = path;
    const LoadedPrices loaded = load_prices(config);
    EXPECT_NE(loaded.table.find("openai", "new-model"), nullptr);
    EXPECT_NE(loaded.table.find("anthropic", "claude-sonnet-4-5"), nullptr);
    EXPECT_EQ(loaded.sources.size(), 2u);
    std::remove(path.c_str());
}

TEST(Config, UnknownKeysAndBadValuesAreRefused) {
    EXPECT_THROW(parse_config({{"price_file", "x"}}), std::invalid_argument);
    EXPECT_THROW(parse_config({{"flush_interval_ms", 0}}), std::invalid_argument);
    EXPECT_THROW(parse_config({{"recommendations", {{"min_sample", 3}}}}), std::invalid_argument);
    const MetricsConfig config = parse_config({{"flush_interval_ms", 250}, {"recommendations", {{"min_samples", 3}}}});
    EXPECT_EQ(config.flush_interval_ms, 250);
    EXPECT_EQ(config.recommendations.min_samples, 3);
}

}  // namespace
}  // namespace switchboard::metrics
