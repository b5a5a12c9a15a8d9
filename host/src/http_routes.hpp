// http_routes.hpp: the HTTP routes a plugin registers through "switchboard.http/1".
//
// Routes are kept per plugin, relative to /api/v1/<plugin-id>. The HTTP transport matches a
// request against them and hands it to the plugin as an sb_http_request.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchboard/ext/http.h"

namespace switchboard::host {

// Where a plugin's streamed response goes; the HTTP transport implements it (PluginStream).
class HttpStreamSink {
 public:
    using Fields = std::vector<std::pair<std::string, std::string>>;
    virtual ~HttpStreamSink() = default;
    // Sends the head. `on_closed` runs at most once, when the client can no longer be reached,
    // and never after end() returned. False when the sink refuses (the server is stopping).
    virtual bool begin(int status, std::string content_type, Fields fields, std::function<void()> on_closed) = 0;
    // Queues one piece of the body; false once the stream is closed.
    virtual bool write(std::string bytes) = 0;
    // Ends the body; waits for an on_closed running on another thread.
    virtual void end() = 0;
};

}  // namespace switchboard::host

// One HTTP request handed to a plugin; ends with http_respond, or http_stream_end after
// http_stream_begin.
struct sb_http_request {
    std::string info_json;
    std::string body;
    std::atomic<bool> ended{false};
    std::atomic<bool> streaming{false};
    // Answers with a whole response; holds the last reference to the request.
    std::function<void(int status, std::string content_type, std::string body)> done;
    // Set by a transport that can stream; null otherwise.
    std::shared_ptr<switchboard::host::HttpStreamSink> stream;
};

namespace switchboard::host {

struct HttpRoute {
    std::string method;
    std::string path;  // as registered, "/graph/{id}"
    std::vector<std::string> segments;
    sb_http_handler_fn handler = nullptr;
    void* user = nullptr;
};

class HttpRoutes {
 public:
    // Returns the reason when refused.
    std::optional<std::string> add(std::string method, std::string path, sb_http_handler_fn handler, void* user);

    struct Match {
        HttpRoute route;
        std::map<std::string, std::string> params;
    };
    // `path` is relative to /api/v1/<plugin-id>, starting with '/'.
    std::optional<Match> match(const std::string& method, const std::string& path) const;
    // [{"method", "path"}], for --validate-plugin and /healthz.
    nlohmann::json describe() const;

 private:
    mutable std::mutex mutex_;
    std::vector<HttpRoute> routes_;  // guarded by mutex_
};

// The service table handed out for SB_HTTP_SERVICE_ID.
const sb_http_service* http_service();

}  // namespace switchboard::host
