// plugin_stream.hpp: a plugin's streamed response (switchboard.http/1 http_stream_*) on one HTTP
// connection, and the registry that ends them all when the server stops.
//
// The plugin writes at its own pace from any thread; bytes go to the connection's write queue,
// which drops a client that stops reading (http.max_pending_write_bytes). Whichever comes first,
// the client leaving or the server stopping, closes the stream once: writes then fail and the
// plugin's on_closed runs, but never after the plugin ended the stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "http/http_connection.hpp"
#include "http_routes.hpp"

namespace switchboard::host::http {

class PluginStreams;

class PluginStream : public HttpStreamSink, public std::enable_shared_from_this<PluginStream> {
 public:
    // `head` carries what every answer to the request gets (keep-alive, CORS grants).
    PluginStream(std::shared_ptr<HttpConnection> connection, Response head, std::shared_ptr<PluginStreams> registry);

    bool begin(int status, std::string content_type, Fields fields, std::function<void()> on_closed) override;
    bool write(std::string bytes) override;
    void end() override;

    // The server is stopping: the client gets the end of the body, then the plugin is told.
    // `flushed` runs once the end left (or cannot).
    void stop(std::function<void()> flushed);

 private:
    // The client can no longer be reached: run the plugin's on_closed once.
    void closed();

    const std::shared_ptr<HttpConnection> connection_;
    const Response head_;
    const std::weak_ptr<PluginStreams> registry_;

    // Held while on_closed runs, so end() (from another thread) waits for it; recursive because
    // on_closed may itself call end().
    std::recursive_mutex callback_mutex_;
    std::mutex mutex_;
    bool begun_ = false;               // guarded by mutex_
    bool open_ = false;                // begun, and the client still reachable; guarded by mutex_
    bool finished_ = false;            // the last chunk was queued; guarded by mutex_
    bool notified_ = false;            // on_closed ran or runs; guarded by mutex_
    bool ended_ = false;               // the plugin ended it; guarded by mutex_
    std::function<void()> on_closed_;  // guarded by mutex_
};

// The streams in progress, so that shutdown can end them cleanly.
class PluginStreams : public std::enable_shared_from_this<PluginStreams> {
 public:
    // False once stopping.
    bool add(const std::shared_ptr<PluginStream>& stream);
    void remove(const PluginStream* stream);
    // Ends every stream and waits up to `timeout` for their last chunks to leave.
    void stop(std::chrono::milliseconds timeout);

 private:
    std::mutex mutex_;
    std::condition_variable flushed_;
    std::map<const PluginStream*, std::weak_ptr<PluginStream>> streams_;  // guarded by mutex_
    bool stopped_ = false;                                                // guarded by mutex_
    size_t unflushed_ = 0;                                                // guarded by mutex_
};

}  // namespace switchboard::host::http
