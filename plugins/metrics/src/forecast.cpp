// forecast.cpp: see forecast.hpp.
#include "forecast.hpp"

#include "query.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

struct TaskHistory {
    int64_t samples = 0;
    double mean_cost_usd = 0;
    double mean_duration_ms = 0;
};

TaskHistory task_history(Database& db, const std::string& task, const std::string& model) {
    // A sample is one task instance: the calls sharing a run (or a single call without a run).
    std::string sql =
        "SELECT COUNT(*), AVG(cost), AVG(duration) FROM (SELECT SUM(COALESCE(cost_usd, 0)) AS cost, "
        "SUM(COALESCE(latency_ms, 0)) AS duration FROM llm_calls WHERE task = ? AND task <> ''";
    if (!model.empty()) sql += " AND model = ?";
    sql += " GROUP BY CASE WHEN run = '' THEN 'call:' || id ELSE 'run:' || run END)";
    Statement query = db.prepare(sql);
    query.bind(1, std::string_view(task));
    if (!model.empty()) query.bind(2, std::string_view(model));
    TaskHistory history;
    if (query.step()) {
        history.samples = query.int64(0);
        history.mean_cost_usd = query.real(1);
        history.mean_duration_ms = query.real(2);
    }
    return history;
}

}  // namespace

double BurnRate::tokens_per_hour() const {
    const double hours = static_cast<double>(window_end_ms - window_start_ms) / static_cast<double>(kHourMs);
    return hours > 0 ? tokens / hours : 0;
}

double BurnRate::usd_per_hour() const {
    const double hours = static_cast<double>(window_end_ms - window_start_ms) / static_cast<double>(kHourMs);
    return hours > 0 ? cost_usd / hours : 0;
}

Json BurnRate::to_json() const {
    return {{"tokens_per_hour", tokens_per_hour()},
            {"usd_per_hour", usd_per_hour()},
            {"basis",
             {{"window_start", iso8601(window_start_ms)},
              {"window_end", iso8601(window_end_ms)},
              {"window_hours", static_cast<double>(window_end_ms - window_start_ms) / static_cast<double>(kHourMs)},
              {"calls", calls},
              {"tokens", tokens},
              {"cost_usd", cost_usd}}}};
}

BurnRate burn_rate(Database& db, const Filters& filters, int64_t window_ms, int64_t now) {
    BurnRate rate;
    rate.window_start_ms = now - window_ms;
    rate.window_end_ms = now;
    Query query;
    query.from_ms = rate.window_start_ms;
    query.to_ms = now;
    query.filters = filters;
    QueryResult result = run_query(db, query);
    if (!result.rows.empty()) {
        const QueryRow& row = result.rows.front();
        rate.calls = static_cast<int64_t>(result.value(row, "calls"));
        rate.tokens = result.value(row, "total_input_tokens") + result.value(row, "output_tokens");
        rate.cost_usd = result.value(row, "cost_usd");
    }
    return rate;
}

Json project_period(Database& db, const Filters& filters, Bucket period, int64_t window_ms, int64_t now) {
    const int64_t start = bucket_start(period, now);
    const int64_t end = bucket_next(period, start);
    Query spent_query;
    spent_query.from_ms = start;
    spent_query.to_ms = now;
    spent_query.filters = filters;
    QueryResult spent = run_query(db, spent_query);
    const double spent_usd = spent.rows.empty() ? 0 : spent.value(spent.rows.front(), "cost_usd");
    const BurnRate rate = burn_rate(db, filters, window_ms, now);
    const double hours_left = static_cast<double>(end - now) / static_cast<double>(kHourMs);
    return {{"period", bucket_name(period)},
            {"period_start", iso8601(start)},
            {"period_end", iso8601(end)},
            {"spent_usd", spent_usd},
            {"hours_left", hours_left},
            {"projected_total_usd", spent_usd + rate.usd_per_hour() * hours_left},
            {"burn_rate", rate.to_json()},
            {"method", "spent so far in the period + usd_per_hour over the window x hours left"}};
}

Json project_remaining(Database& db, const std::vector<RemainingTask>& remaining, const std::string& run) {
    Json items = Json::array();
    double total_cost = 0;
    double total_duration = 0;
    int64_t without_history = 0;
    for (const RemainingTask& item : remaining) {
        TaskHistory history = task_history(db, item.task, item.model);
        std::string basis = item.model.empty() ? "task on any model" : "task on this model";
        if (history.samples == 0 && !item.model.empty()) {
            history = task_history(db, item.task, "");
            basis = "task on any model (no history on this model)";
        }
        Json entry = {{"task", item.task},
                      {"model", item.model},
                      {"count", item.count},
                      {"basis",
                       {{"samples", history.samples},
                        {"mean_cost_usd", history.mean_cost_usd},
                        {"mean_duration_ms", history.mean_duration_ms},
                        {"history", history.samples > 0 ? basis : "none"}}}};
        if (history.samples == 0) {
            ++without_history;
            entry["projected_cost_usd"] = nullptr;
            entry["projected_duration_ms"] = nullptr;
        } else {
            const double cost = history.mean_cost_usd * static_cast<double>(item.count);
            const double duration = history.mean_duration_ms * static_cast<double>(item.count);
            entry["projected_cost_usd"] = cost;
            entry["projected_duration_ms"] = duration;
            total_cost += cost;
            total_duration += duration;
        }
        items.push_back(std::move(entry));
    }
    Json result = {{"items", items},
                   {"projected_cost_usd", total_cost},
                   {"projected_duration_ms", total_duration},
                   {"tasks_without_history", without_history},
                   {"method",
                    "per task: count x the mean cost and LLM time of one past instance of the task (its calls within "
                    "one run); durations add up as if the tasks ran one after another"}};
    if (!run.empty()) {
        Query spent;
        spent.filters = {{"run", {run}}};
        QueryResult so_far = run_query(db, spent);
        const double spent_usd = so_far.rows.empty() ? 0 : so_far.value(so_far.rows.front(), "cost_usd");
        result["run"] = run;
        result["spent_usd"] = spent_usd;
        result["projected_run_total_usd"] = spent_usd + total_cost;
    }
    return result;
}

}  // namespace switchboard::metrics
