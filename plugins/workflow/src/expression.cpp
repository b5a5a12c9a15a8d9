// expression.cpp: tokenizer, recursive-descent parser and evaluator; see expression.hpp.
#include "expression.hpp"

#include <cctype>
#include <functional>
#include <set>
#include <utility>

namespace workflow {

enum class ExprKind { literal, root, member, index, unary, binary, call };

struct ExprNode {
    ExprKind kind = ExprKind::literal;
    Json value;        // literal
    std::string name;  // root name, member name, operator or function name
    std::vector<std::unique_ptr<ExprNode>> children;
};

namespace {

const std::set<std::string, std::less<>> kFunctions = {"len", "contains", "default"};

struct Token {
    enum class Type { number, string, name, op, end } type = Type::end;
    std::string text;
    Json value;
    size_t column = 0;
};

std::vector<Token> tokenize(const std::string& text) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        Token token;
        token.column = i + 1;
        if (std::isdigit(static_cast<unsigned char>(c))) {
            size_t end = i;
            while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
                ++end;
            token.type = Token::Type::number;
            token.text = text.substr(i, end - i);
            try {
                token.value = Json::parse(token.text);
            } catch (const std::exception&) {
                throw ExpressionError("bad number '" + token.text + "' at column " + std::to_string(token.column));
            }
            i = end;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t end = i;
            while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
                ++end;
            token.type = Token::Type::name;
            token.text = text.substr(i, end - i);
            i = end;
        } else if (c == '\'' || c == '"') {
            std::string value;
            size_t end = i + 1;
            while (end < text.size() && text[end] != c) {
                if (text[end] == '\\' && end + 1 < text.size()) ++end;
                value += text[end++];
            }
            if (end >= text.size())
                throw ExpressionError("unterminated string starting at column " + std::to_string(token.column));
            token.type = Token::Type::string;
            token.value = value;
            i = end + 1;
        } else {
            static const char* const kOps[] = {"&&", "||", "==", "!=", "<=", ">=", "<", ">", "!",
                                               "+",  "-",  "(",  ")",  "[",  "]",  ".", ","};
            for (const char* op : kOps) {
                if (text.compare(i, std::char_traits<char>::length(op), op) == 0) {
                    token.type = Token::Type::op;
                    token.text = op;
                    break;
                }
            }
            if (token.type != Token::Type::op)
                throw ExpressionError(std::string("unexpected character '") + c + "' at column " +
                                      std::to_string(token.column));
            i += token.text.size();
        }
        tokens.push_back(std::move(token));
    }
    Token end;
    end.column = text.size() + 1;
    tokens.push_back(end);
    return tokens;
}

class Parser {
 public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    std::unique_ptr<ExprNode> parse_all() {
        auto node = parse_or();
        if (peek().type != Token::Type::end) fail("unexpected '" + peek().text + "'");
        return node;
    }

 private:
    const Token& peek() const { return tokens_[position_]; }
    bool accept(const char* op) {
        if (peek().type == Token::Type::op && peek().text == op) {
            ++position_;
            return true;
        }
        return false;
    }
    void expect(const char* op) {
        if (!accept(op)) fail(std::string("expected '") + op + "'");
    }
    [[noreturn]] void fail(const std::string& what) const {
        const std::string where =
            peek().type == Token::Type::end ? "at the end" : "at column " + std::to_string(peek().column);
        throw ExpressionError(what + " " + where);
    }

    static std::unique_ptr<ExprNode> binary(std::string op, std::unique_ptr<ExprNode> left,
                                            std::unique_ptr<ExprNode> right) {
        auto node = std::make_unique<ExprNode>();
        node->kind = ExprKind::binary;
        node->name = std::move(op);
        node->children.push_back(std::move(left));
        node->children.push_back(std::move(right));
        return node;
    }

    using Level = std::unique_ptr<ExprNode> (Parser::*)();
    std::unique_ptr<ExprNode> left_assoc(Level next, std::initializer_list<const char*> ops) {
        auto left = (this->*next)();
        for (;;) {
            const char* matched = nullptr;
            for (const char* op : ops)
                if (accept(op)) {
                    matched = op;
                    break;
                }
            if (matched == nullptr) return left;
            left = binary(matched, std::move(left), (this->*next)());
        }
    }
    std::unique_ptr<ExprNode> parse_or() { return left_assoc(&Parser::parse_and, {"||"}); }
    std::unique_ptr<ExprNode> parse_and() { return left_assoc(&Parser::parse_eq, {"&&"}); }
    std::unique_ptr<ExprNode> parse_eq() { return left_assoc(&Parser::parse_cmp, {"==", "!="}); }
    std::unique_ptr<ExprNode> parse_cmp() { return left_assoc(&Parser::parse_sum, {"<=", ">=", "<", ">"}); }
    std::unique_ptr<ExprNode> parse_sum() { return left_assoc(&Parser::parse_unary, {"+", "-"}); }

