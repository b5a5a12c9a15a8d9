// metrics_service.cpp: see metrics_service.hpp.
#include "metrics_service.hpp"

#include <cmath>

#include "arguments.hpp"
#include "budgets.hpp"
#include "forecast.hpp"
#include "llm_call_text.hpp"
#include "record_parsing.hpp"
#include "recommendations.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

Json empty_to_null(const std::string& text) { return text.empty() ? Json() : Json(text); }

// One result row as a flat object: dimensions, bucket, measures and derived ratios.
Json row_json(const QueryResult& result, const QueryRow& row) {
    Json out = Json::object();
    for (size_t i = 0; i < result.group_by.size(); ++i) out[result.group_by[i]] = empty_to_null(row.key[i]);
    if (row.bucket_ms) out["bucket"] = iso8601(*row.bucket_ms);
    const auto& measures = result.source->measures;
    for (size_t i = 0; i < measures.size(); ++i) {
        const double value = row.values[i];
        if (measures[i].integral)
            out[std::string(measures[i].name)] = static_cast<int64_t>(value);
        else
            out[std::string(measures[i].name)] = value;
    }
    const double calls = result.value(row, "calls");
    out["error_rate"] = calls > 0 ? result.value(row, "errors") / calls : 0.0;
    if (result.source == &llm_source()) {
        const double latency_count = result.value(row, "latency_count");
        out["avg_latency_ms"] = latency_count > 0 ? Json(result.value(row, "latency_ms_sum") / latency_count) : Json();
        const double input = result.value(row, "total_input_tokens");
        out["cache_hit_ratio"] = input > 0 ? result.value(row, "cache_read_tokens") / input : 0.0;
    } else {
        out["avg_duration_ms"] = calls > 0 ? result.value(row, "duration_ms_sum") / calls : 0.0;
    }
    return out;
}

Json totals_json(const QueryResult& result) {
    if (result.rows.empty()) {
        QueryRow zero;
        zero.values.assign(result.source->measures.size(), 0.0);
        return row_json(result, zero);
    }
    return row_json(result, result.rows.front());
}

Json top(Database& db, const SourceSpec& source, const std::string& dim, const TimeRange& range, size_t limit) {
    Query query;
    query.source = &source;
    query.group_by = {dim};
    query.from_ms = range.from_ms;
    query.to_ms = range.to_ms;
    query.limit = limit;
    QueryResult result = run_query(db, query);
    Json rows = Json::array();
    for (const QueryRow& row : result.rows) rows.push_back(row_json(result, row));
    return rows;
}

}  // namespace

MetricsService::MetricsService(const std::string& db_path, MetricsConfig config, LoadedPrices prices, Publish publish,
                               Clock clock)
    : config_(std::move(config)),
      prices_(std::move(prices)),
      publish_(std::move(publish)),
      clock_(clock ? std::move(clock) : Clock(&now_ms)),
      store_(db_path),
      recorder_(store_, prices_.table) {
    store_.with_db_as_stored([this](Database& db) {
        prometheus_.load(db);
        budgets_exist_ = !list_budgets(db).empty();
    });
}

void MetricsService::on_tool_called_text(std::string_view payload_json) {
    recorder_.add_tool_event(now(), payload_json);
}

void MetricsService::on_tool_called(const Json& payload) { recorder_.add_tool_call(parse_tool_called(payload, now())); }

std::optional<std::string> MetricsService::on_llm_call_completed(const Json& payload) {
    try {
        recorder_.add_llm_call(parse_llm_call(payload, now()));
        return std::nullopt;
    } catch (const InputError& e) {
        return std::string(e.what());
    }
}

std::optional<std::string> MetricsService::on_llm_call_completed_text(std::string_view payload_json) {
    try {
        recorder_.add_llm_call(parse_llm_call_text(payload_json, now()));
        return std::nullopt;
    } catch (const InputError& e) {
        return std::string(e.what());
    }
}

void MetricsService::flush() {
    Recorder::Batch written = recorder_.flush();
    written.llm_calls.for_each([this](const LlmCall& call) { prometheus_.observe(call); });
    for (const ToolCall& call : written.tool_calls) prometheus_.observe(call);
    const bool spent = !written.llm_calls.empty();  // only LLM spend moves budgets
    recorder_.recycle(std::move(written));
    if (!spent || !budgets_exist_) return;
    std::vector<BudgetEvent> events = store_.with_db([this](Database& db) { return evaluate_budgets(db, now()); });
    if (publish_)
        for (const BudgetEvent& event : events) publish_(event.topic, event.payload);
}

void MetricsService::sync() {
    flush();
    store_.sync_rollups();
}

