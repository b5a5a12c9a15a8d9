// wfspawner.cpp: a test-only plugin (never installed) that implements the spawner contract the
// workflow plugin's `agent` tasks call (docs/workflow.md, "Agent tasks"): `spawner_run` with
// {agent, prompt, model?}. It answers {agent, model, text, idempotency_key} at once; agent
// "broken" answers isError; prompt "hang" waits until the call is cancelled. `wfspawner_stats`
// returns {calls: [arguments...], cancelled}.
#include <switchboard/sdk.hpp>

#include <memory>
#include <mutex>

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

class WfSpawner : public switchboard::Plugin {
 public:
    explicit WfSpawner(const sb_host_api* api) : Plugin(api) {
        add_async_tool(Tool("spawner_run", "Test spawner: runs `agent` on `prompt` (see wfspawner.cpp).")
                           .input_schema({{"type", "object"},
                                          {"properties",
                                           {{"agent", {{"type", "string"}}},
                                            {"prompt", {{"type", "string"}}},
                                            {"model", {{"type", "string"}}}}},
                                          {"required", {"agent", "prompt"}}})
                           .output_schema({{"type", "object"}}),
                       [this](const Json& args, switchboard::CallPtr call) { run(args, std::move(call)); });
        add_tool(Tool("wfspawner_stats", "Returns {calls: [arguments of each spawner_run], cancelled}.")
                     .output_schema({{"type", "object"}}),
                 [this](const Json&, switchboard::Call&) {
                     std::lock_guard lock(mutex_);
                     return ToolResult::structured({{"calls", calls_}, {"cancelled", cancelled_}});
                 });
    }

 private:
    void run(const Json& args, switchboard::CallPtr call) {
        {
            std::lock_guard lock(mutex_);
            calls_.push_back(args);
        }
        const std::string agent = args.value("agent", "");
        const std::string prompt = args.value("prompt", "");
        if (agent == "broken") return call->respond(ToolResult::error("agent broken gave up").to_json());
        if (prompt == "hang") return wait_for_cancel(new Waiting{this, std::move(call)});
        const std::string key = call->info().value("meta", Json::object()).value("idempotency_key", "");
        call->respond(ToolResult::structured({{"agent", agent},
                                              {"model", args.value("model", "")},
                                              {"text", agent + " did: " + prompt},
                                              {"idempotency_key", key}})
                          .to_json());
    }

    // The SDK reports cancellation through Call::cancelled(): look every 10 ms.
    struct Waiting {
        WfSpawner* self;
        switchboard::CallPtr call;
    };
    void wait_for_cancel(Waiting* waiting) { api()->post_after(api()->host, 10, &WfSpawner::tick, waiting); }
    static void tick(void* user) {
        std::unique_ptr<Waiting> waiting(static_cast<Waiting*>(user));
        if (!waiting->call->cancelled()) return waiting->self->wait_for_cancel(waiting.release());
        {
            std::lock_guard lock(waiting->self->mutex_);
            ++waiting->self->cancelled_;
        }
        waiting->call->respond(ToolResult::error("cancelled").to_json());
    }

    std::mutex mutex_;
    Json calls_ = Json::array();  // guarded by mutex_
    int cancelled_ = 0;           // guarded by mutex_
};

}  // namespace

SWITCHBOARD_PLUGIN(WfSpawner, "wfspawner", "0.0.1", "Test-only spawner_run for the workflow plugin's agent tasks.")
