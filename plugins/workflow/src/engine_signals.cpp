// engine_signals.cpp: signals, waits for a signal, and approvals; see engine.hpp.
//
// A signal is durable before anything acts on it: its row and a `signal.received` event commit
// first. The task that consumes it marks it consumed in the same transaction as its own end, so
// after a crash a signal is either still pending or consumed together with its task's end.
#include "engine.hpp"

#include "engine_state.hpp"
#include "template.hpp"

namespace workflow {

std::optional<std::string> Engine::signal_run(const std::string& run_id, const std::string& name, Json payload,
                                              std::function<void()> committed) {
    std::optional<std::string> refused;
    locked([&](Actions& actions) {
        const bool in_memory = runs_.contains(run_id);
        ActiveRun* run = find_or_load(run_id);
        if (run == nullptr || run->finishing ||
            (run->row.status != RunStatus::running && run->row.status != RunStatus::paused)) {
            refused = run == nullptr ? "no run with id \"" + run_id + "\""
                                     : "run " + run_id + " is " + std::string(to_string(run->row.status)) +
                                           "; signals go to running or paused runs";
            if (run != nullptr && !in_memory) runs_.erase(run_id);
            return;
        }
        if (const TaskDefinition* approval = run->definition.approval_for(name);
            approval != nullptr &&
            !(payload.is_object() && payload.contains("approved") && payload["approved"].is_boolean())) {
            refused = "signal '" + name + "' decides approval task '" + approval->id +
                      "': send {\"approved\": true or false, \"comment\": optional text}";
            return;
        }
        Signal signal{++run->seq, name, std::move(payload)};
        const int64_t at = now_ms();
        checkpointer_.submit(
            [run_id, signal, at](Store& store) {
                store.add_signal(run_id, signal, at);
                store.append_event(run_id, signal.seq, at, "signal.received", "",
                                   {{"name", signal.name}, {"payload", signal.payload}});
            },
            [this, run_id] { host_.resource_updated("workflow://runs/" + run_id); });
        run->signals[name].push_back(std::move(signal));
        deliver_signals(*run, actions);
        if (committed) checkpointer_.submit(nullptr, std::move(committed));
    });
    return refused;
}

void Engine::start_signal_wait(ActiveRun& run, ActiveTask& task, Actions& actions) {
    const TaskDefinition& definition = *task.definition;
    task.row.state.attempt = 1;
    task.row.started_at_ms = now_ms();
    task.row.input = {{"signal", definition.signal}};
    if (definition.kind == TaskKind::approval) {
        try {
            task.row.input["message"] = render_template(definition.message, run.context_for(definition.reads));
        } catch (const std::exception& e) {
            task.row.state.error = std::string("cannot render the message: ") + e.what();
            task.row.state.error_kind = "bad_arguments";
            run.set_status(task, TaskStatus::failed);
            finish_task(run, task, actions);
            return;
        }
    }
    run.set_status(task, TaskStatus::running);
    Json data = {{"attempt", 1}, {"signal", definition.signal}};
    if (definition.timeout_ms) {
        task.row.state.not_before_ms = task.row.started_at_ms + *definition.timeout_ms;
        data["until_ms"] = task.row.state.not_before_ms;
        arm_timer(run, task, *definition.timeout_ms, actions);
    }
    checkpoint_task(run, task, "task.started", std::move(data));
    if (std::optional<Signal> signal = run.take_signal(definition.signal))
        consume_signal(run, task, std::move(*signal), actions);
    else if (definition.kind == TaskKind::approval)
        ask_watchers(run, task, actions);
}

// Consuming a signal may start further waits, which take their signals from run.signals at once
// (start_signal_wait): this loop walks the tasks, never the signal map, so that is safe.
void Engine::deliver_signals(ActiveRun& run, Actions& actions) {
    for (ActiveTask* task : run.by_index) {
        if (!waits_for_signal(*task->definition) || task->row.state.status != TaskStatus::running) continue;
        if (std::optional<Signal> signal = run.take_signal(task->definition->signal))
            consume_signal(run, *task, std::move(*signal), actions);
    }
}

void Engine::consume_signal(ActiveRun& run, ActiveTask& task, Signal signal, Actions& actions) {
    if (task.timer_id > 1) actions.push_back([this, id = task.timer_id] { host_.cancel_timer(id); });
    task.timer_id = 0;
    task.row.state.not_before_ms = 0;
    const Json& payload = signal.payload;
    if (task.definition->kind == TaskKind::approval) {
        const bool approved = payload.value("approved", false);
        task.row.state.output = {{"approved", approved}, {"signal_seq", signal.seq}};
        for (const char* key : {"comment", "by"})
            if (payload.contains(key)) task.row.state.output[key] = payload[key];
        if (!approved) {
            task.row.state.error = "rejected" + (payload.contains("comment") && payload["comment"].is_string()
                                                     ? ": " + payload["comment"].get<std::string>()
                                                     : std::string());
            task.row.state.error_kind = "rejected";
        }
        run.set_status(task, approved ? TaskStatus::succeeded : TaskStatus::failed);
    } else {
        task.row.state.output = payload;
        run.set_status(task, TaskStatus::succeeded);
    }
    finish_task(run, task, actions, [run_id = run.row.id, seq = signal.seq, task_id = task.row.task_id](Store& store) {
        store.consume_signal(run_id, seq, task_id);
    });
}

// Approvals ask a waiting client through elicitation when it can answer; its answer becomes the
// approval's signal. Without one, the approval waits for workflow_signal.
void Engine::ask_watchers(ActiveRun& run, ActiveTask& task, Actions& actions) {
    const Json params = {
        {"message", task.row.input["message"].is_string() ? task.row.input["message"].get<std::string>()
                                                          : task.row.input["message"].dump()},
        {"requestedSchema",
         {{"type", "object"},
          {"properties",
           {{"approved", {{"type", "boolean"}, {"title", "Approve"}}},
            {"comment", {{"type", "string"}, {"title", "Comment"}}}}},
          {"required", {"approved"}}}}};
    for (const auto& watcher : run.watchers) {
        if (!watcher->elicit) continue;
        actions.push_back([this, life = lifetime_, elicit = watcher->elicit, params, run_id = run.row.id,
                           name = task.definition->signal] {
            elicit(params, [this, life, run_id, name](std::optional<Json> answer) {
                std::shared_lock guard(life->mutex);
                if (life->stopped || !answer) return;
                const bool accepted = answer->value("action", "") == "accept";
                const Json content = answer->value("content", Json::object());
                Json payload = {{"approved", accepted && content.value("approved", false)}, {"by", "elicitation"}};
                if (content.contains("comment")) payload["comment"] = content["comment"];
                if (!accepted) payload["comment"] = "the user chose " + answer->value("action", std::string("?"));
                signal_run(run_id, name, std::move(payload), nullptr);  // refused if decided meanwhile: fine
            });
        });
        return;  // one question is enough
    }
}

}  // namespace workflow
