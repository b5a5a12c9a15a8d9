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

}  // namespace
}  // namespace workflow
