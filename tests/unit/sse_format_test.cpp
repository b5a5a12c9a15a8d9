// sse_format_test.cpp: the SDK's SSE framing (switchboard::format_sse_event in sdk.hpp), which
// plugin streams such as the workflow run events use.
#include "switchboard/sdk.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace switchboard {
namespace {

TEST(SseFormat, IdEventAndDataEndWithABlankLine) {
    EXPECT_EQ(format_sse_event("7", "task.succeeded", R"({"seq":7})"),
              "id: 7\nevent: task.succeeded\ndata: {\"seq\":7}\n\n");
}

TEST(SseFormat, EmptyIdAndEventAreLeftOut) {
    EXPECT_EQ(format_sse_event("", "", "x"), "data: x\n\n");
    EXPECT_EQ(format_sse_event("", "", ""), "data: \n\n");
}

TEST(SseFormat, EachLineOfDataIsItsOwnDataField) {
    EXPECT_EQ(format_sse_event("1", "", "a\nb\r\nc\rd"), "id: 1\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    EXPECT_EQ(format_sse_event("", "", "end\n"), "data: end\ndata: \n\n");
}

TEST(SseFormat, LineBreaksInIdOrEventAreRefused) {
    EXPECT_THROW(format_sse_event("1\n2", "", "x"), std::invalid_argument);
    EXPECT_THROW(format_sse_event("1", "a\rb", "x"), std::invalid_argument);
}

}  // namespace
}  // namespace switchboard
