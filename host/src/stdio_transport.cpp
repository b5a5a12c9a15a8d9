// stdio_transport.cpp: line framing over file descriptors.
#include "stdio_transport.hpp"

#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "session.hpp"

namespace switchboard::host {

StdioTransport::StdioTransport(int input_fd, int output_fd, size_t max_message_bytes)
    : input_fd_(input_fd), output_fd_(output_fd), max_message_bytes_(max_message_bytes) {}

void StdioTransport::send(const nlohmann::json& message, const nlohmann::json&) {
    std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
    std::lock_guard lock(write_mutex_);
    if (output_broken_) return;
    size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(output_fd_, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            output_broken_ = true;
            spdlog::error("stdout is closed ({}); dropping further output", std::strerror(errno));
            return;
        }
        written += static_cast<size_t>(n);
    }
}

void StdioTransport::run(Session& session, int signal_fd) {
    std::string pending;   // bytes of the line being read
    size_t oversized = 0;  // bytes dropped of a line over the limit, 0 when not dropping
    std::string buffer(64 * 1024, '\0');
    pollfd fds[2] = {{input_fd_, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    const nfds_t count = signal_fd >= 0 ? 2 : 1;
    while (true) {
        if (::poll(fds, count, -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::error("poll on stdin failed: {}", std::strerror(errno));
            return;
        }
        if (count == 2 && (fds[1].revents & POLLIN) != 0) {
            spdlog::info("stop signal received");
            return;
        }
        if (fds[0].revents == 0) continue;
        const ssize_t n = ::read(input_fd_, buffer.data(), buffer.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n == 0) {
            spdlog::info("stdin closed by the client; shutting down");
            return;
        }
        if (n < 0) {
            spdlog::error("reading stdin failed ({}); shutting down", std::strerror(errno));
            return;
        }
        size_t start = 0;
        const size_t end = static_cast<size_t>(n);
        while (start < end) {
            const char* newline = static_cast<const char*>(std::memchr(buffer.data() + start, '\n', end - start));
            const size_t stop = newline ? static_cast<size_t>(newline - buffer.data()) : end;
            const size_t chunk = stop - start;
            if (oversized > 0 || pending.size() + chunk > max_message_bytes_) {
                oversized += pending.size() + chunk;
                pending.clear();
            } else {
                pending.append(buffer.data() + start, chunk);
            }
            start = stop + 1;
            if (!newline) break;
            if (oversized > 0) {
                session.refuse_oversized(oversized, max_message_bytes_);
                oversized = 0;
                continue;
            }
            if (!pending.empty() && pending.back() == '\r') pending.pop_back();
            if (pending.find_first_not_of(" \t") != std::string::npos) session.receive(pending);
            pending.clear();
        }
    }
}

}  // namespace switchboard::host
