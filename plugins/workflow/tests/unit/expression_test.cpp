// expression_test.cpp: the expression language and `{{ }}` templates.
#include "expression.hpp"
#include "template.hpp"

#include <gtest/gtest.h>

namespace workflow {
namespace {

const Json kContext = {
    {"input", {{"count", 3}, {"name", "ada"}, {"tags", {"a", "b"}}, {"flag", true}}},
    {"tasks", {{"fetch", {{"status", "succeeded"}, {"output", {{"items", {10, 20, 30}}, {"total", 2.5}}}}}}}};

Json eval(const std::string& text) { return Expression::parse(text).evaluate(kContext); }

TEST(Expression, PathsAndIndexes) {
    EXPECT_EQ(eval("input.count"), 3);
    EXPECT_EQ(eval("tasks.fetch.output.items[1]"), 20);
    EXPECT_EQ(eval("input['name']"), "ada");
    EXPECT_TRUE(eval("input.missing.deeper").is_null());
    EXPECT_TRUE(eval("tasks.fetch.output.items[7]").is_null());
}

TEST(Expression, ComparisonsAndLogic) {
    EXPECT_EQ(eval("input.count > 2 && input.name == 'ada'"), true);
    EXPECT_EQ(eval("input.count >= 4 || !input.flag"), false);
    EXPECT_EQ(eval("tasks.fetch.status != \"failed\""), true);
    EXPECT_EQ(eval("3 == 3.0"), true);
    EXPECT_EQ(eval("'b' < 'c'"), true);
    EXPECT_EQ(eval("(1 + 2) - 4"), -1);
    EXPECT_EQ(eval("'a' + 'b'"), "ab");
    EXPECT_EQ(eval("-input.count"), -3);
}

TEST(Expression, ShortCircuitSkipsErrors) {
    // The right side would fail (comparing a string with a number) but is never evaluated.
    EXPECT_EQ(eval("false && input.name > 1"), false);
    EXPECT_THROW(eval("input.name > 1"), ExpressionError);
}

TEST(Expression, Functions) {
    EXPECT_EQ(eval("len(tasks.fetch.output.items)"), 3);
    EXPECT_EQ(eval("len(input.name)"), 3);
    EXPECT_EQ(eval("contains(input.tags, 'b')"), true);
    EXPECT_EQ(eval("contains(input.name, 'd')"), true);
    EXPECT_EQ(eval("default(input.nothing, 7)"), 7);
    EXPECT_THROW(eval("len(1, 2)"), ExpressionError);
}

TEST(Expression, ParseErrorsSayWhere) {
    auto message = [](const std::string& text) {
        try {
            Expression::parse(text);
        } catch (const ExpressionError& e) {
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    EXPECT_EQ(message("input.count >"), "expected a value at the end");
    EXPECT_EQ(message("input..x"), "expected a name after '.' at column 7");
    EXPECT_EQ(message("input.a # 1"), "unexpected character '#' at column 9");
    EXPECT_EQ(message("'open"), "unterminated string starting at column 1");
    EXPECT_EQ(message("eval('x')"), "unknown function 'eval'; accepted: len, contains, default");
    EXPECT_EQ(message("(1 + 2"), "expected ')' at the end");
    EXPECT_EQ(message("1 2"), "unexpected '2' at column 3");
}

TEST(Expression, ReportsTaskReferencesAndRoots) {
    const Expression expression = Expression::parse("tasks.a.output.x > 1 && len(tasks.b.output) == input.n");
    EXPECT_EQ(expression.task_references(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(expression.roots(), (std::vector<std::string>{"tasks", "tasks", "input"}));
}

TEST(Expression, Truthiness) {
    EXPECT_FALSE(truthy(Json()));
    EXPECT_FALSE(truthy(0));
    EXPECT_FALSE(truthy(Json(std::string())));
    EXPECT_FALSE(truthy(Json::array()));
    EXPECT_TRUE(truthy("x"));
    EXPECT_TRUE(truthy(Json::object({{"a", 1}})));
}

TEST(Template, WholeTemplateKeepsType) {
    const Json rendered = render_template(
        {{"items", "{{ tasks.fetch.output.items }}"}, {"n", "{{input.count}}"}, {"fixed", 5}}, kContext);
    EXPECT_EQ(rendered["items"], Json({10, 20, 30}));
    EXPECT_EQ(rendered["n"], 3);
    EXPECT_EQ(rendered["fixed"], 5);
}

TEST(Template, InterpolatesIntoText) {
    EXPECT_EQ(render_template("hello {{ input.name }}, {{ len(input.tags) }} tags {{ input.tags }}", kContext),
              "hello ada, 2 tags [\"a\",\"b\"]");
    EXPECT_EQ(render_template(Json::array({"{{input.flag}}", "x"}), kContext), Json::array({true, "x"}));
}

TEST(Template, ChecksEveryTemplateWithItsPath) {
    std::vector<std::string> paths;
    for_each_template({{"a", {"x", "{{ input.y }}"}}, {"b", "{{ tasks.t.output }}"}}, "$.args",
                      [&](const std::string& path, const Expression&) { paths.push_back(path); });
    EXPECT_EQ(paths, (std::vector<std::string>{"$.args.a[1]", "$.args.b"}));
    try {
        for_each_template({{"a", "{{ input. }}"}}, "$.args", [](const std::string&, const Expression&) {});
        FAIL() << "expected an error";
    } catch (const ExpressionError& e) {
        EXPECT_EQ(std::string(e.what()), "$.args.a: bad expression ' input. ': expected a name after '.' at the end");
    }
}

}  // namespace
}  // namespace workflow
