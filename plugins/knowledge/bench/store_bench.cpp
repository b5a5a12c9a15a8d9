// store_bench.cpp: the knowledge store's own cost per operation, without MCP, the host or a
// client: builds a graph of --size entities (batches of 100, two observations each, one
// relation each), then times add_observations, search_nodes, knowledge_search, an add and a
// knowledge_search in turn, open_nodes and a full read_graph with its reference answer (the text
// compat mode sends); the reads load the fields the compat tools load. Calls run in turn on a few
// threads, as the host's blocking pool runs them.
//
//   knowledge_store_bench [--size 10000] [--calls 2000] [--dir /tmp]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference_answer.hpp"
#include "store.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Runs each task on the next of a few threads, one at a time, and waits for it.
class RoundRobin {
 public:
    explicit RoundRobin(int threads) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this, i] { serve(i); });
    }
    ~RoundRobin() {
        run([] {}, true);
        for (std::thread& worker : workers_) worker.join();
    }
    void run(std::function<void()> task, bool stop = false) {
        std::unique_lock lock(mutex_);
        task_ = std::move(task);
        stop_ = stop;
        turn_ = stop ? -1 : next_++ % static_cast<int>(workers_.size());
        done_ = false;
        changed_.notify_all();
        changed_.wait(lock, [this] { return done_ || stop_; });
    }

 private:
    void serve(int index) {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return stop_ || (turn_ == index && !done_); });
            if (stop_) return;
            task_();
            done_ = true;
            changed_.notify_all();
        }
    }
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::function<void()> task_;
    int turn_ = -1;
    int next_ = 0;
    bool done_ = false;
    bool stop_ = false;
};

// The reads load what the compat tools answer (the reference's fields), as those tools do.
constexpr knowledge::Fields kCompat = knowledge::Fields::reference;

std::string entity_name(int i) { return "entity-" + std::to_string(i); }

// Wall and CPU time (all threads; steadier than wall time on a busy machine) since a start.
struct Start {
    Clock::time_point wall = Clock::now();
    std::clock_t cpu = std::clock();
};

std::string per_call(const Start& start, int calls) {
    const double wall = std::chrono::duration<double, std::micro>(Clock::now() - start.wall).count() / calls;
    const double cpu = 1e6 * static_cast<double>(std::clock() - start.cpu) / CLOCKS_PER_SEC / calls;
    char text[64];
    std::snprintf(text, sizeof text, "%.1f us wall, %.1f us CPU", wall, cpu);
    return text;
}

// Each call's wall time, for the median: the benchmark's goals name p50s, and a mean hides
// whether a few large answers or every call cost the time.
class Latencies {
 public:
    void time(RoundRobin& pool, std::function<void()> task) {
        const Clock::time_point start = Clock::now();
        pool.run(std::move(task));
        micros_.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    // ", p50 X us, p99 Y us"
    std::string percentiles() {
        if (micros_.empty()) return "";
        std::sort(micros_.begin(), micros_.end());
        char text[64];
        std::snprintf(text, sizeof text, ", p50 %.1f us, p99 %.1f us", micros_[micros_.size() / 2],
                      micros_[micros_.size() * 99 / 100]);
        return text;
    }

 private:
    std::vector<double> micros_;
};

}  // namespace

