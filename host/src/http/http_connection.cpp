// http_connection.cpp: reading requests and writing responses and SSE streams.
#include "http/http_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <sstream>

namespace switchboard::host::http {

namespace http = beast::http;

// Queued outputs gathered into one write at most.
constexpr size_t max_gathered_writes = 64;

// Errors of a request that arrived but breaks HTTP/1.1, as opposed to a connection that failed.
bool is_malformed(const beast::error_code& error) {
    static const http::error malformed[] = {http::error::bad_method,
                                            http::error::bad_target,
                                            http::error::bad_version,
                                            http::error::bad_field,
                                            http::error::bad_value,
                                            http::error::bad_content_length,
                                            http::error::bad_transfer_encoding,
                                            http::error::bad_chunk,
                                            http::error::bad_chunk_extension,
                                            http::error::bad_obs_fold,
                                            http::error::bad_line_ending,
                                            http::error::multiple_content_length};
    return std::any_of(std::begin(malformed), std::end(malformed), [&](http::error e) { return error == e; });
}

HttpConnection::HttpConnection(tcp::socket socket, const HttpSettings& settings, Handler handler)
    : stream_(std::move(socket)),
      read_deadline_(stream_.get_executor()),
      settings_(settings),
      handler_(std::move(handler)) {}

void HttpConnection::start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void HttpConnection::arm_read_deadline(uint64_t milliseconds) {
    read_timed_out_ = false;
    read_deadline_.expires_after(std::chrono::milliseconds(milliseconds));
    read_deadline_.async_wait([self = shared_from_this(), read = ++reads_](beast::error_code error) {
        // A deadline that fired just as its read finished must not cancel what comes next (the
        // response's write, or the next read).
        if (error || read != self->reads_) return;
        self->read_timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
    });
}

void HttpConnection::disarm_read_deadline() {
    ++reads_;
    read_deadline_.cancel();
}

void HttpConnection::read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(settings_.max_body_bytes);
    arm_read_deadline(settings_.header_timeout_ms);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
        self->disarm_read_deadline();
        if (self->read_timed_out_) {
            // An idle kept-alive connection just closes; a request begun too slowly is told why.
            if (!self->parser_->got_some() && self->buffer_.size() == 0) return self->close();
            return self->refuse(http::status::request_timeout, "request headers not received within " +
                                                                   std::to_string(self->settings_.header_timeout_ms) +
                                                                   " ms (http.header_timeout_ms)");
        }
        if (error == http::error::header_limit)
            return self->refuse(http::status::request_header_fields_too_large, "request headers exceed 16 KiB");
        if (error == http::error::body_limit)  // the parser checks Content-Length with the header
            return self->refuse(http::status::payload_too_large, "Content-Length exceeds the limit of " +
                                                                     std::to_string(self->settings_.max_body_bytes) +
                                                                     " bytes (http.max_body_bytes)");
        if (is_malformed(error))
            return self->refuse(http::status::bad_request, "malformed HTTP request: " + error.message());
        if (error) return self->close();  // the client went away
        self->read_body();
    });
}

void HttpConnection::read_body() {
    arm_read_deadline(settings_.read_timeout_ms);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
        self->disarm_read_deadline();
        if (self->read_timed_out_)
            return self->refuse(http::status::request_timeout, "request body not received within " +
                                                                   std::to_string(self->settings_.read_timeout_ms) +
                                                                   " ms (http.read_timeout_ms)");
        if (error == http::error::body_limit)
            return self->refuse(http::status::payload_too_large, "request body exceeds the limit of " +
                                                                     std::to_string(self->settings_.max_body_bytes) +
                                                                     " bytes (http.max_body_bytes)");
        if (is_malformed(error))
            return self->refuse(http::status::bad_request, "malformed HTTP request: " + error.message());
        if (error) return self->close();
        self->on_request();
    });
}

void HttpConnection::on_request() {
    stream_.expires_never();
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    response_fields_.clear();
    handler_(std::move(request), shared_from_this());
}

void HttpConnection::add_response_field(std::string name, std::string value) {
    response_fields_.emplace_back(std::move(name), std::move(value));
}

