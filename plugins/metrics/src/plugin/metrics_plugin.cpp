// metrics_plugin.cpp: the metrics plugin. Records host.tool.called and llm.call.completed events
// into an in-memory queue and writes the queue to SQLite in batches from the blocking pool: every
// flush_interval_ms, at once when flush_batch records wait, before every query, and at shutdown.
//
// host.tool.called is taken inline on the thread that answered the tool call (the host's
// subscribe_inline): the handler copies the event text into the queue and returns, so recording
// costs the call path a string copy and no thread wake-up.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "config.hpp"
#include "metrics_service.hpp"
#include "registration.hpp"

namespace switchboard::metrics {
namespace {

class MetricsPlugin : public Plugin {
 public:
    explicit MetricsPlugin(const sb_host_api* api) : Plugin(api), config_(parse_config(config())) {
        LoadedPrices prices = load_prices(config_);
        for (const std::string& warning : prices.warnings) log(LogLevel::warning, "metrics: " + warning);
        service_ = std::make_unique<MetricsService>(
            data_dir() + "/metrics.db", config_, std::move(prices),
            [this](const std::string& topic, const Json& payload) { publish(topic, payload); });

        register_tools(*this, *service_);
        register_http_routes(*this, *service_);
        if (config_.record_tool_calls)
            subscribe_text(
                "host.tool.called",
                [this](std::string_view, std::string_view payload) {
                    service_->on_tool_called_text(payload);
                    flush_soon_if_full();
                },
                Delivery::inline_);
        // As text: the record is read straight from it, with no JSON tree in between.
        subscribe_text(
            "llm.call.completed",
            [this](std::string_view, std::string_view payload) {
                if (auto problem = service_->on_llm_call_completed_text(payload))
                    log(LogLevel::warning, "metrics: dropped an llm.call.completed event: " + *problem);
                flush_soon_if_full();
            },
            Delivery::executor);
        arm_timer();
    }

    ~MetricsPlugin() override {
        stopping_ = true;
        {
            std::lock_guard lock(timer_mutex_);
            if (timer_id_ != 0) api()->cancel_timer(api()->host, timer_id_);
        }
        // The host stops its executor before destroying plugins: nothing else runs now.
        flush_logging_errors(/*with_rollups=*/true);
    }

 private:
    void flush_logging_errors(bool with_rollups = false) {
        try {
            if (with_rollups)
                service_->sync();
            else
                service_->flush();
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string("metrics: writing records failed, will retry: ") + e.what());
        }
        const uint64_t dropped = service_->dropped();
        if (dropped > dropped_logged_.exchange(dropped))
            log(LogLevel::error, "metrics: the record queue was full (writes failing?); " + std::to_string(dropped) +
                                     " records dropped since start");
    }

    void flush_soon_if_full() {
        if (service_->pending() < static_cast<size_t>(config_.flush_batch) || flush_posted_.exchange(true)) return;
        post_blocking([this] {
            flush_posted_ = false;
            if (!stopping_) flush_logging_errors();
        });
    }

    void arm_timer() {
        std::lock_guard lock(timer_mutex_);
        if (stopping_) return;
        timer_id_ = api()->post_after(api()->host, static_cast<uint64_t>(config_.flush_interval_ms), &on_timer, this);
    }

    // On an executor thread: hand the write to the blocking pool, then wait for the next tick.
    static void on_timer(void* user) {
        auto* self = static_cast<MetricsPlugin*>(user);
        if (self->stopping_) return;
        self->post_blocking([self] {
            if (self->stopping_) return;
            self->flush_logging_errors();
            self->arm_timer();
        });
    }

    const MetricsConfig config_;
    std::unique_ptr<MetricsService> service_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> flush_posted_{false};
    std::atomic<uint64_t> dropped_logged_{0};
    std::mutex timer_mutex_;
    uint64_t timer_id_ = 0;  // guarded by timer_mutex_
};

}  // namespace
}  // namespace switchboard::metrics

SWITCHBOARD_PLUGIN(switchboard::metrics::MetricsPlugin, "metrics", "0.1.0",
                   "Cost, time and usage of LLM calls and tool calls, with budgets, projections and recommendations.")
