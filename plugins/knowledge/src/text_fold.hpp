// text_fold.hpp: case folding as JavaScript's toLowerCase does it for the common scripts, so
// search_nodes matches exactly what the reference server matches.
#pragma once

#include <string>
#include <string_view>

namespace knowledge {

// `text` lower-cased code point by code point (UTF-8 in, UTF-8 out; invalid bytes pass through).
std::string fold_case(std::string_view text);

// Whether fold_case(haystack) contains fold_case(needle); an empty needle is always contained.
bool folded_contains(std::string_view haystack, std::string_view needle);

// The number of code points in `text`.
size_t code_points(std::string_view text);

}  // namespace knowledge