    std::unique_ptr<ExprNode> parse_unary() {
        for (const char* op : {"!", "-"}) {
            if (accept(op)) {
                auto node = std::make_unique<ExprNode>();
                node->kind = ExprKind::unary;
                node->name = op;
                node->children.push_back(parse_unary());
                return node;
            }
        }
        return parse_postfix();
    }

    std::unique_ptr<ExprNode> parse_postfix() {
        auto node = parse_primary();
        for (;;) {
            if (accept(".")) {
                if (peek().type != Token::Type::name) fail("expected a name after '.'");
                auto member = std::make_unique<ExprNode>();
                member->kind = ExprKind::member;
                member->name = tokens_[position_++].text;
                member->children.push_back(std::move(node));
                node = std::move(member);
            } else if (accept("[")) {
                auto index = std::make_unique<ExprNode>();
                index->kind = ExprKind::index;
                index->children.push_back(std::move(node));
                index->children.push_back(parse_or());
                expect("]");
                node = std::move(index);
            } else {
                return node;
            }
        }
    }

    std::unique_ptr<ExprNode> parse_primary() {
        const Token& token = peek();
        auto node = std::make_unique<ExprNode>();
        switch (token.type) {
            case Token::Type::number:
            case Token::Type::string:
                node->value = token.value;
                ++position_;
                return node;
            case Token::Type::name: {
                const std::string name = token.text;
                ++position_;
                if (name == "true" || name == "false") {
                    node->value = name == "true";
                    return node;
                }
                if (name == "null") return node;
                if (accept("(")) {
                    if (!kFunctions.contains(name))
                        throw ExpressionError("unknown function '" + name + "'; accepted: len, contains, default");
                    node->kind = ExprKind::call;
                    node->name = name;
                    if (!accept(")")) {
                        do node->children.push_back(parse_or());
                        while (accept(","));
                        expect(")");
                    }
                    return node;
                }
                node->kind = ExprKind::root;
                node->name = name;
                return node;
            }
            case Token::Type::op:
                if (accept("(")) {
                    auto inner = parse_or();
                    expect(")");
                    return inner;
                }
                fail("unexpected '" + token.text + "'");
            case Token::Type::end:
                fail("expected a value");
        }
        fail("unexpected token");
    }

    std::vector<Token> tokens_;
    size_t position_ = 0;
};

Json call_function(const std::string& name, const std::vector<Json>& args) {
    auto arity = [&](size_t count) {
        if (args.size() != count)
            throw ExpressionError(name + "() takes " + std::to_string(count) + " argument(s), got " +
                                  std::to_string(args.size()));
    };
    if (name == "len") {
        arity(1);
        const Json& value = args[0];
        if (value.is_string()) return value.get_ref<const std::string&>().size();
        if (value.is_array() || value.is_object()) return value.size();
        return 0;
    }
    if (name == "contains") {
        arity(2);
        const Json& haystack = args[0];
        const Json& needle = args[1];
        if (haystack.is_string() && needle.is_string())
            return haystack.get_ref<const std::string&>().find(needle.get_ref<const std::string&>()) !=
                   std::string::npos;
        if (haystack.is_array()) {
            for (const Json& item : haystack)
                if (item == needle) return true;
            return false;
        }
        if (haystack.is_object() && needle.is_string()) return haystack.contains(needle.get<std::string>());
        return false;
    }
    arity(2);  // default(value, fallback)
    return args[0].is_null() ? args[1] : args[0];
}

int compare(const Json& left, const Json& right, const std::string& op) {
    if (left.is_number() && right.is_number()) {
        const double a = left.get<double>();
        const double b = right.get<double>();
        return a < b ? -1 : (a > b ? 1 : 0);
    }
    if (left.is_string() && right.is_string())
        return left.get_ref<const std::string&>().compare(right.get<std::string>());
    throw ExpressionError("'" + op + "' compares two numbers or two strings, got " + std::string(left.type_name()) +
                          " and " + right.type_name());
}

