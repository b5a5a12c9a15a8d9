// budget_holds.cpp: see budget_holds.hpp.
#include "budget_holds.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace workflow {

std::optional<int64_t> parse_utc_time_ms(const std::string& text) {
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%n", &year, &month, &day, &hour, &minute, &second, &used) !=
            6 ||
        month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    int64_t millis = 0;
    size_t at = static_cast<size_t>(used);
    if (at < text.size() && text[at] == '.') {
        int64_t scale = 100;
        for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
            millis += (text[at] - '0') * scale;
    }
    if (at < text.size() && text.substr(at) != "Z") return std::nullopt;
    const std::chrono::sys_days date = std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
    if (!(std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}).ok()) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(date.time_since_epoch()).count() +
           ((hour * 60 + minute) * 60 + second) * int64_t{1000} + millis;
}

BudgetHold budget_hold_from_event(const Json& payload) {
    if (!payload.is_object() || !payload.contains("id") || !payload["id"].is_number_integer())
        throw std::invalid_argument("a budget event needs the budget's integer id");
    BudgetHold hold;
    hold.id = payload["id"].get<int64_t>();
    hold.scope = payload.value("scope", "");
    hold.scope_value = payload.value("scope_value", "");
    if (hold.scope != "global" && hold.scope != "project" && hold.scope != "agent" && hold.scope != "team" &&
        hold.scope != "model")
        throw std::invalid_argument("budget " + std::to_string(hold.id) + " has scope \"" + hold.scope +
                                    "\"; accepted: global, project, agent, team, model");
    if (payload.contains("period_end") && payload["period_end"].is_string()) {
        hold.period_end_ms = parse_utc_time_ms(payload["period_end"].get<std::string>());
        if (!hold.period_end_ms)
            throw std::invalid_argument("budget " + std::to_string(hold.id) + " has an unreadable period_end \"" +
                                        payload["period_end"].get<std::string>() + "\"");
    }
    hold.status = payload;
    return hold;
}

const BudgetHold* BudgetHolds::holding(const LlmWork& work) const {
    for (const auto& [id, hold] : holds_) {
        const std::string& value = hold.scope == "project" ? work.project
                                   : hold.scope == "team"  ? work.team
                                   : hold.scope == "agent" ? work.agent
                                   : hold.scope == "model" ? work.model
                                                           : hold.scope_value;  // global: always
        if (value == hold.scope_value) return &hold;
    }
    return nullptr;
}

std::vector<int64_t> BudgetHolds::ended(int64_t now_ms) const {
    std::vector<int64_t> ids;
    for (const auto& [id, hold] : holds_)
        if (hold.period_end_ms && *hold.period_end_ms <= now_ms) ids.push_back(id);
    return ids;
}

std::optional<int64_t> BudgetHolds::next_period_end_ms() const {
    std::optional<int64_t> next;
    for (const auto& [id, hold] : holds_)
        if (hold.period_end_ms) next = next ? std::min(*next, *hold.period_end_ms) : *hold.period_end_ms;
    return next;
}

std::vector<int64_t> BudgetHolds::lifted_by(const Json& budgets) const {
    std::map<int64_t, std::string> states;
    for (const Json& budget : budgets)
        if (budget.is_object() && budget.contains("id") && budget["id"].is_number_integer())
            states[budget["id"].get<int64_t>()] = budget.value("state", "");
    std::vector<int64_t> ids;
    for (const auto& [id, hold] : holds_) {
        auto found = states.find(id);
        if (found == states.end() || found->second != "exceeded") ids.push_back(id);
    }
    return ids;
}

}  // namespace workflow
