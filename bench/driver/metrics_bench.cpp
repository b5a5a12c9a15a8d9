// metrics_bench.cpp: the metrics plugin's three figures, each against its goal.
//
//   ingest      --records LLM-call records, as llm.call.completed payloads (JSON text, as the
//               bus delivers them), through the plugin's ingest path with the plugin's threads:
//               one thread reads, prices and queues each payload (the bus handler), another
//               writes the queue to SQLite whenever --batch records wait (the blocking pool), and
//               the store's own thread writes the rollups. The clock stops when every record and
//               every rollup is committed. Records/s, twice: in time order (as live recording
//               sees them) and in random order (a backfill).
//   queries     breakdowns and time series over those records, on a file database: p50 and p99
//               of --query-runs runs each.
//   tool calls  what recording adds to a tool call: the same host with the bench_echo plugin,
//               with and without the metrics plugin loaded, in one run, taking turns. tools/call
//               echo over stdio, one call in flight; the difference of the medians of the p50
//               latencies and of the server CPU per call.
//
//   metrics_bench [--records N] [--batch N] [--query-runs N] [--calls N] [--repeat N]
//                 [--only time,random,queries,calls] (queries read what the random-order ingest wrote)
//                 [--switchboard BIN] [--bench-plugin-dir DIR] [--plugin-dir DIR]
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "config.hpp"
#include "metrics_service.hpp"
#include "time_util.hpp"

namespace {

namespace fs = std::filesystem;
using bench::fixed;
using bench::row;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
    size_t records = 1000000;
    size_t batch = 10000;
    size_t query_runs = 30;
    size_t calls = 20000;
    size_t repeat = 5;
    std::string only = "time,random,queries,calls";
    std::string switchboard = SWITCHBOARD_BINARY;
    std::string bench_plugin_dir = SWITCHBOARD_BENCH_PLUGIN_DIR;
    std::string plugin_dir = SWITCHBOARD_FIRST_PARTY_PLUGIN_DIR;
};

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(static_cast<double>(values.size()) * p))];
}

// ---- ingest and queries ---------------------------------------------------------------------------

// 30 days of calls by 40 agents. As in a real team, an agent keeps its project, role and team;
// it switches between models and now and then fails. Sessions are many (high cardinality).
std::vector<json> synthetic_calls(size_t count, int64_t end_ms) {
    const std::vector<std::pair<std::string, std::string>> models = {{"anthropic", "claude-sonnet-4-5"},
                                                                     {"anthropic", "claude-haiku-4-5"},
                                                                     {"openai", "gpt-4o"},
                                                                     {"openai", "gpt-4o-mini"},
                                                                     {"gemini", "gemini-2.5-pro"}};
    const std::vector<std::string> roles = {"planner", "coder", "reviewer", "tester", "writer", "researcher"};
    std::mt19937_64 random(42);
    auto pick = [&random](size_t n) { return static_cast<size_t>(random() % n); };
    const int64_t span_ms = 30LL * 24 * 3600 * 1000;
    std::vector<json> calls;
    calls.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const size_t agent = pick(40);
        const auto& [provider, model] = models[(agent + pick(2)) % models.size()];
        calls.push_back({{"provider", provider},
                         {"model", model},
                         {"input_tokens", 500 + pick(20000)},
                         {"output_tokens", 50 + pick(2000)},
                         {"cache_read_tokens", pick(4) == 0 ? pick(10000) : 0},
                         {"latency_ms", 200 + pick(5000)},
                         {"status", pick(50) == 0 ? "error" : "ok"},
                         {"project", "project-" + std::to_string(agent % 10)},
                         {"agent", "agent-" + std::to_string(agent)},
                         {"role", roles[agent % roles.size()]},
                         {"team", "team-" + std::to_string(agent % 5)},
                         {"session", "session-" + std::to_string(pick(500))},
                         {"timestamp", end_ms - span_ms + static_cast<int64_t>(pick(static_cast<size_t>(span_ms)))}});
    }
    return calls;
}

using switchboard::metrics::MetricsService;

std::unique_ptr<MetricsService> open_service(const fs::path& db) {
    switchboard::metrics::MetricsConfig config;
    return std::make_unique<MetricsService>(db.string(), config, switchboard::metrics::load_prices(config),
                                            [](const std::string&, const json&) {});
}