bool loose_equal(const Json& left, const Json& right) {
    if (left.is_number() && right.is_number()) return left.get<double>() == right.get<double>();
    return left == right;
}

Json evaluate_node(const ExprNode& node, const Json& context) {
    switch (node.kind) {
        case ExprKind::literal:
            return node.value;
        case ExprKind::root:
            return context.is_object() && context.contains(node.name) ? context.at(node.name) : Json();
        case ExprKind::member: {
            const Json base = evaluate_node(*node.children[0], context);
            return base.is_object() && base.contains(node.name) ? base.at(node.name) : Json();
        }
        case ExprKind::index: {
            const Json base = evaluate_node(*node.children[0], context);
            const Json key = evaluate_node(*node.children[1], context);
            if (base.is_array() && key.is_number_integer()) {
                const auto i = key.get<int64_t>();
                return i >= 0 && static_cast<size_t>(i) < base.size() ? base.at(static_cast<size_t>(i)) : Json();
            }
            if (base.is_object() && key.is_string())
                return base.contains(key.get<std::string>()) ? base.at(key.get<std::string>()) : Json();
            return Json();
        }
        case ExprKind::unary: {
            const Json operand = evaluate_node(*node.children[0], context);
            if (node.name == "!") return !truthy(operand);
            if (!operand.is_number())
                throw ExpressionError("'-' needs a number, got " + std::string(operand.type_name()));
            return operand.is_number_float() ? Json(-operand.get<double>()) : Json(-operand.get<int64_t>());
        }
        case ExprKind::binary: {
            const std::string& op = node.name;
            const Json left = evaluate_node(*node.children[0], context);
            // && and || short-circuit and yield booleans.
            if (op == "&&") return truthy(left) && truthy(evaluate_node(*node.children[1], context));
            if (op == "||") return truthy(left) || truthy(evaluate_node(*node.children[1], context));
            const Json right = evaluate_node(*node.children[1], context);
            if (op == "==") return loose_equal(left, right);
            if (op == "!=") return !loose_equal(left, right);
            if (op == "+" && left.is_string() && right.is_string())
                return left.get<std::string>() + right.get<std::string>();
            if (op == "+" || op == "-") {
                if (!left.is_number() || !right.is_number())
                    throw ExpressionError("'" + op + "' needs two numbers (or, for '+', two strings), got " +
                                          std::string(left.type_name()) + " and " + right.type_name());
                if (left.is_number_integer() && right.is_number_integer())
                    return op == "+" ? left.get<int64_t>() + right.get<int64_t>()
                                     : left.get<int64_t>() - right.get<int64_t>();
                return op == "+" ? left.get<double>() + right.get<double>() : left.get<double>() - right.get<double>();
            }
            const int order = compare(left, right, op);
            if (op == "<") return order < 0;
            if (op == "<=") return order <= 0;
            if (op == ">") return order > 0;
            return order >= 0;
        }
        case ExprKind::call: {
            std::vector<Json> args;
            for (const auto& child : node.children) args.push_back(evaluate_node(*child, context));
            return call_function(node.name, args);
        }
    }
    return Json();
}

void visit(const ExprNode& node, const std::function<void(const ExprNode&)>& fn) {
    fn(node);
    for (const auto& child : node.children) visit(*child, fn);
}

}  // namespace

bool truthy(const Json& value) {
    if (value.is_null()) return false;
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number()) return value.get<double>() != 0;
    if (value.is_string()) return !value.get_ref<const std::string&>().empty();  // json::empty() is false for strings
    if (value.is_array() || value.is_object()) return !value.empty();
    return true;
}

Expression::Expression(std::unique_ptr<ExprNode> root) : root_(std::move(root)) {}
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;
Expression::~Expression() = default;

Expression Expression::parse(const std::string& text) { return Expression(Parser(tokenize(text)).parse_all()); }

Json Expression::evaluate(const Json& context) const { return evaluate_node(*root_, context); }

std::vector<std::string> Expression::task_references() const {
    std::vector<std::string> references;
    visit(*root_, [&](const ExprNode& node) {
        // tasks.<id> is a member node over the root `tasks`.
        if (node.kind == ExprKind::member && node.children[0]->kind == ExprKind::root &&
            node.children[0]->name == "tasks")
            references.push_back(node.name);
    });
    return references;
}

std::vector<std::string> Expression::roots() const {
    std::vector<std::string> names;
    visit(*root_, [&](const ExprNode& node) {
        if (node.kind == ExprKind::root) names.push_back(node.name);
    });
    return names;
}

}  // namespace workflow
