// template.cpp: see template.hpp.
#include "template.hpp"

#include <vector>

namespace workflow {

namespace {

struct Piece {
    bool is_expression = false;
    std::string text;  // literal text or expression source
};

std::vector<Piece> split(const std::string& text) {
    std::vector<Piece> pieces;
    size_t position = 0;
    while (position < text.size()) {
        const size_t open = text.find("{{", position);
        if (open == std::string::npos) {
            pieces.push_back({false, text.substr(position)});
            break;
        }
        if (open > position) pieces.push_back({false, text.substr(position, open - position)});
        const size_t close = text.find("}}", open + 2);
        if (close == std::string::npos) throw ExpressionError("'{{' without a closing '}}'");
        pieces.push_back({true, text.substr(open + 2, close - open - 2)});
        position = close + 2;
    }
    return pieces;
}

std::string as_text(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

}  // namespace

Json render_template(const Json& value, const Json& context) {
    if (value.is_object()) {
        Json rendered = Json::object();
        for (const auto& [key, member] : value.items()) rendered[key] = render_template(member, context);
        return rendered;
    }
    if (value.is_array()) {
        Json rendered = Json::array();
        for (const Json& item : value) rendered.push_back(render_template(item, context));
        return rendered;
    }
    if (!value.is_string()) return value;
    const std::vector<Piece> pieces = split(value.get<std::string>());
    if (pieces.size() == 1 && pieces[0].is_expression) return Expression::parse(pieces[0].text).evaluate(context);
    std::string text;
    for (const Piece& piece : pieces)
        text += piece.is_expression ? as_text(Expression::parse(piece.text).evaluate(context)) : piece.text;
    return text;
}

void for_each_template(const Json& value, const std::string& path,
                       const std::function<void(const std::string& path, const Expression& expression)>& check) {
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) for_each_template(member, path + "." + key, check);
    } else if (value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i)
            for_each_template(value[i], path + "[" + std::to_string(i) + "]", check);
    } else if (value.is_string()) {
        std::vector<Piece> pieces;
        try {
            pieces = split(value.get<std::string>());
        } catch (const ExpressionError& e) {
            throw ExpressionError(path + ": " + e.what());
        }
        for (const Piece& piece : pieces) {
            if (!piece.is_expression) continue;
            try {
                check(path, Expression::parse(piece.text));
            } catch (const ExpressionError& e) {
                throw ExpressionError(path + ": bad expression '" + piece.text + "': " + e.what());
            }
        }
    }
}

}  // namespace workflow
