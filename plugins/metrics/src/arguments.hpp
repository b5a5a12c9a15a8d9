// arguments.hpp: tool arguments (and HTTP query parameters turned into the same JSON) into
// queries. Every error is an InputError that names the argument and what it accepts.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "forecast.hpp"
#include "query.hpp"

namespace switchboard::metrics {

// {from?, to?, last_hours?}: `last_hours` means [now - hours, now].
struct TimeRange {
    std::optional<int64_t> from_ms;
    std::optional<int64_t> to_ms;
};
TimeRange time_range_arg(const nlohmann::json& args, int64_t now_ms);

// {"filters": {dim: value | [values]}}
Filters filters_arg(const nlohmann::json& args);

// breakdown and timeseries: {source?, group_by?, bucket?, from?, to?, last_hours?, filters?, tag?,
// order_by?, limit?}
Query query_arg(const nlohmann::json& args, bool time_series, int64_t now_ms);

std::string string_arg(const nlohmann::json& args, const char* name, const std::string& fallback = {});
std::optional<double> number_arg(const nlohmann::json& args, const char* name);

// HTTP query parameters {name: "text"} into tool-style arguments: lists split on commas,
// numbers parsed, and any parameter named like a dimension turned into a filter.
nlohmann::json arguments_from_query(const nlohmann::json& query);

}  // namespace switchboard::metrics
