// workflow_bench_e2e.cpp: time from workflow_run to the first task's tool call, end to end (see
// workflow_bench.cpp). The host runs with the workflow plugin and bench_echo, whose bench_clock
// tool returns CLOCK_MONOTONIC (steady_clock) at the moment it is called; the driver reads the
// same clock when it writes the request. One run at a time, each with wait: true, so the answer
// carries the tool's output and also gives the whole run's round trip.
#include "bench_support.hpp"
#include "workflow_bench.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace wfbench {

namespace {

namespace fs = std::filesystem;

int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Sends a request and returns its result, skipping notifications and other messages.
Json request(bench::ChildProcess& server, int64_t id, const std::string& method, const Json& params) {
    server.send(Json({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}).dump() + "\n");
    for (;;) {
        const Json message = Json::parse(server.read_line());
        if (!message.contains("id") || message["id"] != id) continue;
        if (message.contains("error")) throw std::runtime_error(method + " failed: " + message["error"].dump());
        return message["result"];
    }
}

Json call_tool(bench::ChildProcess& server, int64_t id, const std::string& name, const Json& arguments) {
    Json result = request(server, id, "tools/call", {{"name", name}, {"arguments", arguments}});
    if (result.value("isError", false)) throw std::runtime_error(name + " failed: " + result.dump());
    return result;
}

std::string write_config(const Options& options, const fs::path& dir) {
    fs::create_directories(dir / "data");
    const Json config = {
        {"data_dir", (dir / "data").string()},
        {"plugin_paths", {fs::absolute(options.bench_plugin_dir).string(), fs::absolute(options.plugin_dir).string()}},
        {"discover", false},
        {"plugins", {{"bench_echo", Json::object()}, {"workflow", {{"config", {{"resume_delay_ms", 0}}}}}}},
        {"log", {{"level", "warn"}}}};
    const fs::path path = dir / "switchboard.json";
    std::ofstream(path) << config.dump(2);
    return path.string();
}

std::string us(double ns) { return bench::fixed(ns / 1e3, 0); }

}  // namespace

bool time_to_first_task(const Options& options) {
    const fs::path dir = fs::path(options.work_dir) / "e2e";
    fs::create_directories(dir);
    bench::ChildProcess server({options.switchboard, "--config", write_config(options, dir), "--stdio"},
                               (dir / "switchboard.log").string());
    int64_t id = 0;
    request(server, ++id, "initialize",
            {{"protocolVersion", "2025-11-25"},
             {"capabilities", Json::object()},
             {"clientInfo", {{"name", "workflow_bench"}, {"version", "1"}}}});
    server.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                "\n");
    // Two tasks, so the run also shows that a second step follows.
    const Json definition = {
        {"name", "first_task"},
        {"tasks", {tool_task("first", "bench_clock"), tool_task("second", "bench_clock", {"first"})}}};
    call_tool(server, ++id, "workflow_define", {{"definition", definition}});

    std::vector<double> to_first, to_second, round_trip;
    const size_t warmup = std::min<size_t>(20, options.e2e_runs / 10);
    for (size_t i = 0; i < warmup + options.e2e_runs; ++i) {
        const int64_t sent = monotonic_ns();
        const Json result = call_tool(server, ++id, "workflow_run", {{"name", "first_task"}, {"wait", true}});
        const int64_t answered = monotonic_ns();
        const Json& run = result.at("structuredContent");
        if (run.at("status") != "succeeded") throw std::runtime_error("a run did not succeed: " + run.dump());
        const int64_t first = run.at("tasks").at(0).at("output").at("monotonic_ns").get<int64_t>();
        const int64_t second = run.at("tasks").at(1).at("output").at("monotonic_ns").get<int64_t>();
        if (i < warmup) continue;
        to_first.push_back(static_cast<double>(first - sent));
        to_second.push_back(static_cast<double>(second - first));
        round_trip.push_back(static_cast<double>(answered - sent));
    }
    std::printf(
        "Time from workflow_run to the first task's tool call: real host over stdio, workflow (SQLite WAL, "
        "synchronous=NORMAL) + bench_echo, one run at a time, %zu runs after %zu warm-up\n",
        options.e2e_runs, warmup);
    std::printf("%-52s %10s %10s\n", "measure", "p50 (us)", "p99 (us)");
    std::printf("%-52s %10s %10s\n", "workflow_run sent -> first task's tool called",
                us(percentile(to_first, 0.5)).c_str(), us(percentile(to_first, 0.99)).c_str());
    std::printf("%-52s %10s %10s\n", "first task called -> second task called", us(percentile(to_second, 0.5)).c_str(),
                us(percentile(to_second, 0.99)).c_str());
    std::printf("%-52s %10s %10s\n", "workflow_run round trip (2 tasks, wait: true)",
                us(percentile(round_trip, 0.5)).c_str(), us(percentile(round_trip, 0.99)).c_str());
    std::printf("No anchor: no comparable MCP workflow engine to run beside it; absolute figures only.\n\n");
    return true;
}

}  // namespace wfbench
