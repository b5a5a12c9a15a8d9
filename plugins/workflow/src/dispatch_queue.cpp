// dispatch_queue.cpp: see dispatch_queue.hpp.
#include "dispatch_queue.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace workflow {

namespace {

// top() is const: the caller pops right after taking the item.
template <typename Queue>
typename Queue::value_type take_top(Queue& queue) {
    return std::move(const_cast<typename Queue::value_type&>(queue.top()));
}

}  // namespace

void DispatchQueue::set_limit(const std::string& name, int max_concurrency, RateLimit rate) {
    Limit& limit = limits_[name];
    limit.max_concurrency = max_concurrency;
    limit.rate = rate;
    if (rate.calls > 0 && std::find(rated_.begin(), rated_.end(), name) == rated_.end()) rated_.push_back(name);
}

void DispatchQueue::drop_limit(const std::string& name) {
    auto found = limits_.find(name);
    if (found == limits_.end()) return;
    Queue& held = found->second.held;
    parked_ -= held.size();
    for (; !held.empty(); held.pop()) ready_.push(take_top(held));  // the caller drops what is stale
    limits_.erase(found);
    std::erase(rated_, name);
    std::erase(woken_, name);
}

void DispatchQueue::push(Item item, bool first) {
    item.order = first ? next_first_-- : next_order_++;
    if (first) {
        item.fair_tag = 0;  // ahead of every turn
    } else {
        uint64_t& last = run_tags_[item.run_id];
        last = std::max(last, handed_out_tag_) + 1;
        item.fair_tag = last;
    }
    ready_.push(std::move(item));
}

// A run whose last tag is not above the one handed out has no turn to keep: forget it (most are
// finished runs). Amortized: only once the map has doubled since the last pruning.
void DispatchQueue::handed_out(const Item& item) {
    handed_out_tag_ = std::max(handed_out_tag_, item.fair_tag);
    if (run_tags_.size() < 2 * run_tags_pruned_at_ + 64) return;
    std::erase_if(run_tags_, [this](const auto& entry) { return entry.second <= handed_out_tag_; });
    run_tags_pruned_at_ = run_tags_.size();
}

int DispatchQueue::in_flight(const std::string& limit) const {
    auto found = limits_.find(limit);
    return found == limits_.end() ? 0 : found->second.in_flight;
}

void DispatchQueue::refill(Limit& limit, int64_t now_ms) const {
    if (limit.rate.calls <= 0) return;
    if (limit.refilled_ms < 0) {
        limit.tokens = limit.rate.calls;  // a full bucket at first use
    } else if (now_ms > limit.refilled_ms) {
        const double earned = static_cast<double>(now_ms - limit.refilled_ms) * limit.rate.calls /
                              static_cast<double>(std::max<int64_t>(1, limit.rate.per_ms));
        limit.tokens = std::min<double>(limit.rate.calls, limit.tokens + earned);
    }
    limit.refilled_ms = std::max(limit.refilled_ms, now_ms);
}

bool DispatchQueue::has_room(const Limit& limit) const {
    if (limit.max_concurrency > 0 && limit.in_flight >= limit.max_concurrency) return false;
    return limit.rate.calls <= 0 || limit.tokens >= 1.0;
}

void DispatchQueue::wake(const std::string& name, Limit& limit) {
    if (limit.woken || limit.held.empty()) return;
    limit.woken = true;
    woken_.push_back(name);
}

// Parked items of limits that have room go back to the ready queue, as many as the room; the
// ready queue's order puts them back in their place.
void DispatchQueue::unpark_woken() {
    while (!woken_.empty()) {
        const std::string name = std::move(woken_.back());
        woken_.pop_back();
        auto found = limits_.find(name);
        if (found == limits_.end()) continue;
        Limit& limit = found->second;
        limit.woken = false;
        size_t room = limit.held.size();
        if (limit.max_concurrency > 0)
            room = std::min<size_t>(room, static_cast<size_t>(std::max(0, limit.max_concurrency - limit.in_flight)));
        if (limit.rate.calls > 0) room = std::min<size_t>(room, static_cast<size_t>(std::floor(limit.tokens)));
        for (size_t i = 0; i < room; ++i) {
            ready_.push(take_top(limit.held));
            limit.held.pop();
            --parked_;
        }
    }
}

std::optional<DispatchQueue::Item> DispatchQueue::pop(
    int64_t now_ms, const std::function<void(const Item&, const std::string&)>& held) {
    for (const std::string& name : rated_) {
        Limit& limit = limits_.at(name);
        refill(limit, now_ms);
        if (has_room(limit)) wake(name, limit);
    }
    while (true) {
        unpark_woken();
        if (ready_.empty()) return std::nullopt;
        Item item = take_top(ready_);
        ready_.pop();
        const std::string* full_name = nullptr;
        Limit* full = nullptr;
        for (const std::string& name : item.limits) {
            auto found = limits_.find(name);
            if (found == limits_.end() || has_room(found->second)) continue;
            full_name = &found->first;
            full = &found->second;
            break;
        }
        if (full == nullptr) {
            for (const std::string& name : item.limits) {
                auto found = limits_.find(name);
                if (found == limits_.end()) continue;
                ++found->second.in_flight;
                if (found->second.rate.calls > 0) found->second.tokens -= 1.0;
            }
            handed_out(item);
            return item;
        }
        const bool by_rate = full->max_concurrency <= 0 || full->in_flight < full->max_concurrency;
        if (held) {
            const std::string shown = full_name->starts_with("pool ") ? full_name->substr(5) : *full_name;
            held(item, by_rate ? "rate " + shown : *full_name);
        }
        // Its other limits may have been woken for it: let the next in their queues try instead.
        for (const std::string& name : item.limits) {
            auto found = limits_.find(name);
            if (found != limits_.end() && &found->second != full && has_room(found->second))
                wake(found->first, found->second);
        }
        full->held.push(std::move(item));
        ++parked_;
    }
}

void DispatchQueue::release(const std::vector<std::string>& limits) {
    for (const std::string& name : limits) {
        auto found = limits_.find(name);
        if (found == limits_.end()) continue;
        found->second.in_flight = std::max(0, found->second.in_flight - 1);
        if (has_room(found->second)) wake(name, found->second);
    }
}

std::optional<int64_t> DispatchQueue::next_token_ms() const {
    std::optional<int64_t> next;
    for (const std::string& name : rated_) {
        const Limit& limit = limits_.at(name);
        if (limit.held.empty() || limit.tokens >= 1.0) continue;
        const double missing_ms = (1.0 - limit.tokens) * static_cast<double>(limit.rate.per_ms) / limit.rate.calls;
        const int64_t due = limit.refilled_ms + static_cast<int64_t>(std::ceil(missing_ms));
        next = next ? std::min(*next, due) : due;
    }
    return next;
}

}  // namespace workflow
