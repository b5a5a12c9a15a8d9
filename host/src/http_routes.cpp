// http_routes.cpp: route registration and matching for plugin HTTP APIs.
#include "http_routes.hpp"

#include <set>

#include "plugin_instance.hpp"
#include "request.hpp"
#include "session.hpp"

namespace switchboard::host {
namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> segments;
    size_t start = 1;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string::npos ? path.size() : slash;
        if (end > start) segments.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool is_param(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string text(sb_str value) { return value.size == 0 ? std::string() : std::string(value.data, value.size); }

int add_route(sb_host* host, sb_str method, sb_str path, sb_http_handler_fn handler, void* user) {
    auto refused = host->plugin->http_routes().add(text(method), text(path), handler, user);
    if (!refused) return 1;
    host->plugin->registration_refused("HTTP route refused: " + *refused);
    return 0;
}

sb_str request_info(sb_http_request* request) { return {request->info_json.data(), request->info_json.size()}; }
sb_str request_body(sb_http_request* request) { return {request->body.data(), request->body.size()}; }

void respond(sb_http_request* request, int status, sb_str content_type, sb_str body) {
    if (request->ended.exchange(true)) return;
    std::string type = content_type.size == 0 ? std::string("application/json") : text(content_type);
    // The callback may hold the last reference to `request`, so it runs from a local copy.
    auto done = std::move(request->done);
    done(status, std::move(type), text(body));
}

void close_request_stream(sb_request* request) {
    if (auto session = request->session.lock()) session->channel().close_stream(request->client_id);
}

}  // namespace

std::optional<std::string> HttpRoutes::add(std::string method, std::string path, sb_http_handler_fn handler,
                                           void* user) {
    static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    if (methods.count(method) == 0) return "method \"" + method + "\" is not one of GET, POST, PUT, PATCH, DELETE";
    if (path.empty() || path.front() != '/') return "path \"" + path + "\" must start with '/'";
    if (handler == nullptr) return "route " + method + " " + path + " has no handler";
    HttpRoute route{std::move(method), std::move(path), {}, handler, user};
    route.segments = split_path(route.path);
    std::lock_guard lock(mutex_);
    for (const auto& existing : routes_)
        if (existing.method == route.method && existing.segments == route.segments)
            return "route " + route.method + " " + route.path + " is registered twice";
    routes_.push_back(std::move(route));
    return std::nullopt;
}

std::optional<HttpRoutes::Match> HttpRoutes::match(const std::string& method, const std::string& path) const {
    const auto segments = split_path(path);
    std::lock_guard lock(mutex_);
    for (const auto& route : routes_) {
        if (route.method != method || route.segments.size() != segments.size()) continue;
        Match match{route, {}};
        bool ok = true;
        for (size_t i = 0; ok && i < segments.size(); ++i) {
            if (is_param(route.segments[i]))
                match.params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
            else
                ok = route.segments[i] == segments[i];
        }
        if (ok) return match;
    }
    return std::nullopt;
}

nlohmann::json HttpRoutes::describe() const {
    std::lock_guard lock(mutex_);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& route : routes_) out.push_back({{"method", route.method}, {"path", route.path}});
    return out;
}

const sb_http_service* http_service() {
    static const sb_http_service service = {sizeof(sb_http_service), &add_route, &request_info,
                                            &request_body,           &respond,   &close_request_stream};
    return &service;
}

}  // namespace switchboard::host
