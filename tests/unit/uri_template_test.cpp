// uri_template_test.cpp: matching URIs against RFC 6570 level-1 templates (switchboard/uri_template.hpp).
#include "switchboard/uri_template.hpp"

#include <gtest/gtest.h>

namespace switchboard {
namespace {

TEST(UriTemplate, LiteralTemplateMatchesOnlyItself) {
    const auto matched = match_uri_template("test://static-text", "test://static-text");
    ASSERT_TRUE(matched);
    EXPECT_TRUE(matched->empty());
    EXPECT_FALSE(match_uri_template("test://static-text", "test://static-tex"));
    EXPECT_FALSE(match_uri_template("test://static-text", "test://static-text2"));
    EXPECT_FALSE(match_uri_template("test://static-text", ""));
}

TEST(UriTemplate, OneVariableInTheMiddle) {
    const auto matched = match_uri_template("test://template/{id}/data", "test://template/42/data");
    ASSERT_TRUE(matched);
    EXPECT_EQ(*matched, (UriVariables{{"id", "42"}}));
    EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template/42/date"));
    EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template/42/data/more"));
    EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://other/42/data"));
}

TEST(UriTemplate, VariableAtTheEnd) {
    const auto matched = match_uri_template("workflow://runs/{run}", "workflow://runs/r-17_x.y");
    ASSERT_TRUE(matched);
    EXPECT_EQ(matched->at("run"), "r-17_x.y");
}

TEST(UriTemplate, VariablesNeverSpanASlashOrMatchNothing) {
    EXPECT_FALSE(match_uri_template("workflow://runs/{run}", "workflow://runs/a/b"));
    EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template/a/b/data"));
    EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template//data"));
    EXPECT_FALSE(match_uri_template("workflow://runs/{run}", "workflow://runs/"));
}

TEST(UriTemplate, SeveralVariablesSeparatedByLiterals) {
    const auto matched = match_uri_template("kg://{graph}/entities/{name}.{format}", "kg://main/entities/alice.json");
    ASSERT_TRUE(matched);
    EXPECT_EQ(*matched, (UriVariables{{"graph", "main"}, {"name", "alice"}, {"format", "json"}}));
    EXPECT_FALSE(match_uri_template("kg://{graph}/entities/{name}.{format}", "kg://main/entities/alice"));
}

TEST(UriTemplate, VariableStopsAtTheNextLiteralCharacter) {
    const auto matched = match_uri_template("file:///{dir}-{file}", "file:///logs-today");
    ASSERT_TRUE(matched);
    EXPECT_EQ(matched->at("dir"), "logs");
    EXPECT_EQ(matched->at("file"), "today");
}

TEST(UriTemplate, MalformedTemplateMatchesNothing) {
    EXPECT_FALSE(match_uri_template("test://{id", "test://{id"));
    EXPECT_FALSE(match_uri_template("test://{id", "test://42"));
}

}  // namespace
}  // namespace switchboard
