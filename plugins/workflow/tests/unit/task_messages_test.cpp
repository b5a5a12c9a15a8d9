// task_messages_test.cpp: the texts the engine writes by hand parse to exactly what building
// them as JSON trees gives, escapes and all.
#include "task_messages.hpp"

#include <gtest/gtest.h>

namespace workflow {
namespace {

Json expected_params(const std::string& tool, const Json& arguments, const std::string& key, const std::string& run_id,
                     const std::string& task_id, int attempt) {
    return {
        {"name", tool},
        {"arguments", arguments},
        {"_meta",
         {{"idempotency_key", key}, {"workflow", {{"run_id", run_id}, {"task_id", task_id}, {"attempt", attempt}}}}}};
}

TEST(TaskMessages, ToolCallParamsParseToTheSameTree) {
    const Json nested = {{"text", "a \"quoted\" line\nwith \\ and \t"},
                         {"list", {1, 2.5, nullptr, true}},
                         {"unicode", "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93"},
                         {"empty", Json::object()}};
    for (const auto& [tool, arguments] : std::vector<std::pair<std::string, Json>>{
             {"noop", Json::object()},
             {"knowledge_search", nested},
             {"odd \"tool\"\\name\n", Json::array({1, 2})},
             {"caf\xc3\xa9", Json()},
         }) {
        const std::string text =
            tool_call_params(tool, arguments, "run_0123456789abcdef/t1/2", "run_0123456789abcdef", "map_task[12]", 2);
        EXPECT_EQ(Json::parse(text), expected_params(tool, arguments, "run_0123456789abcdef/t1/2",
                                                     "run_0123456789abcdef", "map_task[12]", 2))
            << text;
    }
}

TEST(TaskMessages, TaskUpdatePayloadParsesToTheSameTree) {
    for (const double progress : {0.0, 1.0, 1.0 / 3.0, 0.999999, 1e-7}) {
        const std::string text = task_update_payload("run_00ff", "step:compensate", "succeeded", 7, progress);
        const Json parsed = Json::parse(text);
        EXPECT_EQ(parsed, Json({{"run_id", "run_00ff"},
                                {"task", "step:compensate"},
                                {"status", "succeeded"},
                                {"attempt", 7},
                                {"progress", progress}}))
            << text;
        EXPECT_EQ(parsed["progress"].get<double>(), progress) << "the progress must round-trip exactly";
    }
}

}  // namespace
}  // namespace workflow
