// http_session.hpp: the client side of one Streamable HTTP session: the streams that reach it.
//
// It is the Session's ClientChannel. A message for the client goes to the stream of the POST
// request it belongs to (as SSE, or as that POST's JSON body), and otherwise to the standalone
// GET stream, buffered for replay until a client reads it.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client_channel.hpp"
#include "http/event_streams.hpp"

namespace switchboard::host::http {

class HttpSession : public ClientChannel {
 public:
    using JsonReply = std::function<void(const nlohmann::json& response)>;

    HttpSession(std::string id, size_t max_events, uint64_t retry_ms);

    const std::string& id() const { return id_; }
    EventStreams& streams() { return streams_; }

    // Routes the answer to request `id` (and what belongs to it) to a new SSE stream; returns its
    // id. False when a request with that id is already in flight.
    std::optional<uint64_t> expect_stream(const nlohmann::json& id);
    // Routes the answer to request `id` to `reply`, as a JSON body.
    bool expect_json(const nlohmann::json& id, JsonReply reply);

    void send(const nlohmann::json& message, const nlohmann::json& related_request) override;
    void close_stream(const nlohmann::json& related_request) override;
    void request_dropped(const nlohmann::json& request) override;

    void touch() { last_active_ = std::chrono::steady_clock::now().time_since_epoch().count(); }
    bool idle_longer_than(std::chrono::milliseconds limit) const;
    // Closes the streams and forgets the routes; the session is over.
    void terminate();

 private:
    struct Route {
        uint64_t stream = 0;  // SSE stream, when json is empty
        JsonReply json;
    };

    const std::string id_;
    EventStreams streams_;
    std::atomic<int64_t> last_active_;

    std::mutex mutex_;
    std::map<std::string, Route> routes_;  // by dumped request id; guarded by mutex_
};

}  // namespace switchboard::host::http
