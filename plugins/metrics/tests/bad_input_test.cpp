// bad_input_test.cpp: bad records get a clear error and nothing already stored is lost.
#include <gtest/gtest.h>

#include <functional>

#include "record_parsing.hpp"
#include "test_support.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

TEST(BadInput, NegativeOrFractionalTokensAreRefusedAndNothingIsLost) {
    testing::Harness h;
    h.spend(1.0);
    const std::string negative = error_of([&] {
        h.service->record_llm_call({{"model", "gpt-4o"}, {"input_tokens", -5}});
    });
    EXPECT_NE(negative.find("input_tokens"), std::string::npos);
    EXPECT_NE(negative.find("zero or more"), std::string::npos);
    EXPECT_NE(error_of([&] { h.service->record_llm_call({{"model", "gpt-4o"}, {"output_tokens", 1.5}}); }), "");
    EXPECT_NE(error_of([&] { h.service->record_llm_call({{"model", "gpt-4o"}, {"cost_usd", -1}}); }), "");
    EXPECT_NE(error_of([&] {
                  h.service->record_llm_call({{"input_tokens", 5}});
              }).find("model is required"),
              std::string::npos);
    EXPECT_NE(error_of([&] { h.service->record_llm_call({{"model", "m"}, {"tags", {"a,b"}}}); }), "");
    EXPECT_NE(error_of([&] { h.service->record_llm_call({{"model", "m"}, {"timestamp", "yesterday"}}); }), "");
    const Json summary = h.service->summary({});
    EXPECT_EQ(summary["llm"]["calls"].get<int64_t>(), 1);
    EXPECT_DOUBLE_EQ(summary["llm"]["cost_usd"].get<double>(), 1.0);
}

TEST(BadInput, UnknownModelIsRecordedWithNullCostAndANote) {
    testing::Harness h;
    const Json result = h.service->record_llm_call({{"provider", "acme"}, {"model", "acme-9"}, {"input_tokens", 10}});
    EXPECT_TRUE(result["cost_usd"].is_null());
    EXPECT_EQ(result["cost_source"], "unknown_model");
    EXPECT_NE(result["note"].get<std::string>().find("acme-9"), std::string::npos);
    const Json summary = h.service->summary({});
    EXPECT_EQ(summary["llm"]["calls"].get<int64_t>(), 1);
    EXPECT_EQ(summary["llm"]["uncosted_calls"].get<int64_t>(), 1);
}

TEST(BadInput, BadBusEventsAreDroppedWithAReason) {
    testing::Harness h;
    EXPECT_TRUE(h.service
                    ->on_llm_call_completed({{"gen_ai.request.model", "gpt-4o"},
                                             {"gen_ai.usage.input_tokens", 100},
                                             {"gen_ai.provider.name", "openai"}})
                    .has_value() == false);
    const auto problem = h.service->on_llm_call_completed({{"model", "gpt-4o"}, {"input_tokens", "many"}});
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("input_tokens"), std::string::npos);
    h.service->on_tool_called({{"tool", 5}, {"duration_ms", "slow"}});  // wrong types: defaults, never throws
    h.service->flush();
    const Json summary = h.service->summary({});
    EXPECT_EQ(summary["llm"]["calls"].get<int64_t>(), 1);
    EXPECT_NEAR(summary["llm"]["cost_usd"].get<double>(), 100 * 2.5e-6, 1e-12);
    EXPECT_EQ(summary["tools"]["calls"].get<int64_t>(), 1);
}

TEST(BadInput, QueryArgumentsSayWhatIsAccepted) {
    testing::Harness h;
    const std::string dimension = error_of([&] { h.service->breakdown({{"group_by", {"colour"}}}); });
    EXPECT_NE(dimension.find("accepted: provider, model"), std::string::npos) << dimension;
    EXPECT_NE(error_of([&] {
                  h.service->timeseries({{"bucket", "year"}});
              }).find("hour, day, week or month"),
              std::string::npos);
    EXPECT_NE(error_of([&] { h.service->breakdown({{"source", "disk"}}); }), "");
    EXPECT_NE(error_of([&] { h.service->breakdown({{"from", "soon"}}); }).find("ISO 8601"), std::string::npos);
    EXPECT_NE(error_of([&] { h.service->breakdown({{"source", "tools"}, {"tag", "x"}}); }), "");
}

}  // namespace
}  // namespace switchboard::metrics
