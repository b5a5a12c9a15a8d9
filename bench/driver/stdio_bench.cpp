// stdio_bench.cpp: Switchboard and an anchor server (the official MCP TypeScript SDK), side by side
// over stdio, in one run.
//
// For each server it measures
//   cold start  spawn -> initialize response, the median of --cold-runs fresh processes;
//   throughput  tools/call `echo` with a window of 1 and of 16 requests in flight: --calls calls
//               after --warmup calls, as calls/s, per-call latency (p50, p99) and the server's CPU
//               time per call; the median of --repeat runs. `cat`, which sends each request
//               back, gives the floor: what the pipes and this client cost on their own;
//   memory      peak resident set (VmHWM) of a process that has answered --memory-calls calls,
//               read from /proc while it still runs;
// then prints one table with the ratios (Switchboard against the anchor) and the goals.
//
// Defaults point into the build tree (see bench/CMakeLists.txt); every one can be overridden:
//   stdio_bench [--switchboard BIN] [--plugin-dir DIR] [--first-party-dir DIR] [--node BIN]
//               [--anchor FILE] [--calls N] [--warmup N] [--repeat N] [--cold-runs N] [--memory-calls N]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"

namespace {

namespace fs = std::filesystem;
using bench::anchor_sdk_version;
using bench::fixed;
using bench::row;
using bench::verdict;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view echo_text = "The quick brown fox jumps over the lazy dog";

struct Options {
    std::string switchboard = SWITCHBOARD_BINARY;
    std::string plugin_dir = SWITCHBOARD_BENCH_PLUGIN_DIR;
    std::string first_party_dir = SWITCHBOARD_FIRST_PARTY_PLUGIN_DIR;
    std::string node = "node";
    std::string anchor = SWITCHBOARD_BENCH_ANCHOR;
    size_t calls = 20000;
    size_t warmup = 2000;
    size_t cold_runs = 20;
    size_t repeat = 3;  // throughput runs per server; the median is reported
    size_t memory_calls = 100000;
};

// ---- the MCP conversation ---------------------------------------------------------------------

const std::string initialize_request =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"stdio_bench","version":"1.0.0"}}})"
    "\n";
const std::string initialized_notification = R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                                             "\n";

void append_call(std::string& out, size_t id, std::string_view tool) {
    out += R"({"jsonrpc":"2.0","id":)";
    out += std::to_string(id);
    out += R"(,"method":"tools/call","params":{"name":")";
    out += tool;
    out += R"(","arguments":{"text":")";
    out += echo_text;
    out += "\"}}}\n";
}

// The id of a response, or nothing for a notification. With `check`, throws unless the response
// is a success. A plain scan instead of a JSON parser keeps the client's share of each call small.
std::optional<size_t> response_id(std::string_view line, bool check) {
    const size_t at = line.find(R"("id":)");
    if (at == std::string_view::npos) return std::nullopt;
    if (check && (line.find(R"("result")") == std::string_view::npos ||
                  line.find(R"("isError":true)") != std::string_view::npos))
        throw std::runtime_error("unexpected response: " + std::string(line.substr(0, 400)));
    return std::strtoull(line.data() + at + 5, nullptr, 10);
}

size_t wait_response(bench::ChildProcess& server, bool check) {
    while (true)
        if (auto id = response_id(server.read_line(), check)) return *id;
}

void initialize(bench::ChildProcess& server, bool check) {
    server.send(initialize_request);
    if (wait_response(server, check) != 0) throw std::runtime_error("the initialize response has the wrong id");
    server.send(initialized_notification);
}

// ---- the measures -----------------------------------------------------------------------------

struct Target {
    std::vector<std::string> argv;
    bool mirror = false;  // `cat`: sends each request back, the floor of a round trip over pipes
};

