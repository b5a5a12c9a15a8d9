// clock.hpp: timestamps as the store writes them (ISO-8601 UTC with milliseconds, so that text
// order is time order) and checks for timestamps that callers pass in.
#pragma once

#include <string>
#include <string_view>

namespace knowledge {

// Now, as "2026-11-23T23:58:29.123Z".
std::string now_iso();

// Accepts "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.fff]]Z" (UTC only); returns the canonical
// millisecond form, or an empty string when `text` is not such a time.
std::string normalize_time(std::string_view text);

}  // namespace knowledge
