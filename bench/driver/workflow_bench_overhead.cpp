// workflow_bench_overhead.cpp: the engine's own cost per task, without durability (see
// workflow_bench.cpp). Everything runs on the calling thread: one io_context serves the tool
// replies and the checkpointer's flushes, so CPU time is the engine's (plus the bench host's
// posts), with no thread hand-offs.
#include "bench_support.hpp"
#include "engine.hpp"
#include "workflow_bench.hpp"
#include "workflow_bench_host.hpp"

#include <cstdio>
#include <random>
#include <stdexcept>

namespace wfbench {

namespace {

struct Shape {
    std::string name;
    Json document;
};

std::string id(size_t index) { return std::string("t") += std::to_string(index); }

Json workflow(const std::string& name, Json tasks) { return {{"name", name}, {"tasks", std::move(tasks)}}; }

Shape chain(size_t n) { return {"chain", chain_workflow("chain", n)}; }

// A wide fan-out: one root, every other task after it, so all are ready at once.
Shape fan_out(size_t n) {
    Json tasks = Json::array();
    tasks.push_back(tool_task(id(0), "noop"));
    for (size_t i = 1; i < n; ++i) tasks.push_back(tool_task(id(i), "noop", {id(0)}));
    return {"fan-out", workflow("fan_out", std::move(tasks))};
}

// A fan-out whose last task joins all the others (map then reduce). Its join depends on n - 2
// tasks, so it shows what a step costs when a task has many dependencies.
Shape fan_in(size_t n) {
    Json tasks = Json::array();
    tasks.push_back(tool_task(id(0), "noop"));
    std::vector<std::string> leaves;
    for (size_t i = 1; i + 1 < n; ++i) {
        tasks.push_back(tool_task(id(i), "noop", {id(0)}));
        leaves.push_back(id(i));
    }
    tasks.push_back(tool_task(id(n - 1), "noop", leaves));
    return {"fan-in " + std::to_string(n) + " (join)", workflow("fan_in", std::move(tasks))};
}

// Layers of `width` tasks; each task after 1 to 3 random tasks of the layer before (seeded).
Shape layered(size_t n, size_t width) {
    std::mt19937_64 random(42);
    Json tasks = Json::array();
    for (size_t i = 0; i < n; ++i) {
        const size_t layer = i / width;
        std::vector<std::string> after;
        if (layer > 0) {
            const size_t parents = 1 + random() % 3;
            for (size_t p = 0; p < parents; ++p) {
                const std::string parent = id((layer - 1) * width + random() % width);
                if (std::find(after.begin(), after.end(), parent) == after.end()) after.push_back(parent);
            }
        }
        tasks.push_back(tool_task(id(i), "noop", after));
    }
    return {"layered " + std::to_string((n + width - 1) / width) + " x " + std::to_string(width),
            workflow("layered", std::move(tasks))};
}

struct Sample {
    double wall_s = 0;
    double cpu_s = 0;
    uint64_t allocations = 0;
    uint64_t calls = 0;
    uint64_t flushes = 0;  // the checkpointer's posts to the blocking pool
    uint64_t publishes = 0;
    uint64_t writes = 0;
    std::string status;
};

Sample run_once(const workflow::StoredDefinition& stored, const workflow::Definition& definition,
                const Options& options) {
    asio::io_context io;
    Sample sample;
    Clock::time_point end;
    double cpu_end = 0;
    uint64_t allocations_end = 0;
    BenchHost host(io, io, [&](const std::string&, const std::string& status) {
        end = Clock::now();
        cpu_end = process_cpu_seconds();
        allocations_end = thread_allocations();
        sample.status = status;
    });
    workflow::EngineOptions engine_options;
    engine_options.max_concurrency = options.concurrency;
    engine_options.checkpoints.durable = false;
    // Never written with durability off; the engine only needs one to exist.
    workflow::Engine engine(host, std::make_unique<workflow::Store>(":memory:"), engine_options);
    workflow::Definition copy = definition;  // start_run takes one; copying is not the engine's work

    const uint64_t allocations_start = thread_allocations();
    const double cpu_start = process_cpu_seconds();
    const Clock::time_point start = Clock::now();
    engine.start_run(stored, std::move(copy), Json::object(), nullptr, nullptr);
    io.run();  // returns when nothing is left to do: the run has ended
    if (sample.status.empty()) throw std::runtime_error("the run did not end");
    sample.wall_s = std::chrono::duration<double>(end - start).count();
    sample.cpu_s = cpu_end - cpu_start;
    sample.allocations = allocations_end - allocations_start;
    sample.calls = host.calls();
    sample.flushes = host.blocking_posts();
    sample.publishes = host.publishes();
    sample.writes = engine.checkpoint_stats().writes;
    if (host.errors() != 0) sample.status = "errors";
    return sample;
}

std::string per_task(double seconds, size_t tasks) {
    return bench::fixed(seconds * 1e6 / static_cast<double>(tasks), 2);
}

}  // namespace

Json chain_workflow(const std::string& name, size_t n) {
    Json tasks = Json::array();
    tasks.push_back(tool_task(id(0), "noop"));
    for (size_t i = 1; i < n; ++i) tasks.push_back(tool_task(id(i), "noop", {id(i - 1)}));
    return workflow(name, std::move(tasks));
}

bool engine_overhead(const Options& options) {
    const size_t n = options.tasks;
    std::printf(
        "Engine overhead per task, durability off: %zu no-op tool tasks per run (the join: at most 10,000), "
        "max_concurrency %d, one thread, median of %zu runs\n",
        n, options.concurrency, options.repeat);
    std::printf("%-22s %12s %12s %14s %10s  %s\n", "shape", "wall us/task", "CPU us/task", "validate (ms)",
                "allocs/task", "goal (CPU)");
    bool ok = true;
    // The join is capped: each step re-checks all of its dependencies, so a 100k join takes minutes.
    const size_t join_size = std::min<size_t>(n, 10000);
    for (const Shape& shape :
         {chain(n), fan_out(n), layered(n, std::min<size_t>(1000, n / 10 + 1)), fan_in(join_size)}) {
        const std::string kind = shape.name.substr(0, shape.name.find(' '));
        if (!options.shapes.empty() &&
            std::find(options.shapes.begin(), options.shapes.end(), kind) == options.shapes.end())
            continue;
        const size_t tasks = shape.document["tasks"].size();
        const Clock::time_point parse_start = Clock::now();
        workflow::ParseResult parsed = workflow::parse_definition(shape.document);
        const double parse_ms = seconds_since(parse_start) * 1e3;
        if (!parsed.definition)
            throw std::runtime_error(shape.name + ": " + workflow::describe_problems(parsed.problems));
        const workflow::StoredDefinition stored{shape.document["name"].get<std::string>(), 1, shape.document, 0};

        std::vector<double> wall, cpu;
        Sample last;
        for (size_t r = 0; r < options.repeat; ++r) {
            last = run_once(stored, *parsed.definition, options);
            if (last.status != "succeeded" || last.calls != tasks) {
                std::fprintf(stderr, "%s: run ended %s after %llu tool calls of %zu\n", shape.name.c_str(),
                             last.status.c_str(), static_cast<unsigned long long>(last.calls), tasks);
                ok = false;
            }
            wall.push_back(last.wall_s);
            cpu.push_back(last.cpu_s);
        }
        const double cpu_us = median(cpu) * 1e6 / static_cast<double>(tasks);
        std::printf("%-22s %12s %12s %14s %10s  <= 5 us %s\n", shape.name.c_str(),
                    per_task(median(wall), tasks).c_str(), per_task(median(cpu), tasks).c_str(),
                    bench::fixed(parse_ms, 0).c_str(),
                    bench::fixed(static_cast<double>(last.allocations) / static_cast<double>(tasks), 0).c_str(),
                    cpu_us <= 5.0 ? "met" : "MISSED");
        if (shape.name == "chain") {
            const auto each = [tasks](uint64_t count) {
                return bench::fixed(static_cast<double>(count) / static_cast<double>(tasks), 2);
            };
            std::printf(
                "  per task (chain): %s tool calls, %s checkpoint writes (queued, dropped), %s flushes, "
                "%s bus events\n",
                each(last.calls).c_str(), each(last.writes).c_str(), each(last.flushes).c_str(),
                each(last.publishes).c_str());
        }
    }
    std::printf("\n");
    return ok;
}

}  // namespace wfbench
