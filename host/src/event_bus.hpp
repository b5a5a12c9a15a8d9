// event_bus.hpp: topic-based publish/subscribe between plugins and the host.
//
// Topics are dot-separated (`host.tool.called`). In a pattern `*` matches exactly one segment and
// a final `#` matches any number of trailing segments. Each subscription receives its events in
// publish order, one at a time: on the executor, or inline on the publishing thread when it asked
// for that (a cheap observer that only copies the event; it spares a thread wake-up per event).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace switchboard::host {

bool topic_matches(std::string_view pattern, std::string_view topic);

// A pattern is non-empty segments of [A-Za-z0-9_-] or `*`, with an optional final `#`.
bool valid_topic_pattern(std::string_view pattern);
// A topic is non-empty segments of [A-Za-z0-9_-].
bool valid_topic(std::string_view topic);

class EventBus {
 public:
    using Handler = std::function<void(const std::string& topic, const std::string& payload_json)>;

    // Where a subscription's handler runs.
    enum class Delivery {
        executor,  // posted to the executor: the publisher never waits for the handler
        inline_,   // called inside publish(), on the publisher's thread: must be quick and never block
    };

    explicit EventBus(boost::asio::io_context& io) : io_(io) {}

    // Returns a subscription id, never 0. An inline handler must not call back into the bus.
    uint64_t subscribe(std::string pattern, Handler handler, Delivery delivery = Delivery::executor);
    // After it returns the handler is not running and will not run again.
    void unsubscribe(uint64_t id);
    void publish(std::string topic, std::string payload_json);
    // Whether any subscription matches `topic`, so a publisher can skip building an unwanted event.
    bool has_subscriber(std::string_view topic) const;

 private:
    struct Subscription {
        Subscription(boost::asio::io_context& io, std::string p, Handler h, Delivery d)
            : strand(boost::asio::make_strand(io)), pattern(std::move(p)), delivery(d), handler(std::move(h)) {}
        boost::asio::strand<boost::asio::io_context::executor_type> strand;
        std::string pattern;
        Delivery delivery;
        std::mutex delivering;  // held while `handler` runs
        bool active = true;     // guarded by delivering
        Handler handler;
    };

    boost::asio::io_context& io_;
    mutable std::shared_mutex mutex_;
    std::map<uint64_t, std::shared_ptr<Subscription>> subscriptions_;  // guarded by mutex_
    std::atomic<uint64_t> next_id_{1};
};

}  // namespace switchboard::host
