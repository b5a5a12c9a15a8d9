// engine_children.cpp: workflow tasks, which run another workflow as a child run; see engine.hpp.
//
// The child's id is chosen before the parent's task.started checkpoint and stored in the task's
// input, and the child's own first checkpoint is queued after it. So after a crash the parent
// either has not started the task (it starts afresh) or knows the child's id: it finds the child
// ended, running, or never stored, and then starts it under that same id.
#include "engine.hpp"

#include "engine_state.hpp"
#include "retry.hpp"
#include "template.hpp"

namespace workflow {

namespace {

constexpr int kMaxDepth = 16;  // a workflow that starts itself must end somewhere

}  // namespace

void Engine::start_child(ActiveRun& run, ActiveTask& task, bool same_attempt, Actions& actions) {
    const TaskDefinition& definition = *task.definition;
    const auto fail = [&](const std::string& kind, const std::string& message) {
        task.row.state.error = message;
        task.row.state.error_kind = kind;
        task.row.started_at_ms = task.row.started_at_ms == 0 ? now_ms() : task.row.started_at_ms;
        run.set_status(task, TaskStatus::failed);
        finish_task(run, task, actions);
    };
    int depth = 1;
    for (const ActiveRun* up = &run; !up->row.parent_run_id.empty(); ++depth) {
        auto parent = runs_.find(up->row.parent_run_id);
        if (parent == runs_.end()) break;
        up = parent->second.get();
    }
    if (depth > kMaxDepth)
        return fail("workflow_error", "sub-workflows nest deeper than " + std::to_string(kMaxDepth) + " levels");

    std::string child_id;
    Json input;
    std::optional<int64_t> version = definition.version;
    if (same_attempt) {  // after a restart: the child was never stored
        child_id = task.row.input.value("run_id", "");
        input = task.row.input.value("input", Json::object());
        version = task.row.input.value("version", int64_t{0});
    } else {
        task.row.state.attempt += 1;
        try {
            input = render_template(definition.input, run.context_for(definition.reads));
        } catch (const std::exception& e) {
            return fail("bad_arguments", std::string("cannot render the input: ") + e.what());
        }
        child_id = new_run_id();
    }
    std::optional<StoredDefinition> stored;
    {
        std::lock_guard store_lock(store_mutex_);
        stored = store_->definition(definition.workflow, version);
    }
    if (!stored)
        return fail("call_error", "no workflow named \"" + definition.workflow + "\"" +
                                      (version ? " with version " + std::to_string(*version) : std::string()) +
                                      "; define it with workflow_define");
    ParseResult parsed = parse_definition(stored->document);
    if (!parsed.definition) return fail("workflow_error", describe_problems(parsed.problems));

    if (!same_attempt) {
        task.row.input = {
            {"workflow", stored->name}, {"version", stored->version}, {"input", input}, {"run_id", child_id}};
        task.row.started_at_ms = now_ms();
        task.timed_out = false;
        run.set_status(task, TaskStatus::running);
        checkpoint_task(run, task, "task.started", {{"attempt", task.row.state.attempt}, {"child_run_id", child_id}});
    }
    if (definition.timeout_ms) {
        const int attempt = task.row.state.attempt;
        task.timer_id = host_.run_after(
            *definition.timeout_ms, [this, life = lifetime_, run_id = run.row.id, task_id = task.row.task_id, attempt] {
                std::shared_lock guard(life->mutex);
                if (!life->stopped) on_timeout(run_id, task_id, attempt);
            });
    }
    std::unique_ptr<ActiveRun> child = make_run(*stored, std::move(*parsed.definition), std::move(input), child_id);
    child->row.priority = run.row.priority;  // a child's calls are its parent's work
    child->row.parent_run_id = run.row.id;
    child->row.parent_task_id = task.row.task_id;
    begin_run(std::move(child), nullptr);
}

void Engine::child_finished(ActiveRun& parent, ActiveTask& task, const RunRow& child, Actions& actions) {
    if (task.row.state.status != TaskStatus::running || task.row.input.value("run_id", "") != child.id) return;
    if (task.timer_id > 1) actions.push_back([this, id = task.timer_id] { host_.cancel_timer(id); });
    task.timer_id = 0;
    if (child.status == RunStatus::succeeded) {
        task.row.state.output = child.output;
        task.row.state.error = nullptr;
        task.row.state.error_kind.clear();
        parent.set_status(task, TaskStatus::succeeded);
        finish_task(parent, task, actions);
        return;
    }
    const std::string kind = task.timed_out ? "timeout" : "workflow_error";
    const std::string message =
        task.timed_out
            ? "timed out after " + std::to_string(task.definition->timeout_ms.value_or(0)) + " ms"
            : "child run " + child.id + " " + std::string(to_string(child.status)) +
                  (child.error.is_null()
                       ? std::string()
                       : ": " + (child.error.is_string() ? child.error.get<std::string>() : child.error.dump()));
    task.row.state.error = message;
    task.row.state.error_kind = kind;
    const int attempt = task.row.state.attempt;
    if (should_retry(task.definition->retry, attempt, kind)) {
        const int64_t delay = backoff_delay_ms(task.definition->retry, attempt + 1, random01());
        parent.set_status(task, TaskStatus::pending);
        task.row.state.not_before_ms = now_ms() + delay;
        checkpoint_task(parent, task, "task.retrying",
                        {{"attempt", attempt}, {"error", message}, {"error_kind", kind}, {"delay_ms", delay}});
        advance(parent, actions);
        pump(actions);
        return;
    }
    parent.set_status(task, TaskStatus::failed);
    finish_task(parent, task, actions);
}

void Engine::reattach_child(ActiveRun& run, ActiveTask& task, Actions& actions) {
    const std::string child_id = task.row.input.value("run_id", "");
    if (child_id.empty() || runs_.contains(child_id)) return;  // running: it reports when it ends
    std::optional<RunRow> child;
    {
        std::lock_guard store_lock(store_mutex_);
        child = store_->run(child_id);
    }
    if (!child)
        start_child(run, task, true, actions);
    else if (child->status != RunStatus::running && child->status != RunStatus::paused)
        child_finished(run, task, *child, actions);
    // A paused child waits for workflow_resume; a running one is resumed with the others.
}

}  // namespace workflow
