// plugin_stream.cpp: see plugin_stream.hpp.
#include "http/plugin_stream.hpp"

#include <vector>

namespace switchboard::host::http {

namespace bhttp = beast::http;

PluginStream::PluginStream(std::shared_ptr<HttpConnection> connection, Response head,
                           std::shared_ptr<PluginStreams> registry)
    : connection_(std::move(connection)), head_(std::move(head)), registry_(registry) {}

bool PluginStream::begin(int status, std::string content_type, Fields fields, std::function<void()> on_closed) {
    {
        std::lock_guard lock(mutex_);
        if (begun_ || ended_) return false;
    }
    auto registry = registry_.lock();
    if (registry == nullptr || !registry->add(shared_from_this())) return false;  // the server is stopping
    Response head = head_;
    head.result(static_cast<unsigned>(status));
    head.set(bhttp::field::content_type, content_type);
    if (content_type.rfind("text/event-stream", 0) == 0) head.set(bhttp::field::cache_control, "no-cache");
    for (auto& [name, value] : fields) head.set(name, value);
    std::lock_guard lock(mutex_);
    begun_ = true;
    open_ = true;
    on_closed_ = std::move(on_closed);
    connection_->start_stream(head, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->closed();
    });
    return true;
}

// The connection calls below happen under mutex_, so that no chunk can follow the last one.
// They only queue work on the connection's strand and never call back into this object inline.

bool PluginStream::write(std::string bytes) {
    std::lock_guard lock(mutex_);
    if (!open_) return false;
    connection_->write(std::move(bytes));
    return true;
}

void PluginStream::end() {
    {
        std::lock_guard lock(mutex_);
        if (ended_) return;
        ended_ = true;
        if (begun_ && !finished_ && open_) connection_->finish();
        finished_ = true;
        open_ = false;
    }
    // An on_closed running elsewhere returns before the plugin may free what it uses.
    { std::lock_guard wait_for_callback(callback_mutex_); }
    if (auto registry = registry_.lock()) registry->remove(this);
}

void PluginStream::stop(std::function<void()> flushed) {
    {
        std::lock_guard lock(mutex_);
        if (begun_ && !finished_ && open_) {
            connection_->finish_then(std::move(flushed));
            flushed = nullptr;
        }
        finished_ = true;
        open_ = false;
    }
    if (flushed) flushed();
    closed();
}

void PluginStream::closed() {
    std::lock_guard callback(callback_mutex_);
    std::function<void()> on_closed;
    {
        std::lock_guard lock(mutex_);
        if (notified_ || ended_ || !begun_) return;
        notified_ = true;
        open_ = false;
        on_closed = std::move(on_closed_);
    }
    if (on_closed) on_closed();
}

bool PluginStreams::add(const std::shared_ptr<PluginStream>& stream) {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    streams_[stream.get()] = stream;
    return true;
}

void PluginStreams::remove(const PluginStream* stream) {
    std::lock_guard lock(mutex_);
    streams_.erase(stream);
}

void PluginStreams::stop(std::chrono::milliseconds timeout) {
    std::vector<std::shared_ptr<PluginStream>> live;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (const auto& [raw, weak] : streams_)
            if (auto stream = weak.lock()) live.push_back(stream);
        unflushed_ += live.size();
    }
    for (const auto& stream : live) {
        stream->stop([self = shared_from_this()] {
            std::lock_guard lock(self->mutex_);
            --self->unflushed_;
            self->flushed_.notify_all();
        });
    }
    std::unique_lock lock(mutex_);
    flushed_.wait_for(lock, timeout, [this] { return unflushed_ == 0; });
}

}  // namespace switchboard::host::http
