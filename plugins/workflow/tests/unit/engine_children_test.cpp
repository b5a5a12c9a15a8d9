// engine_children_test.cpp: pausing and resuming a parent run reach its child runs (kind
// workflow), as cancelling does.
#include "held_calls_engine.hpp"

namespace workflow {
namespace {

class EngineChildrenTest : public HeldCallsEngineTest {
 protected:
    RunStatus status_of(const std::string& run_id) {
        return engine_->read([&](Store& store) { return store.run(run_id)->status; });
    }
    // The one run of `name` (the child, started by its parent's task).
    std::string run_of(const std::string& name) {
        const Json runs = engine_->read([&](Store& store) { return store.list_runs(name, "", 10); });
        EXPECT_EQ(runs.size(), 1u) << runs.dump();
        return runs.empty() ? "" : runs.at(0).at("run_id").get<std::string>();
    }
};

TEST_F(EngineChildrenTest, PausingAndResumingTheParentPausesAndResumesItsRunningChild) {
    make_engine(Json::object());
    // The child's second task waits for the first, so a paused child holds it back.
    Json child_tasks = tasks_of("child_tool", 2);
    child_tasks[1]["after"] = {"t0"};
    const Json child = {{"name", "child"}, {"tasks", child_tasks}};
    engine_->read([&](Store& store) { return store.add_definition("child", child, 1); });
    const std::string parent =
        start({{"name", "parent"}, {"tasks", {{{"id", "sub"}, {"kind", "workflow"}, {"workflow", "child"}}}}});
    ASSERT_EQ(host_.in_flight("child_tool"), 1u);
    const std::string child_run = run_of("child");

    ASSERT_FALSE(engine_->pause_run(parent, nullptr));
    host_.settle();
    EXPECT_EQ(status_of(parent), RunStatus::paused);
    EXPECT_EQ(status_of(child_run), RunStatus::paused);
    host_.answer_first();  // the call in flight finishes and is recorded; the next task waits
    EXPECT_EQ(host_.in_flight("child_tool"), 0u);

    ASSERT_FALSE(engine_->resume_run(parent, nullptr));
    host_.settle();
    EXPECT_EQ(status_of(child_run), RunStatus::running);
    ASSERT_EQ(host_.in_flight("child_tool"), 1u);  // t1 starts once the child is resumed
    host_.answer_first();
    EXPECT_EQ(status_of(child_run), RunStatus::succeeded);
    EXPECT_EQ(status_of(parent), RunStatus::succeeded);
}

}  // namespace
}  // namespace workflow
