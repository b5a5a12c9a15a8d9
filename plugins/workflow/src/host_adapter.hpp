// host_adapter.hpp: EngineHost over the SDK's Plugin. Adds what sdk.hpp does not wrap: tool
// calls with `_meta` (the C API accepts it; Plugin::call_tool builds params without it) and
// timers (sb_host_api.post_after / cancel_timer).
#pragma once

#include "engine_host.hpp"

#include <switchboard/sdk.hpp>

#include <condition_variable>
#include <map>
#include <mutex>

namespace workflow {

class HostAdapter : public EngineHost {
 public:
    explicit HostAdapter(switchboard::Plugin& plugin) : plugin_(plugin) {}
    ~HostAdapter() override;  // cancels pending timers and waits for running ones

    uint64_t call_tool(std::string params_json, std::function<void(bool ok, Json value)> done) override;
    void cancel_call(uint64_t call_id) override { plugin_.cancel_call(call_id); }
    void post_blocking(std::function<void()> task) override { plugin_.post_blocking(std::move(task)); }
    uint64_t run_after(int64_t delay_ms, std::function<void()> task) override;
    void cancel_timer(uint64_t timer_id) override;
    void publish(std::string_view topic, const Json& payload) override { plugin_.publish(topic, payload); }
    void publish_serialized(std::string_view topic, std::string_view payload_json) override {
        plugin_.publish_serialized(topic, payload_json);
    }
    void resource_updated(std::string_view uri) override { plugin_.resource_updated(uri); }
    void log_error(std::string_view message) override { plugin_.log(switchboard::LogLevel::error, message); }
    std::string tool_owner(std::string_view tool) override { return plugin_.tool_owner(tool); }

 private:
    struct Timer {
        HostAdapter* owner;
        uint64_t id;
        std::function<void()> task;
    };
    static void fire(void* user);

    switchboard::Plugin& plugin_;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::map<uint64_t, Timer*> timers_;  // armed, not yet fired; guarded by mutex_
    int firing_ = 0;                     // timers running now; guarded by mutex_
};

}  // namespace workflow
