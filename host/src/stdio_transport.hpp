// stdio_transport.hpp: MCP over stdin/stdout, one JSON-RPC message per line.
//
// stdout carries protocol messages and nothing else. Reading stops at EOF or when a stop signal
// (SIGTERM, SIGINT) arrives; a line longer than the limit is dropped and answered with an error.
#pragma once

#include <mutex>

#include "client_channel.hpp"

namespace switchboard::host {

class Session;

class StdioTransport : public ClientChannel {
 public:
    StdioTransport(int input_fd, int output_fd, size_t max_message_bytes);

    void send(const nlohmann::json& message, const nlohmann::json& related_request) override;

    // Feeds each line to `session` until EOF on input or a signal on `signal_fd` (-1 for none).
    void run(Session& session, int signal_fd);

 private:
    const int input_fd_;
    const int output_fd_;
    const size_t max_message_bytes_;
    std::mutex write_mutex_;
    bool output_broken_ = false;  // guarded by write_mutex_
};

}  // namespace switchboard::host
