// http_connection.hpp: one HTTP/1.1 connection on Boost.Beast, and the listener that accepts them.
//
// A connection reads a request within the configured header and body timeouts and size limit,
// hands it to the handler, and writes back either one response or an SSE stream (chunked, so the
// connection is reused afterwards). Writes are queued on the connection's strand; a client that
// stops reading is dropped once the queue passes its limit, and a stream's events stay buffered
// in its session for the client to resume. While a response streams, the connection watches for
// the client closing its end, so a stream learns at once that nobody reads it any more.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "http/event_streams.hpp"

namespace switchboard::host::http {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;

class HttpConnection : public SseSink, public std::enable_shared_from_this<HttpConnection> {
 public:
    using Handler = std::function<void(Request request, std::shared_ptr<HttpConnection> connection)>;

    HttpConnection(tcp::socket socket, const HttpSettings& settings, Handler handler);
    void start();

    // Answers the current request. Any thread.
    void respond(Response response);
    // Starts an SSE response with the status and headers of `head`; events follow via write().
    // `on_closed` runs if the connection dies before the stream ends. Any thread.
    void start_sse(Response head, std::function<void()> on_closed);
    // Starts a chunked response with exactly the status and fields of `head` (a plugin's stream);
    // the body follows via write(), and finish() ends it. As start_sse otherwise. Any thread.
    void start_stream(const Response& head, std::function<void()> on_closed);
    // finish(), and `flushed` runs once the last chunk left or the connection closed. Any thread.
    void finish_then(std::function<void()> flushed);

    // Adds a header field to every response to the current request (CORS grants). Only from the
    // handler, before it returns.
    void add_response_field(std::string name, std::string value);

    // SseSink
    void write(std::string bytes) override;
    void finish() override;

 private:
    // What goes out, in order: a whole response, or SSE bytes already framed for the wire (the
    // head, a chunk, the last chunk). Runs of SSE bytes leave in one write.
    struct Output {
        std::shared_ptr<Response> response;
        std::string bytes;
        bool ends_response = false;
        std::function<void()> flushed;  // runs once written or dropped
    };

    // Reading has its own deadline rather than the stream's, which would close the socket: a
    // client too slow to send its request is told so with a 408.
    void arm_read_deadline(uint64_t milliseconds);
    void disarm_read_deadline();
    void read_header();
    void read_body();
    void on_request();
    void refuse(beast::http::status status, const std::string& message);
    void begin_stream(beast::http::response<beast::http::empty_body> head, std::function<void()> on_closed);
    // Waits for the client to close its end while a response streams.
    void watch_client();
    void enqueue(Output output);
    void write_next();
    void written(const beast::error_code& error, size_t outputs);
    // Closes gracefully after the last response: stop sending, drain the input, then close().
    void linger();
    // Drops what is queued, running each output's `flushed`.
    void release_queue();
    void drain();
    void close();

    beast::tcp_stream stream_;
    net::steady_timer read_deadline_;
    bool read_timed_out_ = false;
    uint64_t reads_ = 0;  // counts armed deadlines, so that a stale one is recognised
    beast::flat_buffer buffer_;
    std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
    const HttpSettings& settings_;
    Handler handler_;

    // Only touched on the strand.
    std::deque<Output> queue_;
    bool writing_ = false;
    bool streaming_ = false;
    bool keep_alive_ = true;
    bool closed_ = false;
    size_t pending_bytes_ = 0;
    uint64_t watches_ = 0;  // counts watch_client() calls, so that a stale wait is recognised
    std::function<void()> on_closed_;
    std::vector<std::pair<std::string, std::string>> response_fields_;  // of the current request
};

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
    // Binds now; throws boost::system::system_error with the reason when it cannot.
    HttpListener(net::io_context& io, const tcp::endpoint& endpoint, const HttpSettings& settings,
                 HttpConnection::Handler handler);
    void start();
    void stop();
    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
    void accept();

    net::io_context& io_;
    tcp::acceptor acceptor_;
    const HttpSettings& settings_;
    HttpConnection::Handler handler_;
};

}  // namespace switchboard::host::http
