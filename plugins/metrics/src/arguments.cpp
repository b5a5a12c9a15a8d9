// arguments.cpp: see arguments.hpp.
#include "arguments.hpp"

#include <cmath>

#include "record_parsing.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

std::optional<int64_t> time_arg(const Json& args, const char* name) {
    auto found = args.find(name);
    if (found == args.end() || found->is_null()) return std::nullopt;
    if (found->is_number_integer() && found->get<int64_t>() >= 0) return found->get<int64_t>();
    if (found->is_string()) {
        if (auto parsed = parse_time(found->get<std::string>())) return parsed;
    }
    throw InputError(std::string(name) +
                     " must be an ISO 8601 UTC time (2026-11-23 or 2026-11-23T10:00:00Z) or ms since the Unix "
                     "epoch; got " +
                     found->dump());
}

std::vector<std::string> string_list(const Json& value, const std::string& name) {
    std::vector<std::string> list;
    if (value.is_string()) {
        list.push_back(value.get<std::string>());
        return list;
    }
    if (!value.is_array()) throw InputError(name + " must be a string or an array of strings");
    for (const Json& item : value) {
        if (!item.is_string()) throw InputError(name + " must hold strings only; got " + item.dump());
        list.push_back(item.get<std::string>());
    }
    return list;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const size_t end = comma == std::string::npos ? text.size() : comma;
        if (end > start) parts.push_back(text.substr(start, end - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return parts;
}

}  // namespace

TimeRange time_range_arg(const Json& args, int64_t now) {
    TimeRange range{time_arg(args, "from"), time_arg(args, "to")};
    if (auto hours = number_arg(args, "last_hours")) {
        if (*hours <= 0) throw InputError("last_hours must be a positive number of hours");
        range.from_ms = now - static_cast<int64_t>(*hours * 3600 * 1000);
        if (!range.to_ms) range.to_ms = now + 1;
    }
    if (range.from_ms && range.to_ms && *range.from_ms > *range.to_ms) throw InputError("from must not be after to");
    return range;
}

Filters filters_arg(const Json& args) {
    Filters filters;
    auto found = args.find("filters");
    if (found == args.end() || found->is_null()) return filters;
    if (!found->is_object())
        throw InputError("filters must be an object of dimension -> value or [values], e.g. {\"project\": \"web\"}");
    for (const auto& [dim, values] : found->items()) filters.emplace_back(dim, string_list(values, "filters." + dim));
    return filters;
}

std::string string_arg(const Json& args, const char* name, const std::string& fallback) {
    auto found = args.find(name);
    if (found == args.end() || found->is_null()) return fallback;
    if (!found->is_string()) throw InputError(std::string(name) + " must be a string");
    return found->get<std::string>();
}

std::optional<double> number_arg(const Json& args, const char* name) {
    auto found = args.find(name);
    if (found == args.end() || found->is_null()) return std::nullopt;
    if (!found->is_number() || !std::isfinite(found->get<double>()))
        throw InputError(std::string(name) + " must be a number; got " + found->dump());
    return found->get<double>();
}

Query query_arg(const Json& args, bool time_series, int64_t now) {
    Query query;
    const std::string source = string_arg(args, "source", "llm");
    if (source == "llm")
        query.source = &llm_source();
    else if (source == "tools")
        query.source = &tool_source();
    else
        throw InputError("source must be \"llm\" (LLM calls) or \"tools\" (MCP tool calls); got \"" + source + "\"");
    if (auto found = args.find("group_by"); found != args.end() && !found->is_null())
        query.group_by = string_list(*found, "group_by");
    else if (!time_series)
        query.group_by = {source == "llm" ? "model" : "tool"};
    if (time_series) {
        const std::string bucket = string_arg(args, "bucket", "day");
        query.bucket = parse_bucket(bucket);
        if (!query.bucket) throw InputError("bucket must be hour, day, week or month; got \"" + bucket + "\"");
    }
    const TimeRange range = time_range_arg(args, now);
    query.from_ms = range.from_ms;
    query.to_ms = range.to_ms;
    query.filters = filters_arg(args);
    query.tag = string_arg(args, "tag");
    query.order_by = string_arg(args, "order_by");
    if (auto limit = number_arg(args, "limit")) {
        if (*limit < 0 || *limit > 100000 || *limit != std::floor(*limit))
            throw InputError("limit must be an integer from 0 (all) to 100000");
        query.limit = static_cast<size_t>(*limit);
    } else if (!time_series) {
        query.limit = 20;
    }
    validate(query);
    return query;
}

Json arguments_from_query(const Json& query) {
    Json args = Json::object();
    if (!query.is_object()) return args;
    for (const auto& [name, value] : query.items()) {
        if (!value.is_string()) continue;
        const std::string text = value.get<std::string>();
        if (name == "group_by") {
            args[name] = split(text);
        } else if (name == "limit" || name == "last_hours" || name == "window_hours" || name == "limit_usd" ||
                   name == "warn_ratio" || name == "min_samples") {
            try {
                size_t used = 0;
                const double number = std::stod(text, &used);
                if (used != text.size()) throw InputError("");
                args[name] = number;
            } catch (const std::exception&) {
                throw InputError(name + " must be a number; got \"" + text + "\"");
            }
        } else if (llm_source().has_dimension(name) || tool_source().has_dimension(name)) {
            args["filters"][name] = split(text);
        } else {
            args[name] = text;
        }
    }
    return args;
}

}  // namespace switchboard::metrics
