// plugin_config.cpp: see plugin_config.hpp.
#include "plugin_config.hpp"

#include <stdexcept>
#include <string>

namespace workflow {

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
        } else {
            throw std::invalid_argument(path +
                                        ": unknown key; accepted: max_concurrency, resume_delay_ms, synchronous");
        }
    }
    return parsed;
}

}  // namespace workflow