Json MetricsService::record_llm_call(const Json& args) {
    const LlmCall call = recorder_.add_llm_call_priced(parse_llm_call(args, now()));
    flush();
    Json result = {{"recorded", true},
                   {"timestamp", iso8601(call.ts_ms)},
                   {"provider", call.dim(LlmDim::provider)},
                   {"model", call.dim(LlmDim::model)},
                   {"cost_usd", call.cost_usd ? Json(*call.cost_usd) : Json()},
                   {"cost_source", cost_source_name(call.cost_source)},
                   {"price_key", empty_to_null(call.price_key)},
                   {"price_version", empty_to_null(call.price_version)}};
    if (call.cost_source == CostSource::unknown_model)
        result["note"] = "no price for model \"" + call.dim(LlmDim::model) +
                         "\": recorded with cost null; add it with price_overrides or a newer prices_file, or report "
                         "cost_usd";
    else if (call.cost_source == CostSource::no_token_price)
        result["note"] = "the price entry \"" + call.price_key + "\" has no per-token prices: recorded with cost null";
    result["budgets"] = store_.with_db([&](Database& db) {
        Json statuses = Json::array();
        for (const BudgetStatus& status : check_budgets(db, call.dim(LlmDim::project), call.dim(LlmDim::agent),
                                                        call.dim(LlmDim::team), call.dim(LlmDim::model), now()))
            statuses.push_back(status.to_json());
        return statuses;
    });
    return result;
}

Json MetricsService::query_json(const Json& args, bool time_series) {
    flush();  // read what was recorded so far
    const Query query = query_arg(args, time_series, now());
    return store_.with_db([&](Database& db) {
        QueryResult result = run_query(db, query);
        Json rows = Json::array();
        for (const QueryRow& row : result.rows) rows.push_back(row_json(result, row));
        Json out = {{"source", std::string(query.source->name)},
                    {"group_by", query.group_by},
                    {"from", query.from_ms ? Json(iso8601(*query.from_ms)) : Json()},
                    {"to", query.to_ms ? Json(iso8601(*query.to_ms)) : Json()},
                    {"rows", rows},
                    {"plan", result.plan}};
        if (query.bucket) out["bucket"] = std::string(bucket_name(*query.bucket));
        return out;
    });
}

Json MetricsService::breakdown(const Json& args) { return query_json(args, false); }
Json MetricsService::timeseries(const Json& args) { return query_json(args, true); }

Json MetricsService::summary(const Json& args) {
    flush();
    const TimeRange range = time_range_arg(args, now());
    const auto limit = static_cast<size_t>(number_arg(args, "limit").value_or(5));
    return store_.with_db([&](Database& db) {
        Query llm;
        llm.from_ms = range.from_ms;
        llm.to_ms = range.to_ms;
        Query tools = llm;
        tools.source = &tool_source();
        return Json{{"from", range.from_ms ? Json(iso8601(*range.from_ms)) : Json()},
                    {"to", range.to_ms ? Json(iso8601(*range.to_ms)) : Json()},
                    {"llm", totals_json(run_query(db, llm))},
                    {"tools", totals_json(run_query(db, tools))},
                    {"top_models", top(db, llm_source(), "model", range, limit)},
                    {"top_projects", top(db, llm_source(), "project", range, limit)},
                    {"top_agents", top(db, llm_source(), "agent", range, limit)},
                    {"top_tools", top(db, tool_source(), "tool", range, limit)},
                    {"price_version", recorder_.price_version()}};
    });
}

Json MetricsService::forecast(const Json& args) {
    flush();
    const Filters filters = filters_arg(args);
    const double window_hours =
        number_arg(args, "window_hours").value_or(static_cast<double>(config_.burn_window_hours));
    if (window_hours <= 0) throw InputError("window_hours must be a positive number of hours");
    const auto window_ms = static_cast<int64_t>(window_hours * 3600 * 1000);
    const std::string period_name = string_arg(args, "period", "month");
    const auto period = parse_bucket(period_name);
    if (!period || *period == Bucket::hour)
        throw InputError("period must be day, week or month; got \"" + period_name + "\"");
    std::vector<RemainingTask> remaining;
    if (auto found = args.find("remaining"); found != args.end() && !found->is_null()) {
        if (!found->is_array()) throw InputError("remaining must be an array of {task, model?, count?}");
        for (const Json& item : *found) {
            if (!item.is_object() || !item.contains("task") || !item["task"].is_string())
                throw InputError("each remaining item needs task (a string: the task kind as recorded)");
            RemainingTask task{item["task"].get<std::string>(), string_arg(item, "model"), 1};
            if (auto count = number_arg(item, "count")) {
                if (*count < 0 || *count != std::floor(*count))
                    throw InputError("count must be an integer, zero or more");
                task.count = static_cast<int64_t>(*count);
            }
            remaining.push_back(std::move(task));
        }
    }
    const std::string run = string_arg(args, "run");
    return store_.with_db([&](Database& db) {
        const int64_t at = now();
        Json out = {{"burn_rate", burn_rate(db, filters, window_ms, at).to_json()},
                    {"period_projection", project_period(db, filters, *period, window_ms, at)}};
        Json filter_json = Json::object();
        for (const auto& [dim, values] : filters) filter_json[dim] = values;
        out["filters"] = filter_json;
        if (!remaining.empty() || !run.empty()) out["remaining_work"] = project_remaining(db, remaining, run);
        return out;
    });
}

