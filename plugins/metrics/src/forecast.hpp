// forecast.hpp: burn rate, the projected spend of a period, and the projected cost and time of a
// workflow run's remaining tasks. Every projection carries its basis: the window, the sample
// counts and the means it was computed from.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sqlite.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {

using Filters = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct BurnRate {
    int64_t window_start_ms = 0;
    int64_t window_end_ms = 0;
    int64_t calls = 0;
    double tokens = 0;  // input (with cached) + output
    double cost_usd = 0;
    double tokens_per_hour() const;
    double usd_per_hour() const;
    nlohmann::json to_json() const;
};

BurnRate burn_rate(Database& db, const Filters& filters, int64_t window_ms, int64_t now_ms);

// Spent so far in the period holding `now_ms`, plus the burn rate times the hours left in it.
nlohmann::json project_period(Database& db, const Filters& filters, Bucket period, int64_t window_ms, int64_t now_ms);

struct RemainingTask {
    std::string task;   // the task kind, as recorded in the `task` dimension
    std::string model;  // "" = any model
    int64_t count = 1;
};

// Means per task instance (the calls of one task in one run) from history; a task without
// history for its model falls back to all models, and says so.
nlohmann::json project_remaining(Database& db, const std::vector<RemainingTask>& remaining, const std::string& run);

}  // namespace switchboard::metrics