// CPU time of the whole process: the ingest threads and the store's rollup writer.
double process_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct IngestRate {
    double per_second = 0;      // wall clock
    double per_cpu_second = 0;  // CPU time of the whole process: less sensitive to other load
    double reader_cpu_us = 0;   // per record: the bus handler's thread (parse, price, queue)
    double writer_cpu_us = 0;   // per record: the writer's thread and the final sync
    double other_cpu_us = 0;    // per record: the rest of the process (the rollup writer's thread)
    size_t writes = 0;          // transactions of records
};

// Records per second through the plugin's ingest path, shaped as the plugin runs it: this thread
// is the bus handler (MetricsPlugin's llm.call.completed subscriber), `writer` the blocking pool
// that flush_soon_if_full wakes when `batch` records wait. The clock stops once sync() has
// committed every record and every rollup.
IngestRate ingest(MetricsService& service, const std::vector<std::string>& payloads, size_t batch) {
    std::mutex mutex;
    std::condition_variable wake;
    bool write_due = false, done = false;
    size_t writes = 0;
    const auto start = Clock::now();
    const double cpu_start = process_cpu_seconds();
    const double reader_start = thread_cpu_seconds();
    double writer_cpu = 0;
    std::thread writer([&] {
        std::unique_lock lock(mutex);
        while (true) {
            wake.wait(lock, [&] { return write_due || done; });
            if (done) {
                writer_cpu = thread_cpu_seconds();
                return;
            }
            write_due = false;
            lock.unlock();
            service.flush();
            ++writes;
            lock.lock();
        }
    });
    for (const std::string& payload : payloads) {
        if (auto problem = service.on_llm_call_completed_text(payload))
            throw std::runtime_error("a synthetic record was refused: " + *problem);
        if (service.pending() >= batch) {
            std::lock_guard lock(mutex);
            write_due = true;
            wake.notify_one();
        }
    }
    {
        std::lock_guard lock(mutex);
        done = true;
        wake.notify_one();
    }
    const double reader_cpu = thread_cpu_seconds() - reader_start;
    writer.join();
    const double sync_start = thread_cpu_seconds();
    service.sync();  // the rest of the queue and every rollup, as at shutdown
    writer_cpu += thread_cpu_seconds() - sync_start;
    const auto records = static_cast<double>(payloads.size());
    const double process_cpu = process_cpu_seconds() - cpu_start;
    return {records / (ms_since(start) / 1000),
            records / process_cpu,
            reader_cpu * 1e6 / records,
            writer_cpu * 1e6 / records,
            (process_cpu - reader_cpu - writer_cpu) * 1e6 / records,
            writes + 1};
}

