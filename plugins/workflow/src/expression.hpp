// expression.hpp: the small expression language of `when` conditions and `{{ }}` templates.
//
//   expr   := or ;  or := and ("||" and)* ;  and := eq ("&&" eq)*
//   eq     := cmp (("==" | "!=") cmp)* ;  cmp := sum (("<" | "<=" | ">" | ">=") sum)*
//   sum    := unary (("+" | "-") unary)* ;  unary := ("!" | "-") unary | postfix
//   postfix:= primary ("." name | "[" expr "]")*
//   primary:= number | 'string' | "string" | true | false | null | name | name "(" args ")" | "(" expr ")"
//
// A bare name is a root of the context (`input`, `tasks`). Functions: len, contains, default.
// A missing path yields null, never an error. Parsing never evaluates; evaluation never loops.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace workflow {

using Json = nlohmann::json;

struct ExprNode;

// A parsed expression. Cheap to move; evaluate as often as needed.
class Expression {
 public:
    // Throws ExpressionError (with the column of the problem) when `text` is not an expression.
    static Expression parse(const std::string& text);
    Expression(Expression&&) noexcept;
    Expression& operator=(Expression&&) noexcept;
    ~Expression();

    Json evaluate(const Json& context) const;
    // Every `tasks.<id>` this expression reads, for validation.
    std::vector<std::string> task_references() const;
    // Every root name it reads (`input`, `tasks`, ...), for validation.
    std::vector<std::string> roots() const;

 private:
    explicit Expression(std::unique_ptr<ExprNode> root);
    std::unique_ptr<ExprNode> root_;
};

class ExpressionError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// The truth of a value: null, false, 0, "" and empty arrays and objects are false.
bool truthy(const Json& value);

}  // namespace workflow
