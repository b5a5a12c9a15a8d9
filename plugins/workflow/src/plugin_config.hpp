// plugin_config.hpp: the plugin's settings, from `plugins.workflow.config` in the host config.
#pragma once

#include "engine.hpp"
#include "store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace workflow {

struct PluginConfig {
    int max_concurrency = 8;        // tool calls in flight across all runs
    int64_t resume_delay_ms = 300;  // after load, before unfinished runs resume (lets other plugins load)
    Synchronous synchronous = Synchronous::normal;  // "normal" | "full": PRAGMA synchronous of workflow.db
    // "pools": {"openai": {"max_concurrency": 2, "rate": {"calls": 60, "per_seconds": 60}}}
    std::map<std::string, PoolLimit> pools;
    // "tool_limits": {"knowledge_search": 4}: calls of that tool in flight across all runs.
    std::map<std::string, int> tool_limits;
    // "plugin_limits": {"knowledge": 2}: calls of that plugin's tools in flight across all runs,
    // by the plugin's id (its key under "plugins").
    std::map<std::string, int> plugin_limits;
    // "workflow_limits": {"nightly_report": 3}: calls of every run of that workflow (any version)
    // in flight at once, by the workflow's name.
    std::map<std::string, int> workflow_limits;
    // While a budget holds LLM-bound work: how often metrics_budget_list is asked whether it still
    // applies (it is also asked after each metrics_budget_set, and at the end of its period).
    int64_t budget_recheck_ms = 60000;
};

// Throws std::invalid_argument naming the JSON path and what is accepted.
PluginConfig parse_plugin_config(const nlohmann::json& config);

}  // namespace workflow
