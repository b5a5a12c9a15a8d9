// metrics_service.hpp: the operations behind the MCP tools and the HTTP API, JSON in and out,
// independent of both. Owns the store, the recorder and the Prometheus state.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "config.hpp"
#include "prometheus.hpp"
#include "recorder.hpp"
#include "store.hpp"

namespace switchboard::metrics {

class MetricsService {
 public:
    using Publish = std::function<void(const std::string& topic, const nlohmann::json& payload)>;
    using Clock = std::function<int64_t()>;

    // Opens `db_path`; throws on a bad database. `publish` sends bus events (budget crossings).
    MetricsService(const std::string& db_path, MetricsConfig config, LoadedPrices prices, Publish publish,
                   Clock clock = {});

    // ---- the write path ----
    // Cheap: queues a host.tool.called event, as the host's JSON text (parsed at flush).
    void on_tool_called_text(std::string_view payload_json);
    void on_tool_called(const nlohmann::json& payload);
    // Queues an llm.call.completed event; a bad one is dropped and the reason returned.
    std::optional<std::string> on_llm_call_completed(const nlohmann::json& payload);
    // The same from the event's JSON text (the bus's form), read without building a JSON tree.
    std::optional<std::string> on_llm_call_completed_text(std::string_view payload_json);
    // Writes the queue, updates the Prometheus state and fires due budget events. The queue's
    // rollups follow when due (Store); a query writes them first.
    void flush();
    // flush(), then every rollup delta: what a clean shutdown does.
    void sync();
    size_t pending() const { return recorder_.pending(); }
    uint64_t dropped() const { return recorder_.dropped(); }

    // ---- operations; throw InputError on bad arguments ----
    nlohmann::json record_llm_call(const nlohmann::json& args);
    nlohmann::json summary(const nlohmann::json& args);
    nlohmann::json breakdown(const nlohmann::json& args);
    nlohmann::json timeseries(const nlohmann::json& args);
    nlohmann::json forecast(const nlohmann::json& args);
    nlohmann::json budget_set(const nlohmann::json& args);
    nlohmann::json budget_list(const nlohmann::json& args);
    nlohmann::json budget_check(const nlohmann::json& args);
    nlohmann::json recommendations(const nlohmann::json& args);
    nlohmann::json prices(const nlohmann::json& args);
    std::string prometheus();

    const MetricsConfig& config() const { return config_; }
    const LoadedPrices& loaded_prices() const { return prices_; }

 private:
    nlohmann::json query_json(const nlohmann::json& args, bool time_series);
    int64_t now() const { return clock_(); }

    const MetricsConfig config_;
    const LoadedPrices prices_;
    Publish publish_;
    Clock clock_;
    Store store_;
    Recorder recorder_;
    PrometheusState prometheus_;
    // Whether any budget exists: only then does a flush need current rollups, to evaluate them.
    std::atomic<bool> budgets_exist_{false};
};

}  // namespace switchboard::metrics
