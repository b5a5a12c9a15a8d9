// workflow_plugin.cpp: the plugin object: config, storage, engine, schedules, tools, resources,
// and the resumption of unfinished runs shortly after load.
#include "budget_watch.hpp"
#include "engine.hpp"
#include "host_adapter.hpp"
#include "http_api.hpp"
#include "plugin_config.hpp"
#include "schedules.hpp"
#include "tools.hpp"

#include <switchboard/sdk.hpp>

namespace workflow {

class WorkflowPlugin : public switchboard::Plugin {
 public:
    explicit WorkflowPlugin(const sb_host_api* api)
        : Plugin(api),
          config_(parse_plugin_config(config())),
          host_(*this),
          engine_(host_, std::make_unique<Store>(data_dir() + "/workflow.db", config_.synchronous), engine_options()) {
        register_definition_tools(*this, engine_);
        register_run_tools(*this, engine_, host_);
        register_resources(*this, engine_);
        register_schedule_tools(*this, schedules_);
        // Other plugins may still be loading: their tools must be routable before runs resume
        // and before schedules fire.
        engine_.resume_later(config_.resume_delay_ms);
        schedules_.start(config_.resume_delay_ms);
        // Our own events: a queued schedule fire waits for its run's end.
        for (const char* topic : {"workflow.run.completed", "workflow.run.failed", "workflow.run.cancelled"})
            subscribe(topic, [this](std::string_view, const Json& payload) {
                schedules_.run_ended(payload.value("run_id", ""));
            });
    }

 private:
    EngineOptions engine_options() const {
        EngineOptions options;
        options.max_concurrency = config_.max_concurrency;
        options.pools = config_.pools;
        options.tool_limits = config_.tool_limits;
        options.plugin_limits = config_.plugin_limits;
        options.workflow_limits = config_.workflow_limits;
        return options;
    }

    PluginConfig config_;
    HostAdapter host_;  // outlives engine_, which cancels its timers through it
    Engine engine_;
    Schedules schedules_{host_, engine_};  // after engine_: stops firing before the engine goes
    BudgetWatch budgets_{*this, host_, engine_, config_.resume_delay_ms, config_.budget_recheck_ms};
    HttpApi http_{*this, engine_, host_, schedules_};  // last: ends its event streams first
};

}  // namespace workflow

SWITCHBOARD_PLUGIN(workflow::WorkflowPlugin, "workflow", "0.1.0",
                   "Durable workflows over any MCP tool: define, run, resume after restarts.")
