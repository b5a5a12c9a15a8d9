// session.hpp: one MCP client connection, the protocol front end.
//
// A Session takes raw JSON-RPC text from its transport, runs the lifecycle (initialize, version
// negotiation, initialized), answers the host's own methods (ping, logging, lists, subscriptions)
// and hands tool calls, reads, prompts and completions to the Server's router. It also carries
// the plugin's side of the conversation back: progress, log messages and server-to-client
// requests, each sent only when the client can take it.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "client_channel.hpp"
#include "json_rpc.hpp"
#include "request.hpp"

namespace switchboard::host {

class Server;

inline constexpr const char* latest_protocol_version = "2025-11-25";
// Newest first.
inline constexpr const char* supported_protocol_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
bool is_supported_protocol_version(std::string_view version);

const char* log_level_name(sb_log_level level);

class Session : public std::enable_shared_from_this<Session> {
 public:
    Session(Server& server, std::string id, std::shared_ptr<ClientChannel> channel);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::string& id() const { return id_; }

    // One message from the client: a JSON-RPC object or, in 2025-03-26 sessions, a batch.
    void receive(std::string_view text);
    // The transport dropped a message larger than the limit; the client gets an error.
    void refuse_oversized(size_t size, size_t limit);
    // The client is gone: cancels what is in flight and fails pending client requests.
    void close();

    ClientChannel& channel() { return *channel_; }
    bool initialized() const { return state_ != State::awaiting_initialize && state_ != State::closed; }
    std::string protocol_version() const;

    // ---- for the plugin side ----
    // A message that belongs to `request` (progress, log).
    void send_related(const nlohmann::json& message, const sb_request* request);
    // A notification not tied to a request; dropped until the client initialized.
    void notify(const nlohmann::json& notification);
    bool log_enabled(sb_log_level level) const { return static_cast<int>(level) >= log_level_; }
    bool subscribed(const std::string& uri) const;
    // Sends a server-to-client request on behalf of `related`; `reply` runs on the executor.
    void client_request(std::string method, nlohmann::json params, const sb_request* related,
                        std::function<void(bool ok, nlohmann::json payload)> reply);

 private:
    enum class State { awaiting_initialize, initializing, ready, closed };
    using Reply = std::function<void(nlohmann::json response)>;
    struct PendingClientRequest {
        std::function<void(bool ok, nlohmann::json payload)> reply;
        uint64_t timer = 0;
        nlohmann::json related;  // the client's id of the request it was sent for; null if none
    };
    struct Failure {
        int code;
        std::string message;
    };

    void handle(const nlohmann::json& message, const Reply& reply);
    void handle_batch(const nlohmann::json& batch);
    void handle_request(const jsonrpc::Message& message, const Reply& reply);
    void handle_notification(const jsonrpc::Message& message);
    void handle_response(const jsonrpc::Message& message);
    nlohmann::json host_method(const jsonrpc::Message& message);  // throws Failure
    nlohmann::json initialize(const nlohmann::json& params);      // throws Failure
    nlohmann::json list(const std::string& method, const nlohmann::json& params);
    nlohmann::json subscription(const std::string& method, const nlohmann::json& params);
    void start_routed(const jsonrpc::Message& message, const Reply& reply);
    void finish_pending(int64_t id, bool ok, nlohmann::json payload);
    // The client cancelled its request `related_id`: withdraws what was sent to it on that behalf.
    void cancel_client_requests(const nlohmann::json& related_id);
    // The members of request_info that are the same for every request of the session (session,
    // protocolVersion, clientInfo, clientCapabilities) as JSON text without the braces, serialized
    // once rather than per request. Needs mutex_ held.
    const std::string& info_fields();
    void send(const nlohmann::json& message, const nlohmann::json& related = nullptr);

    Server& server_;
    const std::string id_;
    const std::shared_ptr<ClientChannel> channel_;
    std::atomic<State> state_{State::awaiting_initialize};
    std::atomic<int> log_level_{SB_LOG_INFO};

    mutable std::mutex mutex_;
    std::string protocol_version_;                                   // guarded by mutex_
    nlohmann::json client_capabilities_ = nlohmann::json::object();  // guarded by mutex_
    nlohmann::json client_info_ = nlohmann::json::object();          // guarded by mutex_
    std::string info_fields_;                                        // see info_fields(); guarded by mutex_
    std::set<std::string> subscriptions_;                            // guarded by mutex_
    std::map<std::string, std::shared_ptr<sb_request>> in_flight_;   // by dumped id; guarded by mutex_
    std::map<int64_t, PendingClientRequest> pending_;                // guarded by mutex_
    int64_t next_request_id_ = 1;                                    // guarded by mutex_
};

}  // namespace switchboard::host
