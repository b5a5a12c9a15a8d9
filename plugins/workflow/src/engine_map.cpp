// engine_map.cpp: map tasks; see engine.hpp.
//
// A map renders its items once and keeps them in its row's input, so a retry or a restart sees
// the same list. Each item is a task of its own, "<map>[<i>]", with its own row, attempts,
// retries, timeout and idempotency key; rows are written when an item starts, not up front.
#include "engine.hpp"

#include "engine_state.hpp"
#include "template.hpp"

namespace workflow {

void Engine::start_map(ActiveRun& run, ActiveTask& map, Actions& actions) {
    map.row.started_at_ms = now_ms();
    map.row.state.attempt += 1;
    if (!map.row.input.is_object() || !map.row.input.contains("items")) {  // first attempt: render
        Json items;
        try {
            items = render_template(map.definition->items, run.context_for(map.definition->reads));
        } catch (const std::exception& e) {
            items = std::string("cannot render the items: ") + e.what();
        }
        if (!items.is_array()) {
            map.row.state.error = items.is_string() && items.get<std::string>().starts_with("cannot render")
                                      ? items
                                      : Json("the items are not an array but " + items.dump());
            map.row.state.error_kind = "bad_arguments";
            run.set_status(map, TaskStatus::failed);
            finish_task(run, map, actions);
            return;
        }
        map.row.input = {{"items", std::move(items)}};
    }
    run.set_status(map, TaskStatus::running);
    attach_items(run, map);
    // A retried map runs again only the items that did not succeed, each with a new attempt.
    for (ActiveTask* item : map.items->items)
        if (item->row.state.status == TaskStatus::failed || item->row.state.status == TaskStatus::cancelled)
            item->row.state.status = TaskStatus::pending;
    checkpoint_task(run, map, "task.started", {{"attempt", map.row.state.attempt}, {"items", map.items->items.size()}});
    rebuild_map(run, map, actions);
}

void Engine::attach_items(ActiveRun& run, ActiveTask& map) {
    if (map.items) return;
    map.items = std::make_unique<MapItems>();
    const Json& items = map.row.input.is_object() ? map.row.input["items"] : Json();
    const size_t count = items.is_array() ? items.size() : 0;
    for (size_t i = 0; i < count; ++i) {
        const std::string id = map_item_id(map.row.task_id, i);
        ActiveTask& item = run.tasks[id];  // loaded from its row, or new (never started)
        item.row.task_id = id;
        item.definition = map.definition;
        item.index = map.index;
        item.map = &map;
        item.item = i;
        map.items->items.push_back(&item);
    }
}

void Engine::rebuild_map(ActiveRun& run, ActiveTask& map, Actions& actions) {
    MapItems& items = *map.items;
    items.waiting.clear();
    items.active = 0;
    items.failing = false;
    const int64_t now = now_ms();
    for (ActiveTask* item : items.items) {
        const TaskState& state = item->row.state;
        items.failing = items.failing || state.status == TaskStatus::failed;
        if (is_terminal(state.status)) continue;
        if (state.status == TaskStatus::running || item->queued || item->timer_id != 0) {
            ++items.active;
        } else if (state.attempt > 0) {  // waiting to retry
            ++items.active;
            arm_timer(run, *item, std::max<int64_t>(0, state.not_before_ms - now), actions);
        } else {
            items.waiting.push_back(item->item);
        }
    }
    fill_map(run, map, actions);
    if (items.active == 0) item_finished(run, map, actions);  // nothing left to wait for
}

void Engine::fill_map(ActiveRun& run, ActiveTask& map, Actions& actions) {
    MapItems& items = *map.items;
    const int64_t now = now_ms();
    while (!items.failing && items.active < static_cast<size_t>(map.definition->concurrency) &&
           !items.waiting.empty()) {
        ActiveTask& item = *items.items[items.waiting.front()];
        items.waiting.pop_front();
        ++items.active;
        if (item.row.state.not_before_ms > now) {  // a loop's interval
            arm_timer(run, item, item.row.state.not_before_ms - now, actions);
            continue;
        }
        enqueue(run, item);
    }
}

// An item ended (or, called with the map itself, a map has nothing in flight): start more, or
// end the map once nothing is in flight. Loops decide in loop_step.
void Engine::item_finished(ActiveRun& run, ActiveTask& finished, Actions& actions) {
    ActiveTask& map = finished.map != nullptr ? *finished.map : finished;
    if (map.row.state.status != TaskStatus::running || !map.items) return;
    MapItems& items = *map.items;
    if (&finished != &map && items.active > 0) --items.active;
    if (finished.row.state.status == TaskStatus::failed) items.failing = true;  // start no more items
    if (map.definition->kind == TaskKind::loop) return loop_step(run, map, actions);
    fill_map(run, map, actions);
    if (items.active > 0) return;
    if (!items.failing && !items.waiting.empty()) return;  // paused: more to start later
    const ActiveTask* failed = nullptr;
    for (const ActiveTask* item : items.items)
        if (failed == nullptr && item->row.state.status == TaskStatus::failed) failed = item;
    if (failed != nullptr) {
        const Json& error = failed->row.state.error;
        map.row.state.error = "item " + std::to_string(failed->item) +
                              " failed: " + (error.is_string() ? error.get<std::string>() : error.dump());
        map.row.state.error_kind = failed->row.state.error_kind;
        run.set_status(map, TaskStatus::failed);
    } else {
        Json outputs = Json::array();
        for (const ActiveTask* item : items.items) outputs.push_back(item->row.state.output);
        map.row.state.output = std::move(outputs);
        map.row.state.error = nullptr;
        map.row.state.error_kind.clear();
        run.set_status(map, TaskStatus::succeeded);
    }
    finish_task(run, map, actions);
}

}  // namespace workflow