int main(int argc, char** argv) {
    int size = 10000;
    int calls = 2000;
    std::string dir = std::filesystem::temp_directory_path().string();
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--size") == 0) size = std::stoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--calls") == 0) calls = std::stoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const std::string path = dir + "/knowledge-store-bench.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    knowledge::KnowledgeStore store(path);
    RoundRobin pool(4);
    const std::string project = "default";
    const std::optional<std::string> source = "bench";

    Start start;
    for (int first = 0; first < size; first += 100) {
        std::vector<knowledge::NewEntity> entities;
        std::vector<knowledge::NewRelation> relations;
        for (int i = first; i < std::min(size, first + 100); ++i) {
            knowledge::NewEntity entity;
            entity.name = entity_name(i);
            entity.entity_type = "task";
            entity.observations = {"alpha works on topic" + std::to_string(i / 20),
                                   "created as number " + std::to_string(i)};
            entities.push_back(std::move(entity));
            knowledge::NewRelation relation;
            relation.key = {entity_name(i), entity_name((i * 7919) % size), "depends_on"};
            relations.push_back(std::move(relation));
        }
        pool.run([&] { store.create_entities(project, entities, source); });
        pool.run([&] { store.create_relations(project, relations, source); });
    }
    std::printf("build: %s per entity (create_entities + create_relations)\n", per_call(start, size).c_str());

    Latencies adds;
    start = Start();
    for (int k = 0; k < calls; ++k) {
        const std::vector<knowledge::ObservationBatch> batch = {
            {entity_name((k * 7907) % size), {"note " + std::to_string(k) + " about bravo"}}};
        adds.time(pool, [&] { store.add_observations(project, batch, source); });
    }
    std::printf("add_observations: %s per call%s\n", per_call(start, calls).c_str(), adds.percentiles().c_str());

    Latencies searches;
    start = Start();
    for (int k = 0; k < calls; ++k) {
        const std::string query = "topic" + std::to_string(((k * 7907) % size) / 20);
        searches.time(pool, [&] { store.search_nodes(project, query, {}, {}, kCompat); });
    }
    std::printf("search_nodes: %s per call%s\n", per_call(start, calls).c_str(), searches.percentiles().c_str());

    Latencies ranked;
    start = Start();
    for (int k = 0; k < calls; ++k) {
        knowledge::SearchQuery query;
        query.text = "topic" + std::to_string(((k * 7907) % size) / 20);
        ranked.time(pool, [&] { store.search(project, query); });
    }
    std::printf("search (bm25): %s per call%s\n", per_call(start, calls).c_str(), ranked.percentiles().c_str());

    // An agent that writes, then searches: each ranked search first indexes the observation
    // that waits for it.
    Latencies interleaved;
    start = Start();
    for (int k = 0; k < calls; ++k) {
        const std::vector<knowledge::ObservationBatch> batch = {
            {entity_name((k * 7907) % size), {"note " + std::to_string(k) + " about charlie"}}};
        knowledge::SearchQuery query;
        query.text = "topic" + std::to_string(((k * 7907) % size) / 20);
        interleaved.time(pool, [&] {
            store.add_observations(project, batch, source);
            store.search(project, query);
        });
    }
    std::printf("add_observations then search (bm25): %s per pair%s\n", per_call(start, calls).c_str(),
                interleaved.percentiles().c_str());

    Latencies opens;
    start = Start();
    for (int k = 0; k < calls; ++k) {
        std::vector<std::string> names;
        for (int j = 0; j < 5; ++j) names.push_back(entity_name((k * 7907 + j * 31) % size));
        opens.time(pool, [&] { store.open_nodes(project, names, {}, kCompat); });
    }
    std::printf("open_nodes: %s per call%s\n", per_call(start, calls).c_str(), opens.percentiles().c_str());

    constexpr int kFullReads = 5;
    knowledge::Graph graph;
    start = Start();
    for (int k = 0; k < kFullReads; ++k) pool.run([&] { graph = store.read_graph(project, {}, {}, kCompat); });
    std::printf("read_graph full: %s per call\n", per_call(start, kFullReads).c_str());
    size_t answer_bytes = 0;
    start = Start();
    for (int k = 0; k < kFullReads; ++k)
        pool.run([&] { answer_bytes = knowledge::reference_graph_answer(graph).size(); });
    std::printf("its reference answer (%.1f MiB): %s per call\n", static_cast<double>(answer_bytes) / (1 << 20),
                per_call(start, kFullReads).c_str());
    return 0;
}
