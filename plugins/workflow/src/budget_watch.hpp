// budget_watch.hpp: keeps the engine's budget holds in step with the metrics plugin.
//
// - `metrics.budget.exceeded` on the bus: the engine holds that budget's LLM-bound calls.
// - Metrics publishes nothing when a budget is raised or removed, so the watch asks
//   `metrics_budget_list` right after each successful `metrics_budget_set` call (seen on the
//   host's `host.tool.called` events) and every `recheck_ms` (changes made over metrics' HTTP
//   API), and the engine lifts the holds the list no longer backs. The end of a budget's period
//   lifts its hold in the engine itself (a timer), even without the metrics plugin.
#pragma once

#include "engine.hpp"

#include <switchboard/sdk.hpp>

#include <memory>

namespace workflow {

class BudgetWatch {
 public:
    // The first check runs after `first_check_ms` (other plugins' tools must be routable).
    BudgetWatch(switchboard::Plugin& plugin, EngineHost& host, Engine& engine, int64_t first_check_ms,
                int64_t recheck_ms);
    ~BudgetWatch();
    BudgetWatch(const BudgetWatch&) = delete;
    BudgetWatch& operator=(const BudgetWatch&) = delete;

 private:
    // Callbacks (replies, timers, events) may outlive the watch: they hold this and do nothing
    // once `stopped` is set.
    struct Lifetime {
        std::shared_mutex mutex;
        bool stopped = false;
    };
    void recheck();
    void check_every(int64_t delay_ms, bool first);

    EngineHost& host_;
    Engine& engine_;
    int64_t recheck_ms_;
    std::shared_ptr<Lifetime> lifetime_ = std::make_shared<Lifetime>();
};

}  // namespace workflow
