// http_frontend.hpp: the Streamable HTTP transport's request handling.
//
// Every request passes the same gate: Host and Origin against their allowlists (403), then the
// bearer token when tokens are configured (401). Then:
//   POST/GET/DELETE <endpoint>   MCP Streamable HTTP (sessions, SSE streams, resumption)
//   /api/v1/<plugin>/...         routes plugins registered through "switchboard.http/1"
//   GET /healthz                 readiness and the loaded plugins
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config.hpp"
#include "http/http_connection.hpp"
#include "http/http_session.hpp"

namespace switchboard::host {
class Server;
class Session;
}  // namespace switchboard::host

namespace switchboard::host::http {

class PluginStreams;

class HttpFrontend : public std::enable_shared_from_this<HttpFrontend> {
 public:
    HttpFrontend(Server& server, const HttpSettings& settings);

    void handle(Request request, const std::shared_ptr<HttpConnection>& connection);
    // Expires idle sessions from now on, until shutdown.
    void start_expiry();
    // Ends every session and every plugin stream.
    void shutdown();
    size_t session_count() const;

 private:
    struct Entry {
        std::shared_ptr<HttpSession> channel;
        std::shared_ptr<Session> session;
    };

    std::optional<std::string> gate(const Request& request, Response& refusal) const;
    void handle_mcp(Request& request, const std::shared_ptr<HttpConnection>& connection);
    void post(Request& request, const std::shared_ptr<HttpConnection>& connection);
    // A JSON-RPC batch (2025-03-26 sessions only), answered with one JSON array.
    void post_batch(const nlohmann::json& batch, Request& request, const std::shared_ptr<HttpConnection>& connection);
    void get(Request& request, const std::shared_ptr<HttpConnection>& connection);
    void remove(Request& request, const std::shared_ptr<HttpConnection>& connection);
    void initialize(const std::string& body, bool sse, const std::shared_ptr<HttpConnection>& connection);
    void handle_api(Request& request, const std::shared_ptr<HttpConnection>& connection);
    void healthz(const Request& request, const std::shared_ptr<HttpConnection>& connection);
    // The session a request names, or a 400/404 written to `connection`.
    std::optional<Entry> find_session(const Request& request, const std::shared_ptr<HttpConnection>& connection);
    void end_session(const std::string& id);
    void expire_idle();
    void add_cors(const Request& request, Response& response) const;

    Server& server_;
    const HttpSettings& settings_;
    const std::shared_ptr<PluginStreams> plugin_streams_;

    mutable std::mutex mutex_;
    std::map<std::string, Entry> sessions_;  // guarded by mutex_
    bool stopped_ = false;                   // guarded by mutex_
};

}  // namespace switchboard::host::http
