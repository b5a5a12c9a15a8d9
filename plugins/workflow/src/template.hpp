// template.hpp: `{{ expr }}` templates inside JSON values (task arguments, run outputs).
//
// A string that is exactly one `{{ expr }}` becomes the expression's value with its JSON type
// (an object stays an object). A string with text around templates becomes a string, each
// template replaced by its value (strings as is, other values as compact JSON). Objects and
// arrays are rendered member by member; other values are copied.
#pragma once

#include "expression.hpp"

#include <functional>
#include <string>

namespace workflow {

// Renders `value` against `context`. Throws ExpressionError on a bad template.
Json render_template(const Json& value, const Json& context);

// Calls `check(json_path, expression)` for every template in `value`; throws ExpressionError
// (prefixed with the JSON path) when one does not parse. `path` is the JSON path of `value`.
void for_each_template(const Json& value, const std::string& path,
                       const std::function<void(const std::string& path, const Expression& expression)>& check);

}  // namespace workflow