void ingest_and_query(const Options& options, const fs::path& work) {
    const int64_t now = switchboard::metrics::now_ms();
    std::vector<json> calls = synthetic_calls(options.records, now);
    auto as_text = [](const std::vector<json>& records) {
        std::vector<std::string> texts;
        texts.reserve(records.size());
        for (const json& record : records) texts.push_back(record.dump());
        return texts;
    };
    const std::string batches = ", batches of " + std::to_string(options.batch) + " (records/s)";
    auto report_ingest = [](const std::string& name, IngestRate rate) {
        row(name, fixed(rate.per_second, 0), "", "",
            std::string(">= 200000  ") + (rate.per_second >= 200000 ? "met" : "MISSED"));
        row("  the same per CPU second, all threads (records/s)", fixed(rate.per_cpu_second, 0), "", "", "");
        row("  CPU per record, reader / writer / rollup writer (us)",
            fixed(rate.reader_cpu_us, 2) + " / " + fixed(rate.writer_cpu_us, 2) + " / " + fixed(rate.other_cpu_us, 2),
            "", "", "");
        row("  transactions of records", std::to_string(rate.writes), "", "", "");
    };

    // Live recording stamps each call as it completes: records arrive in time order.
    if (options.only.find("time") != std::string::npos) {
        std::vector<json> in_order = calls;
        std::sort(in_order.begin(), in_order.end(), [](const json& a, const json& b) {
            return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
        });
        auto service = open_service(work / "in_order.db");
        report_ingest("ingest in time order" + batches, ingest(*service, as_text(in_order), options.batch));
    }
    // A backfill in random order: every batch touches rollup rows all over the month.
    if (options.only.find("random") == std::string::npos && options.only.find("queries") == std::string::npos) return;
    auto owned = open_service(work / "metrics.db");
    MetricsService& service = *owned;
    report_ingest("ingest in random order" + batches, ingest(service, as_text(calls), options.batch));
    if (options.only.find("queries") == std::string::npos) return;

    const int64_t month_ago = now - 30 * switchboard::metrics::kDayMs;
    const int64_t week_ago = now - 7 * switchboard::metrics::kDayMs;
    const std::vector<std::pair<std::string, json>> queries = {
        {"breakdown by model, 30 days", {{"from", month_ago}, {"group_by", {"model"}}}},
        {"breakdown by project x role, 30 days", {{"from", month_ago}, {"group_by", {"project", "role"}}}},
        {"breakdown by agent, top 10, one project",
         {{"from", month_ago}, {"group_by", {"agent"}}, {"filters", {{"project", "project-3"}}}, {"limit", 10}}},
        {"breakdown by session, top 10, 7 days", {{"from", week_ago}, {"group_by", {"session"}}, {"limit", 10}}},
    };
    const std::vector<std::pair<std::string, json>> series = {
        {"time series by day x model, 30 days", {{"from", month_ago}, {"bucket", "day"}, {"group_by", {"model"}}}},
        {"time series by hour, 7 days", {{"from", week_ago}, {"bucket", "hour"}}},
    };
    auto time_runs = [&](const std::string& name, const json& args, bool time_series) {
        std::vector<double> runs, cpu_runs;
        for (size_t i = 0; i < options.query_runs; ++i) {
            const auto begin = Clock::now();
            const double cpu_begin = thread_cpu_seconds();
            const json answer = time_series ? service.timeseries(args) : service.breakdown(args);
            runs.push_back(ms_since(begin));
            cpu_runs.push_back((thread_cpu_seconds() - cpu_begin) * 1000);
            if (answer.at("rows").empty()) throw std::runtime_error(name + " returned no rows");
        }
        const double p50 = percentile(runs, 0.5);
        row("  " + name + " p50 / p99 (ms)", fixed(p50, 2) + " / " + fixed(percentile(runs, 0.99), 2), "", "",
            std::string("p50 < 20 ms  ") + (p50 < 20 ? "met" : "MISSED"));
        row("    CPU time p50 (ms)", fixed(percentile(cpu_runs, 0.5), 2), "", "", "");
    };
    for (const auto& [name, args] : queries) time_runs(name, args, false);
    for (const auto& [name, args] : series) time_runs(name, args, true);
}

// ---- what recording adds to a tool call -----------------------------------------------------------

const std::string initialize_request =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"metrics_bench","version":"1.0.0"}}})"
    "\n";

void wait_for_id(bench::ChildProcess& server, size_t id) {
    const std::string key = "\"id\":" + std::to_string(id) + ",";
    const std::string last = "\"id\":" + std::to_string(id) + "}";
    while (true) {
        const std::string_view line = server.read_line();
        if (line.find(key) == std::string_view::npos && line.find(last) == std::string_view::npos) continue;
        if (line.find("\"result\"") == std::string_view::npos ||
            line.find("\"isError\":true") != std::string_view::npos)
            throw std::runtime_error("unexpected response: " + std::string(line.substr(0, 300)));
        return;
    }
}

struct CallCost {
    double p50_us = 0;
    double cpu_us_per_call = 0;
};