Json MetricsService::budget_set(const Json& args) {
    flush();
    if (auto found = args.find("remove"); found != args.end() && found->is_boolean() && found->get<bool>()) {
        const auto id = number_arg(args, "id");
        if (!id) throw InputError("remove needs the id of the budget (see metrics_budget_list)");
        const bool removed = store_.with_db([&](Database& db) { return delete_budget(db, static_cast<int64_t>(*id)); });
        if (!removed) throw InputError("no budget has id " + std::to_string(static_cast<int64_t>(*id)));
        budgets_exist_ = store_.with_db_as_stored([](Database& db) { return !list_budgets(db).empty(); });
        return {{"removed", true}, {"id", static_cast<int64_t>(*id)}};
    }
    Budget budget;
    budget.scope = string_arg(args, "scope", "project");
    budget.scope_value = string_arg(args, "scope_value");
    budget.period = string_arg(args, "period", "month");
    const auto limit = number_arg(args, "limit_usd");
    if (!limit) throw InputError("limit_usd is required: the budget in US dollars per period");
    budget.limit_usd = *limit;
    budget.warn_ratio = number_arg(args, "warn_ratio").value_or(kDefaultWarnRatio);
    std::vector<BudgetEvent> events;
    Json status = store_.with_db([&](Database& db) {
        const Budget saved = set_budget(db, budget, now());
        budgets_exist_ = true;
        events = evaluate_budgets(db, now());  // a budget set below current spend fires at once
        return budget_status(db, saved, now()).to_json();
    });
    if (publish_)
        for (const BudgetEvent& event : events) publish_(event.topic, event.payload);
    return {{"budget", status}};
}

Json MetricsService::budget_list(const Json&) {
    flush();
    return store_.with_db([&](Database& db) {
        Json budgets = Json::array();
        for (const Budget& budget : list_budgets(db)) budgets.push_back(budget_status(db, budget, now()).to_json());
        return Json{{"budgets", budgets}};
    });
}

Json MetricsService::budget_check(const Json& args) {
    flush();
    // Accept both {project: ...} and {filters: {project: ...}} (the HTTP form).
    auto pick = [&](const char* name) {
        std::string value = string_arg(args, name);
        if (value.empty() && args.contains("filters") && args["filters"].contains(name)) {
            const Json& filter = args["filters"][name];
            value = filter.is_array() && !filter.empty() ? filter[0].get<std::string>() : filter.get<std::string>();
        }
        return value;
    };
    const std::string project = pick("project"), agent = pick("agent"), team = pick("team"), model = pick("model");
    return store_.with_db([&](Database& db) {
        Json budgets = Json::array();
        bool allowed = true;
        std::string worst = "ok";
        for (const BudgetStatus& status : check_budgets(db, project, agent, team, model, now())) {
            const std::string state = status.state();
            if (state == "exceeded") allowed = false;
            if (state == "exceeded" || (state == "warning" && worst == "ok")) worst = state;
            budgets.push_back(status.to_json());
        }
        return Json{{"allowed", allowed}, {"state", worst}, {"budgets", budgets}};
    });
}

Json MetricsService::recommendations(const Json& args) {
    flush();
    RecommendationOptions options = config_.recommendations;
    if (auto hours = number_arg(args, "window_hours")) {
        if (*hours <= 0) throw InputError("window_hours must be a positive number of hours");
        options.window_ms = static_cast<int64_t>(*hours * 3600 * 1000);
    }
    if (auto samples = number_arg(args, "min_samples")) {
        if (*samples < 1) throw InputError("min_samples must be 1 or more");
        options.min_samples = static_cast<int64_t>(*samples);
    }
    return store_.with_db([&](Database& db) { return recommend(db, options, now()); });
}

Json MetricsService::prices(const Json& args) {
    const std::string model = string_arg(args, "model");
    const std::string provider = string_arg(args, "provider");
    const std::string search = string_arg(args, "search");
    const auto limit = static_cast<size_t>(number_arg(args, "limit").value_or(50));
    Json out = {{"version", recorder_.price_version()},
                {"default_table_date", std::string(default_prices_date())},
                {"sources", prices_.sources},
                {"warnings", prices_.warnings},
                {"models_total", prices_.table.size()}};
    Json entries = Json::object();
    if (!model.empty()) {
        const ModelPrice* price = prices_.table.find(provider, model);
        out["match"] = price != nullptr ? Json(price->key) : Json();
        if (price != nullptr) entries[price->key] = price->to_json();
    } else {
        for (const auto& [key, price] : prices_.table.entries()) {
            if (!search.empty() && key.find(search) == std::string::npos) continue;
            if (!provider.empty() && price.provider != provider) continue;
            if (entries.size() >= limit) {
                out["truncated"] = true;
                break;
            }
            entries[key] = price.to_json();
        }
    }
    out["prices"] = entries;
    return out;
}

std::string MetricsService::prometheus() {
    flush();
    std::vector<BudgetStatus> statuses = store_.with_db([&](Database& db) {
        std::vector<BudgetStatus> all;
        for (const Budget& budget : list_budgets(db)) all.push_back(budget_status(db, budget, now()));
        return all;
    });
    return prometheus_.render(statuses);
}

}  // namespace switchboard::metrics
