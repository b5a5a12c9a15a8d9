// http_api.cpp: the dashboard API under /api/v1/metrics/. GET routes take the tool arguments as
// query parameters (lists comma-separated, any dimension name as a filter) and answer JSON, or
// CSV with ?format=csv. /prometheus answers the Prometheus text exposition format.
#include "arguments.hpp"
#include "csv.hpp"
#include "record_parsing.hpp"
#include "registration.hpp"

namespace switchboard::metrics {
namespace {

using Operation = std::function<Json(const Json&)>;

// The rows a CSV export holds for each route's JSON.
Json csv_rows(const Json& result) {
    for (const char* key : {"rows", "budgets", "recommendations"})
        if (result.contains(key)) return result[key];
    return Json::array({result});
}

HttpResponse answer(const HttpRequest& request, const Json& args, const Operation& operation) {
    const std::string format = request.query_value("format", "json");
    if (format != "json" && format != "csv") throw HttpError(400, "format must be json or csv");
    Json result;
    try {
        result = operation(args);
    } catch (const InputError& e) {
        throw HttpError(400, e.what());
    }
    if (format == "csv") return HttpResponse::text(to_csv(csv_rows(result)), "text/csv; charset=utf-8");
    return HttpResponse::json(result);
}

Json query_arguments(const HttpRequest& request) {
    Json query = request.query;
    if (query.is_object()) query.erase("format");
    try {
        return arguments_from_query(query);
    } catch (const InputError& e) {
        throw HttpError(400, e.what());
    }
}

}  // namespace

bool register_http_routes(Plugin& plugin, MetricsService& service) {
    MetricsService* s = &service;
    auto get = [&](const char* path, Operation operation) {
        return plugin.add_http_route("GET", path, [operation = std::move(operation)](const HttpRequest& request) {
            return answer(request, query_arguments(request), operation);
        });
    };
    if (!get("/summary", [s](const Json& a) { return s->summary(a); })) return false;
    get("/breakdown", [s](const Json& a) { return s->breakdown(a); });
    get("/timeseries", [s](const Json& a) { return s->timeseries(a); });
    get("/forecast", [s](const Json& a) { return s->forecast(a); });
    get("/budgets", [s](const Json& a) { return s->budget_list(a); });
    get("/budgets/check", [s](const Json& a) { return s->budget_check(a); });
    get("/recommendations", [s](const Json& a) { return s->recommendations(a); });
    get("/prices", [s](const Json& a) { return s->prices(a); });
    plugin.add_http_route("POST", "/budgets", [s](const HttpRequest& request) {
        return answer(request, request.json(), [s](const Json& a) { return s->budget_set(a); });
    });
    plugin.add_http_route("POST", "/llm-calls", [s](const HttpRequest& request) {
        return answer(request, request.json(), [s](const Json& a) { return s->record_llm_call(a); });
    });
    plugin.add_http_route("GET", "/prometheus", [s](const HttpRequest&) {
        return HttpResponse::text(s->prometheus(), "text/plain; version=0.0.4; charset=utf-8");
    });
    return true;
}

}  // namespace switchboard::metrics
