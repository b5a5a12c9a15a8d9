// http_routes.cpp: route registration and matching for plugin HTTP APIs.
#include "http_routes.hpp"

#include <cctype>
#include <set>
#include <string_view>

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

void stream_end(sb_http_request* request);

void respond(sb_http_request* request, int status, sb_str content_type, sb_str body) {
    if (request->streaming) return stream_end(request);  // a streamed body cannot become a whole one
    if (request->ended.exchange(true)) return;
    std::string type = content_type.size == 0 ? std::string("application/json") : text(content_type);
    // The callback may hold the last reference to `request`, so it runs from a local copy.
    auto done = std::move(request->done);
    done(status, std::move(type), text(body));
}

void close_request_stream(sb_request* request) {
    if (auto session = request->session.lock()) session->channel().close_stream(request->client_id);
}

// Header fields a plugin may set on a streamed response: tokens for names, no line breaks in
// values, and none of the fields that frame the message (the host owns those).
std::optional<HttpStreamSink::Fields> parse_fields(sb_str headers_json) {
    HttpStreamSink::Fields fields;
    if (headers_json.size == 0) return fields;
    const nlohmann::json parsed = nlohmann::json::parse(text(headers_json), nullptr, false);
    if (!parsed.is_object()) return std::nullopt;
    static const std::set<std::string> framing = {"content-length", "transfer-encoding", "connection", "content-type"};
    for (const auto& [name, value] : parsed.items()) {
        if (!value.is_string() || name.empty()) return std::nullopt;
        std::string lower;
        for (unsigned char c : name) {
            if (!std::isalnum(c) &&
                std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
                return std::nullopt;
            lower += static_cast<char>(std::tolower(c));
        }
        const std::string field_value = value.get<std::string>();
        if (framing.count(lower) != 0 || field_value.find_first_of("\r\n", 0, 3) != std::string::npos)
            return std::nullopt;
        fields.emplace_back(name, field_value);
    }
    return fields;
}

int stream_begin(sb_http_request* request, int status, sb_str content_type, sb_str headers_json,
                 sb_http_stream_closed_fn on_closed, void* user) {
    if (request->stream == nullptr || request->ended || request->streaming || status < 100 || status > 599) return 0;
    auto fields = parse_fields(headers_json);
    if (!fields) return 0;
    std::string type = content_type.size == 0 ? std::string("text/event-stream") : text(content_type);
    std::function<void()> closed;
    if (on_closed != nullptr) closed = [on_closed, user] { on_closed(user); };
    // Set first: on_closed may run, and the plugin end the stream, before begin() returns.
    request->streaming = true;
    if (request->stream->begin(status, std::move(type), std::move(*fields), std::move(closed))) return 1;
    request->streaming = false;  // a refused begin changed nothing
    return 0;
}

int stream_write(sb_http_request* request, sb_str bytes) {
    if (!request->streaming || request->ended) return 0;
    if (bytes.size == 0) return 1;  // an empty chunk would end the body
    return request->stream->write(text(bytes)) ? 1 : 0;
}

void stream_end(sb_http_request* request) {
    if (!request->streaming) {  // given up before streaming: the client learns something went wrong
        static constexpr std::string_view body = R"({"error":"the plugin ended the request without answering"})";
        return respond(request, 500, {}, {body.data(), body.size()});
    }
    if (request->ended.exchange(true)) return;
    auto sink = request->stream;
    // `done` holds the last reference to `request`: release it after the sink ended.
    auto done = std::move(request->done);
    sink->end();
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
    static const sb_http_service service = {sizeof(sb_http_service), &add_route,    &request_info,
                                            &request_body,           &respond,      &close_request_stream,
                                            &stream_begin,           &stream_write, &stream_end};
    return &service;
}

}  // namespace switchboard::host