CallCost echo_calls(const std::vector<std::string>& argv, const std::string& log, size_t calls) {
    bench::ChildProcess server(argv, log);
    server.send(initialize_request);
    wait_for_id(server, 0);
    server.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                "\n");
    std::vector<double> latencies;
    latencies.reserve(calls);
    const size_t warmup = calls / 10;
    double cpu_before = 0;
    for (size_t i = 1; i <= warmup + calls; ++i) {
        if (i == warmup + 1) cpu_before = server.cpu_seconds();
        const auto start = Clock::now();
        server.send(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
                    R"(,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}})"
                    "\n");
        wait_for_id(server, i);
        if (i > warmup) latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return {percentile(latencies, 0.5), (server.cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(calls)};
}

std::string write_config(const fs::path& dir, const std::string& name, const std::string& plugins,
                         const Options& options) {
    const fs::path path = dir / (name + ".json");
    std::ofstream(path) << R"({"data_dir": ")" << (dir / name).string() << R"(", "plugin_paths": [")"
                        << fs::absolute(options.bench_plugin_dir).string() << R"(", ")"
                        << fs::absolute(options.plugin_dir).string() << R"("], "discover": false, "plugins": )"
                        << plugins << R"(, "log": {"level": "warn"}})";
    return path.string();
}

void tool_call_overhead(const Options& options, const fs::path& work) {
    const std::string log = (work / "servers.log").string();
    const std::vector<std::string> without = {
        options.switchboard, "--config", write_config(work, "without", R"({"bench_echo": {}})", options), "--stdio"};
    const std::vector<std::string> with = {options.switchboard, "--config",
                                           write_config(work, "with", R"({"bench_echo": {}, "metrics": {}})", options),
                                           "--stdio"};
    std::vector<double> p50_without, p50_with, cpu_without, cpu_with;
    for (size_t i = 0; i < options.repeat; ++i) {
        const CallCost a = echo_calls(without, log, options.calls);
        const CallCost b = echo_calls(with, log, options.calls);
        p50_without.push_back(a.p50_us);
        p50_with.push_back(b.p50_us);
        cpu_without.push_back(a.cpu_us_per_call);
        cpu_with.push_back(b.cpu_us_per_call);
    }
    const double added_latency = percentile(p50_with, 0.5) - percentile(p50_without, 0.5);
    row("tools/call echo p50, without / with metrics (us)",
        fixed(percentile(p50_without, 0.5), 1) + " / " + fixed(percentile(p50_with, 0.5), 1), "", "", "");
    row("  latency recording adds (us)", fixed(added_latency, 1), "", "",
        std::string("< 2 us  ") + (added_latency < 2 ? "met" : "MISSED"));
    row("  server CPU per call, without / with (us)",
        fixed(percentile(cpu_without, 0.5), 1) + " / " + fixed(percentile(cpu_with, 0.5), 1), "", "", "");
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) throw std::invalid_argument("missing value after " + std::string(flag));
        const std::string value = argv[++i];
        if (flag == "--records")
            options.records = std::stoul(value);
        else if (flag == "--batch")
            options.batch = std::stoul(value);
        else if (flag == "--query-runs")
            options.query_runs = std::stoul(value);
        else if (flag == "--calls")
            options.calls = std::stoul(value);
        else if (flag == "--repeat")
            options.repeat = std::stoul(value);
        else if (flag == "--only")
            options.only = value;
        else if (flag == "--switchboard")
            options.switchboard = value;
        else if (flag == "--bench-plugin-dir")
            options.bench_plugin_dir = value;
        else if (flag == "--plugin-dir")
            options.plugin_dir = value;
        else
            throw std::invalid_argument("unknown option " + std::string(flag));
    }
    if (options.records == 0 || options.batch == 0 || options.query_runs == 0 || options.calls < 10 ||
        options.repeat == 0)
        throw std::invalid_argument("--records, --batch, --query-runs and --repeat must be positive, --calls >= 10");
    return options;
}

fs::path work_dir() { return fs::temp_directory_path() / ("metrics_bench." + std::to_string(::getpid())); }

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    try {
        const Options options = parse_options(argc, argv);
        const fs::path work = work_dir();
        fs::create_directories(work);
        std::printf("metrics plugin: %zu records, queries on a file database, tool calls over stdio\n\n",
                    options.records);
        row("measure", "value", "", "", "goal");
        ingest_and_query(options, work);
        if (options.only.find("calls") != std::string::npos) tool_call_overhead(options, work);
        fs::remove_all(work);
        return 0;
    } catch (const std::invalid_argument& e) {
        std::cerr << "metrics_bench: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "metrics_bench: " << e.what() << "\n";
        return 1;
    }
}
