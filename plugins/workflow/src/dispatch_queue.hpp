// dispatch_queue.hpp: the tool calls waiting to start, and the limits they start under.
//
// A queued item names the limits that apply to it ("pool openai", "tool knowledge_search",
// "run run_ab12"). pop() hands out the highest-priority item whose every limit has room and takes
// a slot in each; an item held by a full limit is parked on that limit and comes back when the
// limit frees a slot, so it never blocks items that can run (no head-of-line blocking). A limit
// may also have a rate (a token bucket of `calls` per `per_ms`); pop() reports when the next
// token is due so the caller arms a timer.
//
// Within a priority, runs take turns (start-time fair queuing, each call costing one): an item's
// fair tag is one more than the later of its run's previous tag and the largest tag handed out,
// and the lowest tag goes first. So a run with many ready calls does not fill a pool ahead of a
// run that comes later with one. Equal tags go in arrival order, and so do one run's items.
//
// Pure bookkeeping: no I/O, no threads, the clock is passed in. The global concurrency limit
// stays with the engine. Not thread-safe: the engine calls it under its mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace workflow {

struct RateLimit {
    int calls = 0;  // 0: no rate limit
    int64_t per_ms = 0;
};

class DispatchQueue {
 public:
    struct Item {
        std::string run_id;
        std::string task_id;
        int priority = 0;                 // higher first
        std::vector<std::string> limits;  // names of the limits it needs a slot in; empty: none
        uint64_t fair_tag = 0;            // set by push: turns between runs within a priority
        uint64_t order = 0;               // set by push: FIFO among equal tags
        size_t task_index = SIZE_MAX;     // its definition index, a lookup hint (a unit's: its parent's)
    };

    // Declares (or changes) a limit. `max_concurrency` 0: no concurrency cap, only the rate.
    void set_limit(const std::string& name, int max_concurrency, RateLimit rate = {});
    // Forgets a limit with nothing in flight or held (a finished run's own limit).
    void drop_limit(const std::string& name);
    bool has_limit(const std::string& name) const { return limits_.contains(name); }

    // `first`: ahead of everything of its priority (work that was in flight before a restart).
    // Sets the item's fair tag and order.
    void push(Item item, bool first = false);

    // The next item that may start now, its slots taken, or nullopt. `held(item, reason)` is told
    // of each item parked on a full limit, with why: "pool openai" or "rate openai" (the
    // limit's name; "rate " + name when only its rate holds it back).
    std::optional<Item> pop(int64_t now_ms, const std::function<void(const Item&, const std::string&)>& held);

    // Gives back the slots `item` took; parked items of those limits may come back.
    void release(const std::vector<std::string>& limits);

    // Epoch ms when a rate-limited limit with parked items gets its next token; nullopt if none.
    std::optional<int64_t> next_token_ms() const;

    bool empty() const { return ready_.empty() && parked_ == 0; }
    size_t parked() const { return parked_; }
    int in_flight(const std::string& limit) const;

 private:
    struct Later {
        bool operator()(const Item& a, const Item& b) const {
            if (a.priority != b.priority) return a.priority < b.priority;
            return a.fair_tag != b.fair_tag ? a.fair_tag > b.fair_tag : a.order > b.order;
        }
    };
    using Queue = std::priority_queue<Item, std::vector<Item>, Later>;  // best on top
    struct Limit {
        int max_concurrency = 0;
        int in_flight = 0;
        RateLimit rate;
        double tokens = 0;
        int64_t refilled_ms = -1;
        Queue held;          // parked here, best on top
        bool woken = false;  // in woken_
    };

    void refill(Limit& limit, int64_t now_ms) const;
    bool has_room(const Limit& limit) const;
    void wake(const std::string& name, Limit& limit);
    void unpark_woken();
    void handed_out(const Item& item);

    Queue ready_;
    std::unordered_map<std::string, Limit> limits_;
    std::vector<std::string> rated_;  // names of limits with a rate, checked for refills on each pop
    std::vector<std::string> woken_;  // limits with room and parked items
    size_t parked_ = 0;
    uint64_t handed_out_tag_ = 0;                         // the largest fair tag popped so far
    std::unordered_map<std::string, uint64_t> run_tags_;  // each run's last fair tag
    size_t run_tags_pruned_at_ = 0;                       // its size after the last pruning
    uint64_t next_order_ = 1ULL << 62;                    // room below for `first` pushes
    uint64_t next_first_ = (1ULL << 62) - 1;
};

}  // namespace workflow
