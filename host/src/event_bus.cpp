// event_bus.cpp: topic matching and ordered delivery.
#include "event_bus.hpp"

#include <boost/asio/post.hpp>

#include <vector>

namespace switchboard::host {
namespace {

std::vector<std::string_view> split(std::string_view text) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t dot = text.find('.', start);
        parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

bool valid_segment(std::string_view segment) {
    if (segment.empty()) return false;
    for (char c : segment)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

}  // namespace

bool valid_topic(std::string_view topic) {
    for (auto segment : split(topic))
        if (!valid_segment(segment)) return false;
    return true;
}

bool valid_topic_pattern(std::string_view pattern) {
    const auto segments = split(pattern);
    for (size_t i = 0; i < segments.size(); ++i) {
        if (segments[i] == "*") continue;
        if (segments[i] == "#" && i + 1 == segments.size()) continue;
        if (!valid_segment(segments[i])) return false;
    }
    return true;
}

bool topic_matches(std::string_view pattern, std::string_view topic) {
    // Walks both segment by segment without allocating: publish runs this on every call path.
    auto next_segment = [](std::string_view& rest) {
        const size_t dot = rest.find('.');
        const std::string_view segment = rest.substr(0, dot);
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        return segment;
    };
    bool pattern_left = true, topic_left = true;
    while (pattern_left) {
        pattern_left = pattern.find('.') != std::string_view::npos;
        const std::string_view want = next_segment(pattern);
        if (want == "#" && !pattern_left) return true;
        if (!topic_left) return false;
        topic_left = topic.find('.') != std::string_view::npos;
        const std::string_view have = next_segment(topic);
        if (want != "*" && want != have) return false;
    }
    return !topic_left;
}

uint64_t EventBus::subscribe(std::string pattern, Handler handler, Delivery delivery) {
    const uint64_t id = next_id_++;
    auto subscription = std::make_shared<Subscription>(io_, std::move(pattern), std::move(handler), delivery);
    std::unique_lock lock(mutex_);
    subscriptions_.emplace(id, std::move(subscription));
    return id;
}

void EventBus::unsubscribe(uint64_t id) {
    std::shared_ptr<Subscription> subscription;
    {
        std::unique_lock lock(mutex_);
        auto found = subscriptions_.find(id);
        if (found == subscriptions_.end()) return;
        subscription = std::move(found->second);
        subscriptions_.erase(found);
    }
    std::lock_guard delivering(subscription->delivering);  // waits for a running handler
    subscription->active = false;
}

void EventBus::publish(std::string topic, std::string payload_json) {
    auto event = std::make_shared<const std::pair<std::string, std::string>>(std::move(topic), std::move(payload_json));
    std::shared_lock lock(mutex_);
    for (const auto& [id, subscription] : subscriptions_) {
        if (!topic_matches(subscription->pattern, event->first)) continue;
        if (subscription->delivery == Delivery::inline_) {
            // `delivering` keeps one subscription's calls apart when several threads publish.
            std::lock_guard delivering(subscription->delivering);
            if (subscription->active) subscription->handler(event->first, event->second);
            continue;
        }
        boost::asio::post(subscription->strand, [subscription, event] {
            std::lock_guard delivering(subscription->delivering);
            if (subscription->active) subscription->handler(event->first, event->second);
        });
    }
}

bool EventBus::has_subscriber(std::string_view topic) const {
    std::shared_lock lock(mutex_);
    for (const auto& [id, subscription] : subscriptions_)
        if (topic_matches(subscription->pattern, topic)) return true;
    return false;
}

}  // namespace switchboard::host
