// budget_watch.cpp: see budget_watch.hpp.
#include "budget_watch.hpp"

#include <stdexcept>

namespace workflow {

BudgetWatch::BudgetWatch(switchboard::Plugin& plugin, EngineHost& host, Engine& engine, int64_t first_check_ms,
                         int64_t recheck_ms)
    : host_(host), engine_(engine), recheck_ms_(recheck_ms) {
    plugin.subscribe("metrics.budget.exceeded", [this, life = lifetime_](std::string_view, const Json& payload) {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        try {
            engine_.hold_budget(payload);
        } catch (const std::invalid_argument& e) {
            host_.log_error(std::string("metrics.budget.exceeded could not be read; nothing is held: ") + e.what());
        }
    });
    // Every tool call is announced: only copy out the rare metrics_budget_set that succeeded.
    plugin.subscribe_text(
        "host.tool.called",
        [this, life = lifetime_](std::string_view, std::string_view payload) {
            if (payload.find("\"metrics_budget_set\"") == std::string_view::npos) return;
            const Json event = Json::parse(payload, nullptr, false);
            if (event.is_discarded() || event.value("tool", "") != "metrics_budget_set" || !event.value("ok", false))
                return;
            host_.post_blocking([this, life] {
                std::shared_lock guard(life->mutex);
                if (!life->stopped) recheck();  // also a budget lowered below its spend: held now
            });
        },
        switchboard::Plugin::Delivery::inline_);
    check_every(first_check_ms, true);
}

BudgetWatch::~BudgetWatch() {
    std::unique_lock guard(lifetime_->mutex);  // waits for callbacks under way
    lifetime_->stopped = true;
}

// The first check picks up budgets exceeded while this plugin was not loaded; later ones run
// only while something is held (each is a tool call that metrics records).
void BudgetWatch::check_every(int64_t delay_ms, bool first) {
    host_.run_after(delay_ms, [this, life = lifetime_, first] {
        std::shared_lock guard(life->mutex);
        if (life->stopped) return;
        if (first || !engine_.budget_holds().empty()) recheck();
        check_every(recheck_ms_, false);
    });
}

void BudgetWatch::recheck() {
    const Json params = {{"name", "metrics_budget_list"}, {"arguments", Json::object()}};
    host_.call_tool(params.dump(), [this, life = lifetime_](bool ok, Json value) {
        std::shared_lock guard(life->mutex);
        if (life->stopped || !ok || value.value("isError", false)) return;  // no metrics plugin: holds stay
        const Json* list = value.contains("structuredContent") ? &value["structuredContent"] : nullptr;
        if (list != nullptr && list->contains("budgets")) engine_.recheck_budgets((*list)["budgets"]);
    });
}

}  // namespace workflow
