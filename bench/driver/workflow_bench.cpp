// workflow_bench.cpp: the workflow plugin's three figures (issue 6, "Benchmarks").
//
//   overhead   engine cost per task: the real Engine, in-process, on one thread, with durability
//              off (writes dropped, continuations still ordered), running one run of --tasks no-op
//              tool tasks that a bench host answers at once but asynchronously. Several DAG
//              shapes; wall and CPU µs per task, and what the engine does per task.
//   durable    task checkpoints committed per second with WAL, synchronous NORMAL and FULL, group
//              commit against one commit per change (the naive baseline), in the same run: --runs
//              concurrent runs of a --chain-task chain, a new run started as each one ends.
//   e2e        time from workflow_run to the first task's tool call, through the real host over
//              stdio: the bench_echo plugin's bench_clock tool returns CLOCK_MONOTONIC when it is
//              called, and the driver compares it with the time it sent the request.
//
//   workflow_bench [--only overhead,durable,e2e] [--tasks N] [--repeat N] [--concurrency N]
//                  [--shapes chain,fan-out,layered,fan-in]
//                  [--runs N] [--chain N] [--seconds S] [--e2e-runs N] [--work-dir DIR]
//                  [--switchboard BIN] [--bench-plugin-dir DIR] [--plugin-dir DIR]
//
// It exits non-zero when something did not work (a run failed, a count is off), never because
// a goal was missed: the goals are printed beside the figures.
#include "workflow_bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const size_t end = comma == std::string::npos ? text.size() : comma;
        if (end > start) parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

wfbench::Options parse(int argc, char** argv) {
    wfbench::Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
        const std::string value = argv[++i];
        if (flag == "--only")
            options.only = split(value);
        else if (flag == "--tasks")
            options.tasks = std::stoul(value);
        else if (flag == "--repeat")
            options.repeat = std::stoul(value);
        else if (flag == "--shapes")
            options.shapes = split(value);
        else if (flag == "--concurrency")
            options.concurrency = std::stoi(value);
        else if (flag == "--runs")
            options.runs = std::stoul(value);
        else if (flag == "--chain")
            options.chain = std::stoul(value);
        else if (flag == "--seconds")
            options.seconds = std::stod(value);
        else if (flag == "--e2e-runs")
            options.e2e_runs = std::stoul(value);
        else if (flag == "--work-dir")
            options.work_dir = value;
        else if (flag == "--switchboard")
            options.switchboard = value;
        else if (flag == "--bench-plugin-dir")
            options.bench_plugin_dir = value;
        else if (flag == "--plugin-dir")
            options.plugin_dir = value;
        else
            throw std::invalid_argument("unknown flag " + flag);
    }
    if (options.tasks < 3 || options.repeat < 1 || options.concurrency < 1 || options.runs < 1 || options.chain < 1 ||
        options.seconds <= 0 || options.e2e_runs < 1)
        throw std::invalid_argument("sizes must be positive (--tasks at least 3)");
    for (const std::string& shape : options.shapes)
        if (shape != "chain" && shape != "fan-out" && shape != "layered" && shape != "fan-in")
            throw std::invalid_argument("--shapes takes chain, fan-out, layered, fan-in; got " + shape);
    for (const std::string& part : options.only)
        if (part != "overhead" && part != "durable" && part != "e2e")
            throw std::invalid_argument("--only takes overhead, durable, e2e; got " + part);
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        wfbench::Options options = parse(argc, argv);
        namespace fs = std::filesystem;
        if (options.work_dir.empty())
            options.work_dir = (fs::temp_directory_path() / ("workflow_bench." + std::to_string(::getpid()))).string();
        fs::remove_all(options.work_dir);
        fs::create_directories(options.work_dir);
        bool ok = true;
        if (options.wants("overhead")) ok = wfbench::engine_overhead(options) && ok;
        if (options.wants("durable")) ok = wfbench::durable_checkpoints(options) && ok;
        if (options.wants("e2e")) ok = wfbench::time_to_first_task(options) && ok;
        fs::remove_all(options.work_dir);
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "workflow_bench: " << e.what() << "\n";
        return 2;
    }
}
