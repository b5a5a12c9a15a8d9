// workflow_bench.hpp: what the three parts of workflow_bench share (see workflow_bench.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace wfbench {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
    std::vector<std::string> only;    // empty: all three
    size_t tasks = 100000;            // overhead: tasks per DAG
    size_t repeat = 3;                // overhead: runs per shape (the median is shown)
    int concurrency = 8;              // overhead: the engine's max_concurrency (the plugin's default)
    std::vector<std::string> shapes;  // overhead: chain, fan-out, layered, fan-in; empty: all
    size_t runs = 128;                // durable: runs in flight at once
    size_t chain = 10;                // durable: tasks per run (a chain)
    double seconds = 3.0;             // durable: measured time per mode
    size_t e2e_runs = 300;            // e2e: workflow_run calls
    std::string work_dir;             // databases and the host's data; a fresh temporary one by default
    std::string switchboard = SWITCHBOARD_BINARY;
    std::string bench_plugin_dir = SWITCHBOARD_BENCH_PLUGIN_DIR;
    std::string plugin_dir = SWITCHBOARD_FIRST_PARTY_PLUGIN_DIR;

    bool wants(const std::string& part) const {
        return only.empty() || std::find(only.begin(), only.end(), part) != only.end();
    }
};

// Each prints its table; false when something did not work (not when a goal is missed).
bool engine_overhead(const Options& options);
bool durable_checkpoints(const Options& options);
bool time_to_first_task(const Options& options);

// Heap allocations made so far by the calling thread (workflow_bench_allocations.cpp).
uint64_t thread_allocations();

// A tool task named `id` that calls `tool` after `after`.
inline Json tool_task(const std::string& id, const std::string& tool, const std::vector<std::string>& after = {}) {
    Json task = {{"id", id}, {"tool", tool}};
    if (!after.empty()) task["after"] = after;
    return task;
}

// A workflow of `n` no-op tool tasks t0..t<n-1>, each after the one before.
Json chain_workflow(const std::string& name, size_t n);

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (all threads), in seconds.
inline double process_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

inline double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(static_cast<double>(values.size()) * p))];
}

inline double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

}  // namespace wfbench
