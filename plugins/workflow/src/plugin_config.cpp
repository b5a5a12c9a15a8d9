// plugin_config.cpp: see plugin_config.hpp.
#include "plugin_config.hpp"

#include <stdexcept>
#include <string>

namespace workflow {

namespace {

int64_t integer_in(const nlohmann::json& value, int64_t low, int64_t high, const std::string& path,
                   const std::string& what) {
    if (!value.is_number_integer() || value.get<int64_t>() < low || value.get<int64_t>() > high)
        throw std::invalid_argument(path + ": expected " + what + " from " + std::to_string(low) + " to " +
                                    std::to_string(high));
    return value.get<int64_t>();
}

// {"calls": 60, "per_seconds": 60}
RateLimit parse_rate(const nlohmann::json& rate, const std::string& path) {
    if (!rate.is_object() || !rate.contains("calls") || !rate.contains("per_seconds"))
        throw std::invalid_argument(path + ": expected {\"calls\": n, \"per_seconds\": s}");
    RateLimit parsed;
    for (const auto& [key, value] : rate.items()) {
        if (key == "calls")
            parsed.calls = static_cast<int>(integer_in(value, 1, 1000000, path + ".calls", "an integer"));
        else if (key == "per_seconds")
            parsed.per_ms = 1000 * integer_in(value, 1, 86400, path + ".per_seconds", "seconds");
        else
            throw std::invalid_argument(path + "." + key + ": unknown key; accepted: calls, per_seconds");
    }
    return parsed;
}

// {"openai": {"max_concurrency": 2, "rate": {...}, "llm": true}}: at least one key.
std::map<std::string, PoolLimit> parse_pools(const nlohmann::json& pools, const std::string& path) {
    if (!pools.is_object()) throw std::invalid_argument(path + ": expected an object of pools by name");
    std::map<std::string, PoolLimit> parsed;
    for (const auto& [name, pool] : pools.items()) {
        const std::string at = path + "." + name;
        if (!pool.is_object() || pool.empty())
            throw std::invalid_argument(
                at + ": expected {\"max_concurrency\"?: n, \"rate\"?: {calls, per_seconds}, \"llm\"?: bool}");
        PoolLimit& limit = parsed[name];
        for (const auto& [key, value] : pool.items()) {
            if (key == "max_concurrency")
                limit.max_concurrency = static_cast<int>(integer_in(value, 1, 10000, at + "." + key, "an integer"));
            else if (key == "rate")
                limit.rate = parse_rate(value, at + ".rate");
            else if (key == "llm" && value.is_boolean())
                limit.llm = value.get<bool>();
            else if (key == "llm")
                throw std::invalid_argument(at + ".llm: expected true (its calls spend LLM budgets) or false");
            else
                throw std::invalid_argument(at + "." + key + ": unknown key; accepted: max_concurrency, rate, llm");
        }
    }
    return parsed;
}

// {"name": n}: a cap of calls in flight per tool or per plugin.
std::map<std::string, int> parse_caps(const nlohmann::json& limits, const std::string& path, const char* shape) {
    if (!limits.is_object()) throw std::invalid_argument(path + ": expected an object " + shape);
    std::map<std::string, int> parsed;
    for (const auto& [name, value] : limits.items())
        parsed[name] = static_cast<int>(integer_in(value, 1, 10000, path + "." + name, "an integer"));
    return parsed;
}

}  // namespace

PluginConfig parse_plugin_config(const nlohmann::json& config) {
    PluginConfig parsed;
    if (config.is_null()) return parsed;
    if (!config.is_object()) throw std::invalid_argument("workflow config: expected an object");
    for (const auto& [key, value] : config.items()) {
        const std::string path = "$.plugins.workflow.config." + key;
        if (key == "max_concurrency") {
            if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 10000)
                throw std::invalid_argument(path + ": expected an integer from 1 to 10000");
            parsed.max_concurrency = value.get<int>();
        } else if (key == "resume_delay_ms") {
            if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 600000)
                throw std::invalid_argument(path + ": expected milliseconds from 0 to 600000");
            parsed.resume_delay_ms = value.get<int64_t>();
        } else if (key == "synchronous") {
            if (value == "normal")
                parsed.synchronous = Synchronous::normal;
            else if (value == "full")
                parsed.synchronous = Synchronous::full;
            else
                throw std::invalid_argument(path + ": expected \"normal\" or \"full\"");
        } else if (key == "pools") {
            parsed.pools = parse_pools(value, path);
        } else if (key == "tool_limits") {
            parsed.tool_limits = parse_caps(value, path, "{\"tool_name\": n}");
        } else if (key == "plugin_limits") {
            parsed.plugin_limits = parse_caps(value, path, "{\"plugin_id\": n}");
        } else if (key == "workflow_limits") {
            parsed.workflow_limits = parse_caps(value, path, "{\"workflow_name\": n}");
        } else if (key == "budget_recheck_ms") {
            parsed.budget_recheck_ms = integer_in(value, 100, 86400000, path, "milliseconds");
        } else {
            throw std::invalid_argument(path +
                                        ": unknown key; accepted: max_concurrency, resume_delay_ms, synchronous, "
                                        "pools, tool_limits, plugin_limits, workflow_limits, budget_recheck_ms");
        }
    }
    return parsed;
}

}  // namespace workflow
