// tools.hpp: the workflow_* MCP tools and the workflow:// resources.
#pragma once

#include "engine.hpp"
#include "schedules.hpp"

#include <switchboard/sdk.hpp>

namespace workflow {

void register_definition_tools(switchboard::Plugin& plugin, Engine& engine);
void register_run_tools(switchboard::Plugin& plugin, Engine& engine, EngineHost& host);
void register_resources(switchboard::Plugin& plugin, Engine& engine);
void register_schedule_tools(switchboard::Plugin& plugin, Schedules& schedules);

// Stores `document` (already validated) as the next version of `name`; returns that version.
int64_t store_definition(Engine& engine, const std::string& name, const Json& document);

// The published JSON Schema of a definition (schema/workflow.schema.json, built in).
extern const char* const kWorkflowSchema;

}  // namespace workflow