struct Throughput {
    double calls_per_second = 0;
    double p50_us = 0;
    double p99_us = 0;
    double cpu_us_per_call = 0;  // the server's CPU time, all threads
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double cold_start_ms(const Target& target, const std::string& log) {
    const auto start = Clock::now();
    bench::ChildProcess server(target.argv, log);
    server.send(initialize_request);
    if (wait_response(server, !target.mirror) != 0)
        throw std::runtime_error("the initialize response has the wrong id");
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// `count` calls of `tool`, keeping `window` requests in flight; ids start at `first_id`.
Throughput call_echo(bench::ChildProcess& server, std::string_view tool, size_t count, size_t window, size_t first_id,
                     bool check) {
    std::vector<Clock::time_point> sent(count);
    std::vector<double> latency_us;
    latency_us.reserve(count);
    std::string batch;
    size_t next = 0;
    const auto start = Clock::now();
    while (latency_us.size() < count) {
        batch.clear();
        const auto now = Clock::now();
        for (; next < count && next - latency_us.size() < window; ++next) {
            append_call(batch, first_id + next, tool);
            sent[next] = now;
        }
        if (!batch.empty()) server.send(batch);
        const size_t id = wait_response(server, check);
        if (id < first_id || id >= first_id + next) throw std::runtime_error("a response with an unknown id");
        latency_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent[id - first_id]).count());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(latency_us.begin(), latency_us.end());
    return {static_cast<double>(count) / seconds, latency_us[count / 2], latency_us[count * 99 / 100]};
}

Throughput throughput(const Target& target, const std::string& log, std::string_view tool, size_t window,
                      const Options& options) {
    bench::ChildProcess server(target.argv, log);
    initialize(server, !target.mirror);
    call_echo(server, tool, options.warmup, window, 1, !target.mirror);
    const double cpu_before = server.cpu_seconds();
    Throughput result = call_echo(server, tool, options.calls, window, 1 + options.warmup, !target.mirror);
    result.cpu_us_per_call = (server.cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(options.calls);
    return result;
}

// The run with the median throughput.
Throughput median_run(std::vector<Throughput> runs) {
    std::sort(runs.begin(), runs.end(),
              [](const Throughput& a, const Throughput& b) { return a.calls_per_second < b.calls_per_second; });
    return runs[runs.size() / 2];
}

struct Memory {
    double after_initialize_mib = 0;
    double peak_mib = 0;  // VmHWM after the calls
};

Memory memory(const Target& target, const std::string& log, std::string_view tool, size_t calls) {
    bench::ChildProcess server(target.argv, log);
    initialize(server, true);
    Memory result;
    result.after_initialize_mib = static_cast<double>(server.status_kib("VmHWM")) / 1024;
    call_echo(server, tool, calls, 16, 1, true);
    result.peak_mib = static_cast<double>(server.status_kib("VmHWM")) / 1024;
    return result;
}

// ---- setup and report -------------------------------------------------------------------------

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) throw std::invalid_argument("missing value after " + std::string(flag));
        const std::string value = argv[++i];
        if (flag == "--switchboard")
            options.switchboard = value;
        else if (flag == "--plugin-dir")
            options.plugin_dir = value;
        else if (flag == "--first-party-dir")
            options.first_party_dir = value;
        else if (flag == "--node")
            options.node = value;
        else if (flag == "--anchor")
            options.anchor = value;
        else if (flag == "--calls")
            options.calls = std::stoul(value);
        else if (flag == "--warmup")
            options.warmup = std::stoul(value);
        else if (flag == "--cold-runs")
            options.cold_runs = std::stoul(value);
        else if (flag == "--memory-calls")
            options.memory_calls = std::stoul(value);
        else if (flag == "--repeat")
            options.repeat = std::stoul(value);
        else
            throw std::invalid_argument("unknown option " + std::string(flag));
    }
    if (options.calls == 0 || options.cold_runs == 0 || options.memory_calls == 0 || options.repeat == 0)
        throw std::invalid_argument("--calls, --cold-runs, --memory-calls and --repeat must be positive");
    return options;
}

std::string write_config(const fs::path& dir, const std::string& name, const std::string& plugin_settings) {
    const fs::path path = dir / (name + ".json");
    std::ofstream(path) << R"({"data_dir": ")" << (dir / "data").string() << R"(", )" << plugin_settings
                        << R"(, "log": {"level": "warn"}})";
    return path.string();
}

std::vector<std::string> plugins_in(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error))
        if (entry.path().extension() == ".so") found.push_back(entry.path().stem().string());
    std::sort(found.begin(), found.end());
    return found;
}

// Configs and the servers' stderr; removed after a good run, kept for a look after a failed one.
fs::path work_dir() { return fs::temp_directory_path() / ("stdio_bench." + std::to_string(::getpid())); }

