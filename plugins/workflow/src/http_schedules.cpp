// http_schedules.cpp: the schedule routes of the HTTP API (see http_api.hpp), with the
// semantics and messages of workflow_schedule.
#include "http_api.hpp"

namespace workflow {

namespace {

using switchboard::HttpError;
using switchboard::HttpRequest;
using switchboard::HttpResponse;

int status_of(ScheduleProblem problem) {
    switch (problem) {
        case ScheduleProblem::bad_request:
            return 400;
        case ScheduleProblem::unknown_workflow:
        case ScheduleProblem::unknown_schedule:
            return 404;
        case ScheduleProblem::duplicate_id:
            return 409;
    }
    return 400;
}

HttpResponse respond(ScheduleAnswer answer, int status = 200) {
    if (answer.problem) throw HttpError(status_of(*answer.problem), answer.message);
    return HttpResponse::json(answer.value, status);
}

std::string schedule_id(const HttpRequest& request) { return request.params.value("id", ""); }

}  // namespace

void HttpApi::add_schedule_routes() {
    Schedules& schedules = schedules_;
    plugin_.add_http_route("GET", "/schedules", [&schedules](const HttpRequest&) {
        return HttpResponse::json({{"schedules", schedules.list()}});
    });
    plugin_.add_http_route("POST", "/schedules", [&schedules](const HttpRequest& request) {
        return respond(schedules.create(request.json()), 201);
    });
    plugin_.add_http_route("GET", "/schedules/{id}", [&schedules](const HttpRequest& request) {
        return respond(schedules.get(schedule_id(request)));
    });
    plugin_.add_http_route("DELETE", "/schedules/{id}", [&schedules](const HttpRequest& request) {
        ScheduleAnswer answer = schedules.remove(schedule_id(request));
        if (!answer.problem) answer.value = {{"deleted", answer.value}};
        return respond(std::move(answer));
    });
    plugin_.add_http_route("POST", "/schedules/{id}/enable", [&schedules](const HttpRequest& request) {
        return respond(schedules.set_enabled(schedule_id(request), true));
    });
    plugin_.add_http_route("POST", "/schedules/{id}/disable", [&schedules](const HttpRequest& request) {
        return respond(schedules.set_enabled(schedule_id(request), false));
    });
}

}  // namespace workflow
