// held_calls_engine.hpp: a real Engine on a real SQLite file, under a host that holds every tool
// call until the test answers it and runs blocking work (checkpoints) when the test says, so what
// is in flight is exact. Shared by the engine-level tests.
#pragma once

#include "engine.hpp"
#include "plugin_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>

namespace workflow {

class HeldCallsHost : public EngineHost {
 public:
    struct Call {
        std::string tool;
        std::string task_id;
        std::function<void(bool, Json)> done;
    };
    uint64_t call_tool(std::string params_json, std::function<void(bool, Json)> done) override {
        const Json params = Json::parse(params_json);
        calls.push_back({params["name"].get<std::string>(), params["_meta"]["workflow"]["task_id"], std::move(done)});
        return ++next_call;
    }
    void cancel_call(uint64_t) override {}
    void post_blocking(std::function<void()> task) override { blocking.push_back(std::move(task)); }
    uint64_t run_after(int64_t, std::function<void()> task) override {
        timers.push_back(std::move(task));
        return ++next_timer;
    }
    void cancel_timer(uint64_t) override {}
    void publish(std::string_view, const Json&) override {}
    void resource_updated(std::string_view) override {}
    void log_error(std::string_view message) override { ADD_FAILURE() << "engine error: " << message; }
    std::string tool_owner(std::string_view tool) override {
        auto owner = owners.find(std::string(tool));
        return owner == owners.end() ? "" : owner->second;
    }

    void settle() {
        while (!blocking.empty()) {
            auto task = std::move(blocking.front());
            blocking.pop_front();
            task();
        }
    }
    // Answers the oldest unanswered call, then lets the engine carry on.
    Call answer_first() {
        Call call = std::move(calls.front());
        calls.pop_front();
        call.done(true, Json{{"content", Json::array()}, {"structuredContent", Json::object()}});
        settle();
        return call;
    }
    size_t in_flight(const std::string& tool) const {
        return static_cast<size_t>(
            std::count_if(calls.begin(), calls.end(), [&](const Call& call) { return call.tool == tool; }));
    }

    std::deque<Call> calls;  // in flight
    std::deque<std::function<void()>> blocking;
    std::vector<std::function<void()>> timers;
    uint64_t next_call = 0;
    uint64_t next_timer = 1;
    std::map<std::string, std::string> owners;  // tool -> plugin id, for plugin_limits
};

// n independent tool tasks t0..t(n-1) calling `tool`, with `extra` merged into each task.
inline Json tasks_of(const std::string& tool, int n, const Json& extra = Json::object()) {
    Json tasks = Json::array();
    for (int i = 0; i < n; ++i) {
        std::string id = "t";  // not "t" + to_string(i): GCC 12 warns falsely (-Wstringop-overflow)
        id += std::to_string(i);
        Json task = {{"id", id}, {"tool", tool}};
        task.update(extra);
        tasks.push_back(task);
    }
    return tasks;
}

class HeldCallsEngineTest : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("workflow_engine_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        host_.settle();
        engine_.reset();
        std::filesystem::remove_all(dir_);
    }
    void make_engine(const Json& config) {
        const PluginConfig parsed = parse_plugin_config(config);
        EngineOptions options;
        options.max_concurrency = parsed.max_concurrency;
        options.pools = parsed.pools;
        options.tool_limits = parsed.tool_limits;
        options.plugin_limits = parsed.plugin_limits;
        options.workflow_limits = parsed.workflow_limits;
        engine_ = std::make_unique<Engine>(host_, std::make_unique<Store>((dir_ / "workflow.db").string()), options);
    }
    // Returns the run id once the run is durable.
    std::string start(const Json& document, int priority = 0) {
        const ParseResult parsed = engine_->check_definition(document);
        EXPECT_TRUE(parsed.definition) << describe_problems(parsed.problems);
        if (!parsed.definition) return "";
        StoredDefinition stored;
        stored.name = parsed.definition->name;
        stored.version = engine_->read([&](Store& store) { return store.add_definition(stored.name, document, 1); });
        stored.document = document;
        std::string run_id;
        engine_->start_run(
            stored, *parsed.definition, Json::object(), [&](const std::string& id) { run_id = id; }, nullptr, nullptr,
            priority);
        host_.settle();
        return run_id;
    }
    // What a task of a run waits for, as workflow_status shows it; "" when nothing holds it.
    std::string waiting_for(const std::string& run_id, const std::string& task) {
        Json status = {{"run_id", run_id}, {"tasks", {{{"id", task}}}}};
        engine_->add_waiting_for(status);
        return status["tasks"][0].value("waiting_for", "");
    }

    HeldCallsHost host_;
    std::filesystem::path dir_;
    std::unique_ptr<Engine> engine_;
};

}  // namespace workflow