int run(const Options& options) {
    const fs::path work = work_dir();
    fs::create_directories(work);
    const std::string log = (work / "servers.log").string();
    const std::string plugin_dir = fs::absolute(options.plugin_dir).string();
    const std::string first_party_dir = fs::absolute(options.first_party_dir).string();

    const Target ours{
        {options.switchboard, "--config",
         write_config(work, "bench_echo",
                      R"("plugin_paths": [")" + plugin_dir + R"("], "discover": false, "plugins": {"bench_echo": {}})"),
         "--stdio"}};
    const Target first_party{
        {options.switchboard, "--config",
         write_config(work, "first_party", R"("plugin_paths": [")" + first_party_dir + R"("], "discover": true)"),
         "--stdio"}};
    const Target anchor{{options.node, options.anchor}};
    const Target floor{{"cat"}, true};
    const std::vector<std::string> first_party_plugins = plugins_in(first_party_dir);

    std::printf("Switchboard (%s) vs the official MCP TypeScript SDK %s (%s %s), over stdio\n",
                options.switchboard.c_str(), anchor_sdk_version(options.anchor).c_str(), options.node.c_str(),
                options.anchor.c_str());
    std::printf(
        "throughput: median of %zu runs of %zu calls after %zu warm-up; cold start: median of %zu; "
        "memory: after %zu calls\n",
        options.repeat, options.calls, options.warmup, options.cold_runs, options.memory_calls);
    std::printf("first-party plugins in %s: %s\n\n", first_party_dir.c_str(),
                first_party_plugins.empty() ? "none (that row is the host with no plugin)" : "");
    for (const auto& id : first_party_plugins) std::printf("  %s\n", id.c_str());
    row("measure", "switchboard", "TS SDK", "ratio", "goal");

    // Each measure takes turns between the servers, so that other load on the machine weighs on all alike.
    std::vector<double> anchor_cold, ours_cold, first_party_cold;
    for (size_t i = 0; i < options.cold_runs; ++i) {
        anchor_cold.push_back(cold_start_ms(anchor, log));
        ours_cold.push_back(cold_start_ms(ours, log));
        first_party_cold.push_back(cold_start_ms(first_party, log));
    }
    const double theirs_ms = median(anchor_cold);
    const double ours_ms = median(ours_cold);
    const double first_party_ms = median(first_party_cold);
    row("cold start, bench_echo (ms, median)", fixed(ours_ms, 2), fixed(theirs_ms, 2),
        fixed(theirs_ms / ours_ms, 1) + "x", verdict(theirs_ms / ours_ms, 10, false));
    row("cold start, " + std::to_string(first_party_plugins.size()) + " first-party plugins (ms, median)",
        fixed(first_party_ms, 2), fixed(theirs_ms, 2), fixed(theirs_ms / first_party_ms, 1) + "x",
        verdict(theirs_ms / first_party_ms, 10, false));

    for (size_t window : {1, 16}) {
        std::vector<Throughput> pipes_runs, theirs_runs, async_runs, sync_runs;
        for (size_t i = 0; i < options.repeat; ++i) {
            pipes_runs.push_back(throughput(floor, log, "echo", window, options));
            theirs_runs.push_back(throughput(anchor, log, "echo", window, options));
            async_runs.push_back(throughput(ours, log, "echo", window, options));
            sync_runs.push_back(throughput(ours, log, "echo_sync", window, options));
        }
        const Throughput theirs = median_run(theirs_runs);
        for (const auto& [kind, runs] : {std::pair{"async", async_runs}, std::pair{"sync", sync_runs}}) {
            const Throughput mine = median_run(runs);
            const double ratio = mine.calls_per_second / theirs.calls_per_second;
            row("tools/call " + std::string(kind) + " echo, window " + std::to_string(window) + " (calls/s)",
                fixed(mine.calls_per_second, 0), fixed(theirs.calls_per_second, 0), fixed(ratio, 1) + "x",
                verdict(ratio, 10, false));
            row("  latency p50 / p99 (us)", fixed(mine.p50_us, 0) + " / " + fixed(mine.p99_us, 0),
                fixed(theirs.p50_us, 0) + " / " + fixed(theirs.p99_us, 0), "", "");
            row("  server CPU per call (us)", fixed(mine.cpu_us_per_call, 1), fixed(theirs.cpu_us_per_call, 1),
                fixed(theirs.cpu_us_per_call / mine.cpu_us_per_call, 1) + "x", "");
        }
        const Throughput pipes = median_run(pipes_runs);
        std::printf(
            "  floor, window %zu: `cat` sending each request back does %.0f calls/s, p50 / p99 %.0f / %.0f us\n",
            window, pipes.calls_per_second, pipes.p50_us, pipes.p99_us);
    }

    const Memory theirs = memory(anchor, log, "echo", options.memory_calls);
    const Memory mine = memory(ours, log, "echo", options.memory_calls);
    row("peak RSS after initialize (MiB)", fixed(mine.after_initialize_mib, 1), fixed(theirs.after_initialize_mib, 1),
        fixed(mine.after_initialize_mib / theirs.after_initialize_mib, 2) + "x", "");
    row("peak RSS after " + std::to_string(options.memory_calls) + " calls (MiB)", fixed(mine.peak_mib, 1),
        fixed(theirs.peak_mib, 1), fixed(mine.peak_mib / theirs.peak_mib, 2) + "x",
        verdict(mine.peak_mib / theirs.peak_mib, 0.2, true));

    std::error_code ignored;
    fs::remove_all(work, ignored);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a server that dies shows up as a failed write, not a dead driver
    try {
        return run(parse_options(argc, argv));
    } catch (const std::invalid_argument& e) {
        std::cerr << "stdio_bench: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "stdio_bench: " << e.what() << " (servers' stderr: " << (work_dir() / "servers.log").string()
                  << ")\n";
        return 1;
    }
}