void HttpConnection::refuse(http::status status, const std::string& message) {
    Response response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.body() = nlohmann::json{{"error", message}}.dump();
    response.keep_alive(false);
    response.prepare_payload();
    keep_alive_ = false;
    enqueue({std::make_shared<Response>(std::move(response)), {}, true, {}});
}

void HttpConnection::respond(Response response) {
    response.prepare_payload();
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), r = std::make_shared<Response>(std::move(response))] {
                      r->keep_alive(self->keep_alive_ && r->keep_alive());
                      for (const auto& [name, value] : self->response_fields_) r->set(name, value);
                      self->enqueue({r, {}, true, {}});
                  });
}

void HttpConnection::start_sse(Response head, std::function<void()> on_closed) {
    http::response<http::empty_body> empty{head.result(), head.version()};
    for (const auto& field : head) empty.set(field.name_string(), field.value());
    empty.set(http::field::content_type, "text/event-stream");
    empty.set(http::field::cache_control, "no-cache");
    begin_stream(std::move(empty), std::move(on_closed));
}

void HttpConnection::start_stream(const Response& head, std::function<void()> on_closed) {
    http::response<http::empty_body> empty{head.result(), head.version()};
    for (const auto& field : head) empty.set(field.name_string(), field.value());
    begin_stream(std::move(empty), std::move(on_closed));
}

void HttpConnection::begin_stream(http::response<http::empty_body> head, std::function<void()> on_closed) {
    head.chunked(true);
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), head = std::move(head), on_closed = std::move(on_closed)]() mutable {
                      if (self->closed_) {  // the client left before the stream began
                          if (on_closed) net::post(self->stream_.get_executor(), std::move(on_closed));
                          return;
                      }
                      self->streaming_ = true;
                      self->on_closed_ = std::move(on_closed);
                      head.keep_alive(self->keep_alive_ && head.keep_alive());
                      for (const auto& [name, value] : self->response_fields_) head.set(name, value);
                      std::ostringstream head_bytes;
                      head_bytes << head.base();  // the status line, the fields and the blank line
                      self->enqueue({{}, head_bytes.str(), false, {}});
                      self->watch_client();
                  });
}

void HttpConnection::watch_client() {
    stream_.socket().async_wait(
        tcp::socket::wait_read, [self = shared_from_this(), watch = ++watches_](beast::error_code error) {
            if (error || watch != self->watches_ || self->closed_ || !self->streaming_) return;
            // A wait completes on a readiness event that may be stale (its bytes already read), so
            // peek without blocking: 0 is the client's FIN, bytes are a request sent ahead (left in
            // the socket for read_header once the stream is over), and "nothing yet" waits again.
            char byte = 0;
            const ssize_t peeked = ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (peeked > 0) return;
            if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return self->watch_client();
            self->close();  // closed or reset
        });
}

void HttpConnection::write(std::string bytes) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
        char size[20];
        const auto end = std::to_chars(size, size + sizeof size, bytes.size(), 16).ptr;
        std::string chunk;
        chunk.reserve(bytes.size() + 24);
        chunk.append(size, end).append("\r\n").append(bytes).append("\r\n");
        self->enqueue({{}, std::move(chunk), false, {}});
    });
}

void HttpConnection::finish() { finish_then({}); }

void HttpConnection::finish_then(std::function<void()> flushed) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), flushed = std::move(flushed)]() mutable {
        self->on_closed_ = nullptr;  // the stream ended on purpose
        self->enqueue({{}, "0\r\n\r\n", true, std::move(flushed)});
    });
}

void HttpConnection::enqueue(Output output) {
    if (closed_) {
        if (output.flushed) output.flushed();
        return;
    }
    // A client that stopped reading lets output pile up; one output larger than the limit (a long
    // message, or a replay) still goes to a client that reads it, so the largest is not counted.
    if (!output.bytes.empty()) {
        size_t largest = 0;
        for (const Output& queued : queue_) largest = std::max(largest, queued.bytes.size());
        if (pending_bytes_ - largest > settings_.max_pending_write_bytes) {
            spdlog::warn("dropping an HTTP client that stopped reading ({} bytes pending)", pending_bytes_);
            close();
            if (output.flushed) output.flushed();
            return;
        }
    }
    pending_bytes_ += output.bytes.size();
    queue_.push_back(std::move(output));
    if (writing_) return;
    // Write once the current handler is done: what it queues meanwhile (an SSE head, its events,
    // the last chunk) then leaves in one write instead of one each.
    writing_ = true;
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->write_next(); });
}

