// store_test.cpp: migrations, immutable definition versions, and run rows that survive reopening.
#include "store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace workflow {
namespace {

class StoreTest : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("workflow_store_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path() const { return (dir_ / "workflow.db").string(); }
    std::filesystem::path dir_;
};

TEST_F(StoreTest, DefiningTwiceAddsAVersion) {
    Store store(path());
    EXPECT_EQ(store.add_definition("w", {{"name", "w"}, {"v", 1}}, 1), 1);
    EXPECT_EQ(store.add_definition("w", {{"name", "w"}, {"v", 2}}, 2), 2);
    EXPECT_EQ(store.definition("w", std::nullopt)->document["v"], 2);
    EXPECT_EQ(store.definition("w", 1)->document["v"], 1);
    EXPECT_FALSE(store.definition("w", 3));
    EXPECT_EQ(store.list_definitions().size(), 1u);
}

TEST_F(StoreTest, RunsAndTasksSurviveReopening) {
    {
        Store store(path());
        store.add_definition("w", {{"name", "w"}}, 1);
        RunRow run;
        run.id = "run_1";
        run.name = "w";
        run.version = 1;
        run.input = {{"x", 1}};
        run.created_at_ms = 5;
        run.priority = 7;  // a resumed run keeps its dispatch priority
        TaskRow task;
        task.task_id = "a";
        run.tasks.push_back(task);
        Transaction transaction(store.database());
        store.insert_run(run);
        task.state.status = TaskStatus::running;
        task.state.attempt = 2;
        task.input = {{"arg", true}};
        store.upsert_task("run_1", task);
        store.append_event("run_1", 1, 5, "run.started", "", Json::object());
        store.append_event("run_1", 2, 6, "task.started", "a", {{"attempt", 2}});
        transaction.commit();
    }
    Store store(path());  // migrations are not re-run on an up-to-date database
    EXPECT_EQ(store.unfinished_run_ids(), (std::vector<std::string>{"run_1"}));
    const auto run = store.run("run_1");
    ASSERT_TRUE(run);
    EXPECT_EQ(run->last_seq, 2);
    EXPECT_EQ(run->priority, 7);
    ASSERT_EQ(run->tasks.size(), 1u);
    EXPECT_EQ(run->tasks[0].state.status, TaskStatus::running);
    EXPECT_EQ(run->tasks[0].state.attempt, 2);
    EXPECT_EQ(run->tasks[0].input, Json({{"arg", true}}));
    const Json history = store.history("run_1", 1, 10);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0]["type"], "task.started");
    EXPECT_EQ(history[0]["task"], "a");
}

TEST_F(StoreTest, RunMustReferenceAStoredDefinition) {
    Store store(path());
    RunRow run;
    run.id = "run_x";
    run.name = "missing";
    run.version = 1;
    run.input = Json::object();
    EXPECT_THROW(store.insert_run(run), SqliteError);  // foreign keys are on
}

ScheduleRow schedule_row(const std::string& id, int64_t created_at_ms, int64_t next_fire_ms) {
    ScheduleRow row;
    row.id = id;
    row.workflow = std::string("w");  // assigning a literal trips GCC 12's -Wrestrict in a unity build
    row.input = {{"n", 1}};
    row.cron = std::string("*/5 * * * *");
    row.created_at_ms = created_at_ms;
    row.next_fire_at_ms = next_fire_ms;
    return row;
}

TEST_F(StoreTest, SchedulesSurviveReopening) {
    {
        Store store(path());
        ScheduleRow pinned = schedule_row("b", 10, 300);
        pinned.version = 2;
        pinned.enabled = false;
        Transaction transaction(store.database());
        store.insert_schedule(schedule_row("a", 10, 300));
        store.insert_schedule(pinned);
        transaction.commit();
    }
    Store store(path());
    const std::vector<ScheduleRow> rows = store.schedules();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].id, "a");
    EXPECT_FALSE(rows[0].version);
    EXPECT_EQ(rows[0].input["n"], 1);
    EXPECT_TRUE(rows[0].enabled);
    EXPECT_EQ(rows[0].next_fire_at_ms, 300);
    EXPECT_EQ(rows[1].version, 2);
    EXPECT_FALSE(rows[1].enabled);
    EXPECT_EQ(rows[1].next_fire_at_ms, 0);  // disabled: no next fire time
    EXPECT_TRUE(store.delete_schedule("a"));
    EXPECT_FALSE(store.delete_schedule("a"));
    EXPECT_EQ(store.schedules().size(), 1u);
}

TEST_F(StoreTest, AFireRecordsTheRunAndOnlyMovesTheNextFireForward) {
    Store store(path());
    store.insert_schedule(schedule_row("a", 10, 300));
    store.record_schedule_fire("a", 10, 301, "run_1", "", 600);
    ScheduleRow row = store.schedules().at(0);
    EXPECT_EQ(row.last_fire_at_ms, 301);
    EXPECT_EQ(row.last_run_id, "run_1");
    EXPECT_EQ(row.next_fire_at_ms, 600);
    // A fire queued before an enable that landed first keeps the enable's later time.
    store.set_schedule_enabled("a", true, 900);
    store.record_schedule_fire("a", 10, 601, "run_2", "", 700);
    row = store.schedules().at(0);
    EXPECT_EQ(row.next_fire_at_ms, 900);
    EXPECT_EQ(row.last_run_id, "run_2");
    // A failed fire keeps the last run and records why.
    store.record_schedule_fire("a", 10, 901, "", "no workflow named \"w\"", 1200);
    row = store.schedules().at(0);
    EXPECT_EQ(row.last_run_id, "run_2");
    EXPECT_EQ(row.last_error, "no workflow named \"w\"");
    EXPECT_EQ(row.next_fire_at_ms, 1200);
}

TEST_F(StoreTest, AFireLandingAfterADisableOrARecreateChangesNothingItShouldNot) {
    Store store(path());
    store.insert_schedule(schedule_row("a", 10, 300));
    store.set_schedule_enabled("a", false, 0);
    store.record_schedule_fire("a", 10, 301, "run_1", "", 600);
    EXPECT_EQ(store.schedules().at(0).next_fire_at_ms, 0);  // stays disabled
    EXPECT_FALSE(store.schedules().at(0).enabled);
    // Deleted and created again under the same id: a late fire of the old one leaves it alone.
    store.delete_schedule("a");
    store.insert_schedule(schedule_row("a", 20, 800));
    store.record_schedule_fire("a", 10, 801, "run_old", "", 5000);
    const ScheduleRow row = store.schedules().at(0);
    EXPECT_EQ(row.last_run_id, "");
    EXPECT_EQ(row.next_fire_at_ms, 800);
}

}  // namespace
}  // namespace workflow
