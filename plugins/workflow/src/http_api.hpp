// http_api.hpp: the workflow plugin's HTTP API for front ends, under /api/v1/workflow/.
//
// JSON routes over definitions and runs with the semantics and messages of the workflow_* tools,
// and a live SSE stream of a run's events (run_events.hpp). docs/workflow.md lists the routes.
// Errors are {"error": message}: 400 for bad input (saying what is accepted), 404 for an unknown
// run, definition or schedule, 409 for a control operation the run's state refuses and for a
// schedule id that exists.
#pragma once

#include "engine.hpp"
#include "run_events.hpp"
#include "schedules.hpp"

#include <switchboard/sdk.hpp>

namespace workflow {

class HttpApi {
 public:
    // Registers the routes (nothing when the host has no HTTP service). Declare it after the
    // engine: it must go first, ending its event streams.
    HttpApi(switchboard::Plugin& plugin, Engine& engine, EngineHost& host, Schedules& schedules);

 private:
    void add_definition_routes();
    void add_run_routes();
    void add_control_routes();
    void add_schedule_routes();  // http_schedules.cpp

    switchboard::Plugin& plugin_;
    Engine& engine_;
    Schedules& schedules_;
    RunEvents events_;
};

}  // namespace workflow
