// test_support.hpp: a MetricsService on an in-memory database with a settable clock and a
// record of published events.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "metrics_service.hpp"
#include "time_util.hpp"

namespace switchboard::metrics::testing {

struct Harness {
    explicit Harness(const std::string& db_path = ":memory:", MetricsConfig config = {}) {
        service = std::make_unique<MetricsService>(
            db_path, config, load_prices(config),
            [this](const std::string& topic, const nlohmann::json& payload) { events.emplace_back(topic, payload); },
            [this] { return now; });
    }

    // Records an LLM call with a reported cost at the current clock.
    nlohmann::json spend(double usd, nlohmann::json fields = nlohmann::json::object()) {
        fields["model"] = fields.value("model", "claude-sonnet-4-5");
        fields["provider"] = fields.value("provider", "anthropic");
        fields["cost_usd"] = usd;
        return service->record_llm_call(fields);
    }

    size_t count(const std::string& topic) const {
        size_t n = 0;
        for (const auto& event : events) n += event.first == topic ? 1 : 0;
        return n;
    }

    int64_t now = *parse_time("2026-03-10T12:00:00Z");
    std::vector<std::pair<std::string, nlohmann::json>> events;
    std::unique_ptr<MetricsService> service;
};

}  // namespace switchboard::metrics::testing
