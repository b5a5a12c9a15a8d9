// plugin_config.hpp: the plugin's settings, from `plugins.workflow.config` in the host config.
#pragma once

#include "store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

namespace workflow {

struct PluginConfig {
    int max_concurrency = 8;        // tool calls in flight across all runs
    int64_t resume_delay_ms = 300;  // after load, before unfinished runs resume (lets other plugins load)
    Synchronous synchronous = Synchronous::normal;  // "normal" | "full": PRAGMA synchronous of workflow.db
};

// Throws std::invalid_argument naming the JSON path and what is accepted.
PluginConfig parse_plugin_config(const nlohmann::json& config);

}  // namespace workflow
