// http_connection.cpp: reading requests and writing responses and SSE streams.
#include "http/http_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace switchboard::host::http {

namespace http = beast::http;

HttpConnection::HttpConnection(tcp::socket socket, const HttpSettings& settings, Handler handler)
    : stream_(std::move(socket)), settings_(settings), handler_(std::move(handler)) {}

void HttpConnection::start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void HttpConnection::read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(settings_.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(settings_.header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
        if (error == http::error::header_limit)
            return self->refuse(http::status::request_header_fields_too_large, "request headers exceed 16 KiB");
        if (error == http::error::body_limit)  // the parser checks Content-Length with the header
            return self->refuse(http::status::payload_too_large, "Content-Length exceeds the limit of " +
                                                                     std::to_string(self->settings_.max_body_bytes) +
                                                                     " bytes (http.max_body_bytes)");
        if (error == http::error::bad_method || error == http::error::bad_target || error == http::error::bad_version ||
            error == http::error::bad_field || error == http::error::bad_value)
            return self->refuse(http::status::bad_request, "malformed HTTP request: " + error.message());
        if (error) return self->close();  // timeout, or the client went away
        self->read_body();
    });
}

void HttpConnection::read_body() {
    stream_.expires_after(std::chrono::milliseconds(settings_.read_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
        if (error == http::error::body_limit)
            return self->refuse(http::status::payload_too_large, "request body exceeds the limit of " +
                                                                     std::to_string(self->settings_.max_body_bytes) +
                                                                     " bytes (http.max_body_bytes)");
        if (error == beast::error::timeout)
            return self->refuse(http::status::request_timeout, "request body not received in time");
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
    enqueue({Output::Kind::response, std::make_shared<Response>(std::move(response)), {}, {}, {}});
}

void HttpConnection::respond(Response response) {
    response.prepare_payload();
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), r = std::make_shared<Response>(std::move(response))] {
                      r->keep_alive(self->keep_alive_ && r->keep_alive());
                      for (const auto& [name, value] : self->response_fields_) r->set(name, value);
                      self->enqueue({Output::Kind::response, r, {}, {}, {}});
                  });
}

void HttpConnection::start_sse(Response head, std::function<void()> on_closed) {
    auto empty = std::make_shared<http::response<http::empty_body>>(head.result(), head.version());
    for (const auto& field : head) empty->set(field.name_string(), field.value());
    empty->set(http::field::content_type, "text/event-stream");
    empty->set(http::field::cache_control, "no-cache");
    empty->chunked(true);
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), empty, on_closed = std::move(on_closed)]() mutable {
                      self->streaming_ = true;
                      self->on_closed_ = std::move(on_closed);
                      for (const auto& [name, value] : self->response_fields_) empty->set(name, value);
                      auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*empty);
                      self->enqueue({Output::Kind::sse_head, {}, empty, serializer, {}});
                  });
}

void HttpConnection::write(std::string bytes) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
        self->enqueue({Output::Kind::chunk, {}, {}, {}, std::move(bytes)});
    });
}

void HttpConnection::finish() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        self->on_closed_ = nullptr;  // the stream ended on purpose
        self->enqueue({Output::Kind::last_chunk, {}, {}, {}, {}});
    });
}

void HttpConnection::enqueue(Output output) {
    if (closed_) return;
    // A client that stopped reading lets data pile up behind its oldest queued message; one
    // message (or replay) larger than the limit still goes to a client that reads it.
    if (!output.data.empty()) {
        const auto oldest = std::find_if(queue_.begin(), queue_.end(), [](const Output& o) { return !o.data.empty(); });
        if (pending_bytes_ - (oldest == queue_.end() ? 0 : oldest->data.size()) > settings_.max_pending_write_bytes) {
            spdlog::warn("dropping an HTTP client that stopped reading ({} bytes pending)", pending_bytes_);
            return close();
        }
    }
    pending_bytes_ += output.data.size();
    queue_.push_back(std::move(output));
    if (!writing_) write_next();
}

void HttpConnection::write_next() {
    if (queue_.empty() || closed_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    Output& next = queue_.front();
    stream_.expires_after(std::chrono::milliseconds(settings_.read_timeout_ms));
    auto done = [self = shared_from_this()](beast::error_code error, size_t bytes) { self->written(error, bytes); };
    switch (next.kind) {
        case Output::Kind::response:
            return http::async_write(stream_, *next.response, done);
        case Output::Kind::sse_head:
            return http::async_write_header(stream_, *next.serializer, done);
        case Output::Kind::chunk:
            return net::async_write(stream_, http::make_chunk(net::buffer(next.data)), done);
        case Output::Kind::last_chunk:
            return net::async_write(stream_, http::make_chunk_last(), done);
    }
}

void HttpConnection::written(const beast::error_code& error, size_t) {
    writing_ = false;
    if (closed_) {  // close() ran while this write was in flight; its output is released now
        queue_.clear();
        return;
    }
    if (error) return close();
    stream_.expires_never();
    Output done = std::move(queue_.front());
    queue_.pop_front();
    pending_bytes_ -= done.data.size();
    const bool response_done = done.kind == Output::Kind::response || done.kind == Output::Kind::last_chunk;
    if (response_done) {
        streaming_ = false;
        const bool reuse = done.kind == Output::Kind::response ? done.response->keep_alive() : keep_alive_;
        if (!reuse) return linger();
        if (queue_.empty()) {
            writing_ = false;
            return read_header();
        }
    }
    write_next();
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
    // A write in flight still uses the front of the queue until written() sees it aborted.
    if (writing_)
        queue_.erase(std::next(queue_.begin()), queue_.end());
    else
        queue_.clear();
    pending_bytes_ = 0;
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
            if (!error) std::make_shared<HttpConnection>(std::move(socket), self->settings_, self->handler_)->start();
            self->accept();
        });
}

}  // namespace switchboard::host::http
