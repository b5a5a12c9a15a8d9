// http_api.hpp: the workflow plugin's HTTP API for front ends, under /api/v1/workflow/.
//
// JSON routes over definitions and runs with the semantics and messages of the workflow_* tools,
// and a live SSE stream of a run's events (run_events.hpp). docs/workflow.md lists the routes.
// Errors are {"error": message}: 400 for bad input (saying what is accepted), 404 for an unknown
// run or definition, 409 for a control operation the run's state refuses.
#pragma once

#include "engine.hpp"
#include "run_events.hpp"

#include <switchboard/sdk.hpp>

namespace workflow {

class HttpApi {
 public:
    // Registers the routes (nothing when the host has no HTTP service). Declare it after the
    // engine: it must go first, ending its event streams.
    HttpApi(switchboard::Plugin& plugin, Engine& engine, EngineHost& host);

 private:
    void add_definition_routes();
    void add_run_routes();
    void add_control_routes();

    switchboard::Plugin& plugin_;
    Engine& engine_;
    RunEvents events_;
};

}  // namespace workflow
