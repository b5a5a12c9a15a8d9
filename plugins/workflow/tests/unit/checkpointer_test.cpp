// checkpointer_test.cpp: the checkpointer's modes (group commit, one commit per change, no
// durability) keep continuations in order, and the store's `synchronous` setting and its config key.
#include "checkpointer.hpp"
#include "plugin_config.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>

namespace workflow {
namespace {

// Blocking work waits in a queue until the test runs it.
class QueueHost : public EngineHost {
 public:
    uint64_t call_tool(std::string, std::function<void(bool, Json)>) override { return 0; }
    void cancel_call(uint64_t) override {}
    void post_blocking(std::function<void()> task) override { tasks.push_back(std::move(task)); }
    uint64_t run_after(int64_t, std::function<void()>) override { return 0; }
    void cancel_timer(uint64_t) override {}
    void publish(std::string_view, const Json&) override {}
    void resource_updated(std::string_view) override {}
    void log_error(std::string_view) override {}
    void run_all() {
        while (!tasks.empty()) {
            auto task = std::move(tasks.front());
            tasks.pop_front();
            task();
        }
    }
    std::deque<std::function<void()>> tasks;
};

class CheckpointerTest : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("workflow_checkpointer_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path() const { return (dir_ / "workflow.db").string(); }

    // Queues w1, w2, a continuation without a write, w3, then flushes; returns the order the
    // continuations ran in.
    std::string run(Store& store, CheckpointerOptions options, CheckpointStats& stats) {
        std::mutex store_mutex;
        Checkpointer checkpointer(host_, store, store_mutex, options);
        std::string order;
        const auto write = [](const std::string& name) {
            return [name](Store& s) { s.add_definition(name, {{"name", name}}, 1); };
        };
        checkpointer.submit(write("w1"), [&] { order += "1"; });
        checkpointer.submit(write("w2"), [&] { order += "2"; });
        checkpointer.submit(nullptr, [&] { order += "-"; });
        checkpointer.submit(write("w3"), [&] { order += "3"; });
        host_.run_all();
        checkpointer.drain_and_stop();
        stats = checkpointer.stats();
        return order;
    }

    QueueHost host_;
    std::filesystem::path dir_;
};

TEST_F(CheckpointerTest, GroupCommitPutsEveryQueuedWriteInOneTransaction) {
    Store store(path());
    CheckpointStats stats;
    EXPECT_EQ(run(store, {}, stats), "12-3");
    EXPECT_EQ(stats.commits, 1u);
    EXPECT_EQ(stats.writes, 3u);
    EXPECT_TRUE(store.definition("w3", std::nullopt));
}

TEST_F(CheckpointerTest, MaxBatchOfOneCommitsEachChangeAlone) {
    Store store(path());
    CheckpointStats stats;
    EXPECT_EQ(run(store, {.durable = true, .max_batch = 1}, stats), "12-3");
    EXPECT_EQ(stats.commits, 3u);  // the continuation without a write rides with w2's commit
    EXPECT_EQ(stats.writes, 3u);
    EXPECT_TRUE(store.definition("w1", std::nullopt));
    EXPECT_TRUE(store.definition("w3", std::nullopt));
}

TEST_F(CheckpointerTest, WithoutDurabilityWritesAreDroppedAndContinuationsKeepTheirOrder) {
    Store store(path());
    CheckpointStats stats;
    EXPECT_EQ(run(store, {.durable = false, .max_batch = 0}, stats), "12-3");
    EXPECT_EQ(stats.commits, 0u);
    EXPECT_EQ(stats.writes, 3u);
    EXPECT_FALSE(store.definition("w1", std::nullopt));
}

int64_t synchronous_pragma(Store& store) {
    auto& query = store.database().prepare("PRAGMA synchronous");
    query.step();
    const int64_t value = query.integer(0);
    query.reset();
    return value;
}

TEST_F(CheckpointerTest, StoreSynchronousIsNormalOrFull) {
    {
        Store store(path());
        EXPECT_EQ(synchronous_pragma(store), 1);  // NORMAL
    }
    Store store(path(), Synchronous::full);
    EXPECT_EQ(synchronous_pragma(store), 2);  // FULL
}

TEST(PluginConfigTest, SynchronousTakesNormalOrFull) {
    EXPECT_EQ(parse_plugin_config(nullptr).synchronous, Synchronous::normal);
    EXPECT_EQ(parse_plugin_config({{"synchronous", "full"}}).synchronous, Synchronous::full);
    EXPECT_EQ(parse_plugin_config({{"synchronous", "normal"}}).synchronous, Synchronous::normal);
    try {
        parse_plugin_config({{"synchronous", "off"}});
        FAIL() << "accepted synchronous: off";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("$.plugins.workflow.config.synchronous"), std::string::npos);
    }
}

}  // namespace
}  // namespace workflow
