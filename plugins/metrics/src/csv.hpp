// csv.hpp: RFC 4180 CSV from a JSON array of objects (the rows of a breakdown, a time series,
// the budget list). Nested objects become dotted columns; the header lists every column in the
// order first seen.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace switchboard::metrics {

std::string to_csv(const nlohmann::json& rows);

}  // namespace switchboard::metrics
