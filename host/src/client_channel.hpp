// client_channel.hpp: how a session reaches its client. Each transport implements it.
#pragma once

#include <nlohmann/json.hpp>

namespace switchboard::host {

class ClientChannel {
 public:
    virtual ~ClientChannel() = default;
    // Sends one JSON-RPC message (or batch array). `related_request` is the id of the client
    // request the message belongs to (its response, progress, logs, nested requests), or null.
    // Thread-safe.
    virtual void send(const nlohmann::json& message, const nlohmann::json& related_request) = 0;
    // Ends the stream that carries `related_request`'s messages without ending the request; the
    // client resumes and gets the rest (Streamable HTTP polling). Transports without streams
    // ignore it.
    virtual void close_stream(const nlohmann::json& related_request) { (void)related_request; }
    // `request` ended without a response (the client cancelled it): whatever carried its messages
    // can end. Transports without per-request streams ignore it.
    virtual void request_dropped(const nlohmann::json& request) { (void)request; }
};

}  // namespace switchboard::host
