// engine_loop.cpp: loop tasks; see engine.hpp.
//
// A loop calls its tool once per iteration, one after another. Iterations are items like a
// map's, "<loop>[<i>]", each with its own row, attempts, retries and idempotency key; the next
// one is created only when the condition, evaluated on the last output, says go on. After a
// restart the iterations are found from their rows and the last one decides again.
#include "engine.hpp"

#include "engine_state.hpp"
#include "template.hpp"

#include <algorithm>

namespace workflow {

void Engine::start_loop(ActiveRun& run, ActiveTask& loop, Actions& actions) {
    loop.row.started_at_ms = now_ms();
    loop.row.state.attempt += 1;
    run.set_status(loop, TaskStatus::running);
    attach_iterations(run, loop);
    // A retried loop goes on from its failed iteration, with a new attempt of it.
    ActiveTask* last = loop.items->items.empty() ? nullptr : loop.items->items.back();
    if (last != nullptr &&
        (last->row.state.status == TaskStatus::failed || last->row.state.status == TaskStatus::cancelled))
        last->row.state.status = TaskStatus::pending;
    checkpoint_task(run, loop, "task.started", {{"attempt", loop.row.state.attempt}});
    if (loop.items->items.empty()) add_iteration(run, loop);
    rebuild_map(run, loop, actions);
}

void Engine::attach_iterations(ActiveRun& run, ActiveTask& loop) {
    if (loop.items) return;
    loop.items = std::make_unique<MapItems>();
    std::vector<std::pair<size_t, ActiveTask*>> found;
    const std::string prefix = loop.row.task_id + "[";
    for (auto it = run.tasks.lower_bound(prefix); it != run.tasks.end() && it->first.starts_with(prefix); ++it)
        found.emplace_back(std::stoul(it->first.substr(prefix.size())), &it->second);
    std::sort(found.begin(), found.end());
    for (auto& [index, item] : found) {
        item->definition = loop.definition;
        item->index = loop.index;
        item->map = &loop;
        item->item = index;
        loop.items->items.push_back(item);
    }
}

void Engine::add_iteration(ActiveRun& run, ActiveTask& loop) {
    const size_t index = loop.items->items.size();
    const std::string id = map_item_id(loop.row.task_id, index);
    ActiveTask& item = run.tasks[id];
    item.row.task_id = id;
    item.definition = loop.definition;
    item.index = loop.index;
    item.map = &loop;
    item.item = index;
    if (index > 0 && loop.definition->interval_ms > 0) {
        // Waits like a retry: pending with an attempt count of 0 and a time before which it may not start.
        item.row.state.not_before_ms = now_ms() + loop.definition->interval_ms;
    }
    loop.items->items.push_back(&item);
    loop.items->waiting.push_back(index);
}

// Called when nothing of the loop is in flight: decide on the last iteration.
void Engine::loop_step(ActiveRun& run, ActiveTask& loop, Actions& actions) {
    MapItems& items = *loop.items;
    fill_map(run, loop, actions);
    if (items.active > 0 || !items.waiting.empty()) return;  // running, or paused
    const ActiveTask* last = items.items.back();
    const TaskState& state = last->row.state;
    const auto fail = [&](const std::string& kind, const std::string& message) {
        loop.row.state.error = message;
        loop.row.state.error_kind = kind;
        run.set_status(loop, TaskStatus::failed);
        finish_task(run, loop, actions);
    };
    const std::string iteration = std::to_string(last->item + 1);
    if (state.status == TaskStatus::failed)
        return fail(state.error_kind,
                    "iteration " + iteration +
                        " failed: " + (state.error.is_string() ? state.error.get<std::string>() : state.error.dump()));
    if (state.status != TaskStatus::succeeded) return;
    bool stop = false;
    try {
        Json context = run.context_for(loop.definition->reads);
        context["output"] = state.output;
        context["iteration"] = last->item + 1;
        stop = truthy(loop.definition->stop->evaluate(context)) != loop.definition->repeat_while;
    } catch (const std::exception& e) {
        return fail("bad_arguments", std::string("the loop condition failed to evaluate: ") + e.what());
    }
    if (stop) {
        loop.row.state.output = {{"iterations", last->item + 1}, {"output", state.output}};
        loop.row.state.error = nullptr;
        loop.row.state.error_kind.clear();
        run.set_status(loop, TaskStatus::succeeded);
        finish_task(run, loop, actions);
        return;
    }
    if (items.items.size() >= static_cast<size_t>(loop.definition->max_iterations))
        return fail("loop_limit", "stopped after " + iteration + " iterations: `" + loop.definition->repeat +
                                      "` never let the loop end (max_iterations " +
                                      std::to_string(loop.definition->max_iterations) + ")");
    add_iteration(run, loop);
    fill_map(run, loop, actions);
}

}  // namespace workflow
