// http_session.cpp: routing a session's outgoing messages to its streams.
#include "http/http_session.hpp"

namespace switchboard::host::http {

using nlohmann::json;

HttpSession::HttpSession(std::string id, size_t max_events, uint64_t retry_ms)
    : id_(std::move(id)), streams_(max_events, retry_ms) {
    touch();
}

std::optional<uint64_t> HttpSession::expect_stream(const json& id) {
    std::lock_guard lock(mutex_);
    const std::string key = id.dump();
    if (routes_.count(key) != 0) return std::nullopt;
    const uint64_t stream = streams_.open_stream();
    routes_[key] = Route{stream, {}};
    return stream;
}

bool HttpSession::expect_json(const json& id, JsonReply reply) {
    std::lock_guard lock(mutex_);
    return routes_.emplace(id.dump(), Route{0, std::move(reply)}).second;
}

void HttpSession::send(const json& message, const json& related) {
    const std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
    std::unique_lock lock(mutex_);
    auto found = related.is_null() ? routes_.end() : routes_.find(related.dump());
    if (found == routes_.end()) {
        lock.unlock();
        streams_.append(EventStreams::standalone, text, false);
        return;
    }
    const bool final =
        message.contains("id") && message["id"] == related && (message.contains("result") || message.contains("error"));
    Route route = found->second;
    if (final) routes_.erase(found);
    lock.unlock();
    if (route.json) {
        // A JSON-mode request gets its answer as the POST body; what else belongs to it goes out
        // on the standalone stream.
        if (final)
            route.json(message);
        else
            streams_.append(EventStreams::standalone, text, false);
        return;
    }
    streams_.append(route.stream, text, final);
}

void HttpSession::close_stream(const json& related) {
    std::unique_lock lock(mutex_);
    auto found = routes_.find(related.dump());
    if (found == routes_.end() || found->second.json) return;
    const uint64_t stream = found->second.stream;
    lock.unlock();
    streams_.disconnect(stream);
}

void HttpSession::request_dropped(const json& request) {
    std::unique_lock lock(mutex_);
    auto found = routes_.find(request.dump());
    if (found == routes_.end()) return;
    const Route route = std::move(found->second);
    routes_.erase(found);
    lock.unlock();
    if (!route.json) streams_.end_stream(route.stream);
}

bool HttpSession::idle_longer_than(std::chrono::milliseconds limit) const {
    if (streams_.has_live_sinks()) return false;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::chrono::steady_clock::duration(now - last_active_.load()) > limit;
}

void HttpSession::terminate() {
    streams_.close_all();
    std::lock_guard lock(mutex_);
    routes_.clear();
}

}  // namespace switchboard::host::http
