// workflow_bench_durable.cpp: durable task checkpoints per second (see workflow_bench.cpp).
//
// Each mode gets a fresh database in the work directory (on disk: FULL's fsyncs are real) and
// the real Engine on two threads, as in the host: one serves tool replies, one the blocking
// pool where the checkpointer flushes. --runs runs are kept in flight: each time one ends,
// another starts. A task checkpoint counts once its commit is done (the engine publishes
// workflow.task.updated after it), during --seconds after a short warm-up.
#include "bench_support.hpp"
#include "engine.hpp"
#include "workflow_bench.hpp"
#include "workflow_bench_host.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include <cstdio>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <thread>

namespace wfbench {

namespace {

struct Mode {
    std::string name;
    workflow::Synchronous synchronous;
    size_t max_batch;  // 0: group commit; 1: one commit per change
};

struct Result {
    double checkpoints_per_s = 0;  // task checkpoints
    double writes_per_commit = 0;
    double commits_per_s = 0;
    double cpu_us_per_checkpoint = 0;  // the whole process's CPU (both threads), per task checkpoint
    uint64_t failed_runs = 0;
    uint64_t errors = 0;
};

Result measure(const Mode& mode, const Options& options, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    asio::io_context io;
    asio::io_context blocking;
    auto io_guard = asio::make_work_guard(io);
    auto blocking_guard = asio::make_work_guard(blocking);

    const Json document = chain_workflow("chain", options.chain);
    workflow::ParseResult parsed = workflow::parse_definition(document);
    if (!parsed.definition) throw std::runtime_error(workflow::describe_problems(parsed.problems));

    auto store = std::make_unique<workflow::Store>((dir / "workflow.db").string(), mode.synchronous);
    const workflow::StoredDefinition stored{"chain", store->add_definition("chain", document, 0), document, 0};

    workflow::EngineOptions engine_options;
    engine_options.max_concurrency = static_cast<int>(options.runs);  // one task in flight per run
    engine_options.checkpoints.max_batch = mode.max_batch;
    std::unique_ptr<workflow::Engine> engine;
    std::atomic<bool> starting{true};
    std::atomic<uint64_t> failed_runs{0};
    const auto start_one = [&] {
        if (starting) engine->start_run(stored, *parsed.definition, Json::object(), nullptr, nullptr);
    };
    BenchHost host(io, blocking, [&](const std::string&, const std::string& status) {
        if (status != "succeeded") ++failed_runs;
        asio::post(io, start_one);  // as a new workflow_run would arrive
    });
    engine = std::make_unique<workflow::Engine>(host, std::move(store), engine_options);
    std::thread io_thread([&] { io.run(); });
    std::thread blocking_thread([&] { blocking.run(); });
    for (size_t i = 0; i < options.runs; ++i) asio::post(io, start_one);

    // Warm-up: at least 0.3 s and until every run has committed a task checkpoint, so that the
    // window sees the steady state, not the runs being inserted (slow when each is a commit).
    const Clock::time_point warmup = Clock::now();
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while ((seconds_since(warmup) < 0.3 || host.task_checkpoints() < options.runs) && seconds_since(warmup) < 60);
    const uint64_t checkpoints_before = host.task_checkpoints();
    const workflow::CheckpointStats stats_before = engine->checkpoint_stats();
    const double cpu_before = process_cpu_seconds();
    const Clock::time_point start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
    const double cpu = process_cpu_seconds() - cpu_before;
    const uint64_t checkpoints_after = host.task_checkpoints();
    const workflow::CheckpointStats stats_after = engine->checkpoint_stats();
    const double elapsed = seconds_since(start);

    // Stop starting runs, let every start already posted see that, then stop the engine (it
    // drains what is queued) and only then the threads it posts to.
    starting = false;
    std::promise<void> barrier;
    asio::post(io, [&barrier] { barrier.set_value(); });
    barrier.get_future().wait();
    engine.reset();
    io_guard.reset();
    blocking_guard.reset();
    io.stop();
    io_thread.join();
    blocking_thread.join();

    Result result;
    const auto checkpoints = static_cast<double>(checkpoints_after - checkpoints_before);
    result.checkpoints_per_s = checkpoints / elapsed;
    result.cpu_us_per_checkpoint = checkpoints > 0 ? cpu * 1e6 / checkpoints : 0;
    const uint64_t commits = stats_after.commits - stats_before.commits;
    result.commits_per_s = static_cast<double>(commits) / elapsed;
    result.writes_per_commit =
        commits == 0 ? 0 : static_cast<double>(stats_after.writes - stats_before.writes) / static_cast<double>(commits);
    result.failed_runs = failed_runs;
    result.errors = host.errors();
    return result;
}

}  // namespace

bool durable_checkpoints(const Options& options) {
    std::printf(
        "Durable task checkpoints per second: SQLite WAL, %zu runs in flight, each a chain of %zu no-op tool "
        "tasks (2 task checkpoints per task), %.1f s per mode\n",
        options.runs, options.chain, options.seconds);
    std::printf("%-44s %14s %10s %14s %16s\n", "mode", "checkpoints/s", "commits/s", "writes/commit",
                "CPU us/checkpoint");
    const std::vector<Mode> modes = {{"synchronous=NORMAL, group commit", workflow::Synchronous::normal, 0},
                                     {"synchronous=NORMAL, naive (1 commit/change)", workflow::Synchronous::normal, 1},
                                     {"synchronous=FULL, group commit", workflow::Synchronous::full, 0},
                                     {"synchronous=FULL, naive (1 commit/change)", workflow::Synchronous::full, 1}};
    std::vector<Result> results;
    bool ok = true;
    for (size_t i = 0; i < modes.size(); ++i) {
        const Result result =
            measure(modes[i], options, std::filesystem::path(options.work_dir) / ("durable" + std::to_string(i)));
        std::printf("%-44s %14s %10s %14s %16s\n", modes[i].name.c_str(),
                    bench::fixed(result.checkpoints_per_s, 0).c_str(), bench::fixed(result.commits_per_s, 0).c_str(),
                    bench::fixed(result.writes_per_commit, 1).c_str(),
                    bench::fixed(result.cpu_us_per_checkpoint, 1).c_str());
        if (result.failed_runs != 0 || result.errors != 0 || result.checkpoints_per_s <= 0) {
            std::fprintf(stderr, "%s: %llu runs did not succeed, %llu engine errors, or no checkpoint in the window\n",
                         modes[i].name.c_str(), static_cast<unsigned long long>(result.failed_runs),
                         static_cast<unsigned long long>(result.errors));
            ok = false;
        }
        results.push_back(result);
    }
    const auto ratio = [](const Result& group, const Result& naive) {
        return naive.checkpoints_per_s > 0 ? group.checkpoints_per_s / naive.checkpoints_per_s : 0.0;
    };
    std::printf("group commit / naive: NORMAL %sx, FULL %sx\n", bench::fixed(ratio(results[0], results[1]), 1).c_str(),
                bench::fixed(ratio(results[2], results[3]), 1).c_str());
    std::printf("goals: NORMAL group commit >= 20,000/s %s; FULL group commit >= 1,000/s %s\n\n",
                results[0].checkpoints_per_s >= 20000 ? "met" : "MISSED",
                results[2].checkpoints_per_s >= 1000 ? "met" : "MISSED");
    return ok;
}

}  // namespace wfbench