void HttpConnection::write_next() {
    if (queue_.empty() || closed_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    stream_.expires_after(std::chrono::milliseconds(settings_.read_timeout_ms));
    if (const auto& response = queue_.front().response) {
        return http::async_write(stream_, *response, [self = shared_from_this()](beast::error_code error, size_t) {
            self->written(error, 1);
        });
    }
    std::vector<net::const_buffer> buffers;
    for (const Output& output : queue_) {
        if (output.response || buffers.size() == max_gathered_writes) break;
        buffers.push_back(net::buffer(output.bytes));
        if (output.ends_response) break;
    }
    net::async_write(stream_, buffers,
                     [self = shared_from_this(), count = buffers.size()](beast::error_code error, size_t) {
                         self->written(error, count);
                     });
}

void HttpConnection::written(const beast::error_code& error, size_t outputs) {
    writing_ = false;
    if (closed_) {  // close() ran while this write was in flight; its output is released now
        release_queue();
        return;
    }
    if (error) return close();
    stream_.expires_never();
    bool response_done = false;
    bool reuse = keep_alive_;
    for (size_t i = 0; i < outputs; ++i) {
        Output done = std::move(queue_.front());
        queue_.pop_front();
        pending_bytes_ -= done.bytes.size();
        if (done.ends_response) {
            response_done = true;
            if (done.response) reuse = done.response->keep_alive();
        }
        if (done.flushed) done.flushed();
    }
    if (response_done) {
        if (streaming_) {  // stop watching the client: the next request's read takes over
            ++watches_;
            beast::error_code ignored;
            stream_.socket().cancel(ignored);
        }
        streaming_ = false;
        if (!reuse) return linger();
        if (queue_.empty()) return read_header();
    }
    write_next();
}

void HttpConnection::release_queue() {
    auto dropped = std::move(queue_);
    queue_.clear();
    for (Output& output : dropped)
        if (output.flushed) output.flushed();
}

void HttpConnection::linger() {
    // The client may still be sending a body the server refused to read (413, 400, ...); closing
    // with unread input resets the connection, which can destroy the response before the client
    // reads it. So stop sending and drop what still arrives until the client closes, for 1 s at most.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
}

void HttpConnection::drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code error, size_t) {
        if (error) return self->close();
        self->drain();
    });
}

void HttpConnection::close() {
    if (closed_) return;
    closed_ = true;
    // A write in flight still uses the queue's front outputs; written() releases them.
    if (!writing_) release_queue();
    pending_bytes_ = 0;
    read_deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    // Posted, not called: close() may run inside EventStreams (a write dispatched inline on this
    // strand while the streams' lock is held), and on_closed takes that lock.
    if (auto on_closed = std::exchange(on_closed_, nullptr))
        net::post(stream_.get_executor(),
                  [self = shared_from_this(), on_closed = std::move(on_closed)] { on_closed(); });
}

HttpListener::HttpListener(net::io_context& io, const tcp::endpoint& endpoint, const HttpSettings& settings,
                           HttpConnection::Handler handler)
    : io_(io), acceptor_(net::make_strand(io)), settings_(settings), handler_(std::move(handler)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void HttpListener::start() { accept(); }

void HttpListener::stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

void HttpListener::accept() {
    acceptor_.async_accept(
        net::make_strand(io_), [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
            if (error == net::error::operation_aborted || !self->acceptor_.is_open()) return;
            if (!error) {
                // An SSE answer leaves in several small writes; Nagle's algorithm would hold the
                // later ones until the client's delayed ACK, some 40 ms per request.
                beast::error_code ignored;
                socket.set_option(tcp::no_delay(true), ignored);
                std::make_shared<HttpConnection>(std::move(socket), self->settings_, self->handler_)->start();
            }
            self->accept();
        });
}

}  // namespace switchboard::host::http
