// rollup_recovery_test.cpp: rollups are written after their records, into a file of their own;
// whatever happens in between (a crash, a failed insert, a failed rollup write, a lost or stale
// rollups file), every rollup table ends up equal to the sums of the stored rows, on real SQLite
// files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "store.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

constexpr int64_t kRecordsStart = 1767225600000;  // 2026-01-01T00:00:00Z

struct Batch {
    std::vector<LlmCall> llm;
    std::vector<ToolCall> tools;
};

Batch random_batch(std::mt19937_64& random, size_t size) {
    std::uniform_int_distribution<int64_t> when(0, 20 * kDayMs);
    std::uniform_int_distribution<int> pick(0, 5);
    Batch batch;
    for (size_t i = 0; i < size; ++i) {
        LlmCall call;
        call.ts_ms = kRecordsStart + when(random);
        call.dim(LlmDim::provider) = "openai";
        call.dim(LlmDim::model) = std::string("m") += std::to_string(pick(random));
        call.dim(LlmDim::operation) = "chat";
        call.dim(LlmDim::status) = pick(random) == 0 ? "error" : "ok";
        call.dim(LlmDim::agent) = std::string("a") += std::to_string(pick(random));
        call.dim(LlmDim::session) = std::string("s") += std::to_string(pick(random) * 7 + pick(random));
        call.tokens.input = pick(random) * 1000;
        call.tokens.output = pick(random) * 100;
        if (pick(random) != 0) call.cost_usd = pick(random) * 0.25;
        if (pick(random) != 0) call.latency_ms = pick(random) * 40.0;
        batch.llm.push_back(std::move(call));

        ToolCall tool;
        tool.ts_ms = kRecordsStart + when(random);
        tool.dim(ToolDim::tool) = std::string("t") += std::to_string(pick(random));
        tool.dim(ToolDim::session) = std::string("s") += std::to_string(pick(random));
        tool.ok = pick(random) != 0;
        tool.dim(ToolDim::outcome) = tool.ok ? "ok" : "tool_error";
        tool.duration_ms = pick(random) * 3.5;
        batch.tools.push_back(std::move(tool));
    }
    return batch;
}

using Sums = std::map<std::pair<int64_t, std::string>, std::vector<double>>;

Sums read_sums(Database& db, const std::string& sql, size_t measures) {
    Sums sums;
    Statement rows = db.prepare(sql);
    while (rows.step()) {
        std::vector<double>& values = sums[{rows.int64(0), rows.text(1)}];
        for (size_t i = 0; i < measures; ++i) values.push_back(rows.real(static_cast<int>(i + 2)));
    }
    return sums;
}

// Every rollup table of `spec` against the same sums computed from the stored rows.
void expect_rollups_match_rows(Database& db, const SourceSpec& spec) {
    std::string stored_measures, raw_measures;
    for (const Measure& m : spec.measures) {
        stored_measures += ", " + std::string(m.name);
        raw_measures +=
            std::string(m.aggregate == Aggregate::max ? ", MAX(" : ", SUM(") + std::string(m.raw_expr) + ")";
    }
    const DimensionRollup& session = spec.dimension_rollups.at(0);
    const std::vector<std::tuple<std::string_view, std::string_view, int64_t>> tables = {
        {spec.hour_table, "dims_id", kHourMs},
        {spec.day_table, "dims_id", kDayMs},
        {session.hour_table, session.dimension, kHourMs},
        {session.day_table, session.dimension, kDayMs}};
    for (const auto& [table, key, bucket_ms] : tables) {
        const Sums stored =
            read_sums(db, "SELECT bucket_ms, " + std::string(key) + stored_measures + " FROM " + std::string(table),
                      spec.measures.size());
        const std::string bucket = "r.ts_ms - r.ts_ms % " + std::to_string(bucket_ms);
        const Sums raw = read_sums(db,
                                   "SELECT " + bucket + ", r." + std::string(key) + raw_measures + " FROM " +
                                       std::string(spec.rows_table) + " r JOIN " + std::string(spec.dims_table) +
                                       " d ON d.id = r.dims_id GROUP BY 1, 2",
                                   spec.measures.size());
        ASSERT_EQ(stored.size(), raw.size()) << table;
        for (const auto& [where, values] : raw) {
            auto found = stored.find(where);
            ASSERT_NE(found, stored.end()) << table << " lacks bucket " << where.first << " key " << where.second;
            for (size_t i = 0; i < values.size(); ++i)
                EXPECT_NEAR(found->second[i], values[i], 1e-9 * (1 + std::abs(values[i])))
                    << table << " " << spec.measures[i].name;
        }
    }
}

void expect_rollups_match_rows(Store& store) {
    store.with_db([](Database& db) {
        expect_rollups_match_rows(db, llm_source());
        expect_rollups_match_rows(db, tool_source());
    });
}

int64_t count_rows(Store& store, const std::string& table) {
    return store.with_db([&](Database& db) {
        Statement count = db.prepare("SELECT COUNT(*) FROM " + table);
        count.step();
        return count.int64(0);
    });
}

class RollupRecovery : public ::testing::Test {
 protected:
    void SetUp() override {
        path_ =
            (std::filesystem::temp_directory_path() / ("metrics_rollup_recovery_" + std::to_string(::getpid()) + ".db"))
                .string();
        remove_files();
    }
    void TearDown() override { remove_files(); }
    void remove_files() {
        for (const std::string& file : {path_, rollups_path()})
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
    }
    std::string rollups_path() const { return path_.substr(0, path_.size() - 3) + "-rollups.db"; }

    std::string path_;
};

TEST_F(RollupRecovery, ACrashBetweenRecordsAndTheirRollupsLosesNoRollup) {
    // The child writes 7 batches and dies without a word, as kill -9 would leave it: rollups
    // are written after batches 3 and 6 (6,000 rows past the mark), batch 7's are only in memory.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int status = 1;
        try {
            Store store(path_, StoreOptions{1'000'000, 5'000});
            std::mt19937_64 random(1);
            for (int i = 0; i < 7; ++i) {
                const Batch batch = random_batch(random, 1000);
                store.insert(batch.llm, batch.tools);
            }
            status = store.pending_rollup_rows() == 2000 ? 0 : 2;
        } catch (...) {
            status = 3;
        }
        ::_exit(status);  // no destructor runs: nothing more reaches the file
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "2: the rollups of the last batch were not pending at the crash";

    Store recovered(path_);
    EXPECT_EQ(recovered.pending_rollup_rows(), 0u);
    EXPECT_EQ(count_rows(recovered, "llm_call_rows"), 7000);
    EXPECT_EQ(count_rows(recovered, "tool_call_rows"), 7000);
    expect_rollups_match_rows(recovered);

    // And it goes on from there: new records, another reopening.
    std::mt19937_64 random(2);
    const Batch more = random_batch(random, 500);
    recovered.insert(more.llm, more.tools);
    expect_rollups_match_rows(recovered);
}

TEST_F(RollupRecovery, AFailedInsertRebuildsItsDeltasFromTheStoredRows) {
    Store store(path_);
    std::mt19937_64 random(3);
    const Batch first = random_batch(random, 800);
    store.insert(first.llm, first.tools);
    EXPECT_EQ(store.pending_rollup_rows(), 1600u);

    // The 400th record of the next batch fails: the transaction rolls back after the deltas of
    // the 399 before it were summed.
    Batch second = random_batch(random, 800);
    second.llm[399].tokens.input = 424242;
    store.with_db_as_stored([](Database& db) {
        db.exec(
            "CREATE TEMP TRIGGER fail_once AFTER INSERT ON llm_call_rows WHEN NEW.input_tokens = 424242 "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END");
    });
    EXPECT_THROW(store.insert(second.llm, second.tools), SqliteError);
    store.with_db_as_stored([](Database& db) { db.exec("DROP TRIGGER fail_once"); });

    store.insert(second.llm, second.tools);  // the retry, as Recorder does
    EXPECT_EQ(count_rows(store, "llm_call_rows"), 1600);
    expect_rollups_match_rows(store);
}

TEST_F(RollupRecovery, TheDeltasAreBoundedByKeys) {
    Store store(path_, StoreOptions{300, 1'000'000});
    std::mt19937_64 random(4);
    for (int i = 0; i < 5; ++i) {
        const Batch batch = random_batch(random, 200);
        store.insert(batch.llm, batch.tools);
        EXPECT_EQ(store.pending_rollup_rows(), 0u) << "200 random records touch more than 300 rollup rows";
    }
    expect_rollups_match_rows(store);
}

TEST_F(RollupRecovery, AFailedRollupWriteKeepsTheRecordsAndIsRetried) {
    Store store(path_, StoreOptions{1'000'000, 500});
    store.with_db_as_stored([](Database& db) {
        db.exec(
            "CREATE TRIGGER rollups.refuse BEFORE INSERT ON llm_rollup_day "
            "BEGIN SELECT RAISE(ABORT, 'simulated rollup failure'); END");
    });
    std::mt19937_64 random(5);
    const Batch first = random_batch(random, 400);  // 800 rows: handed to the writer, which fails
    store.insert(first.llm, first.tools);
    const Batch second = random_batch(random, 100);  // the records go on landing meanwhile
    store.insert(second.llm, second.tools);
    try {
        store.sync_rollups();
        FAIL() << "the rollups were written despite the trigger";
    } catch (const SqliteError& error) {
        EXPECT_NE(std::string(error.what()).find("simulated rollup failure"), std::string::npos) << error.what();
    }
    EXPECT_EQ(store.pending_rollup_rows(), 1000u);

    store.with_db_as_stored([](Database& db) { db.exec("DROP TRIGGER rollups.refuse"); });
    store.sync_rollups();
    EXPECT_EQ(store.pending_rollup_rows(), 0u);
    EXPECT_EQ(count_rows(store, "llm_call_rows"), 500);
    expect_rollups_match_rows(store);
}

TEST_F(RollupRecovery, ALostRollupsFileIsRebuiltFromTheRecords) {
    {
        Store store(path_);
        std::mt19937_64 random(6);
        for (int i = 0; i < 3; ++i) {
            const Batch batch = random_batch(random, 1000);
            store.insert(batch.llm, batch.tools);
        }
        store.sync_rollups();
    }
    ASSERT_TRUE(std::filesystem::exists(rollups_path()));
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(rollups_path() + suffix);

    // Rebuilt in parts of at most 700 rows, as bounded memory requires.
    Store reopened(path_, StoreOptions{1'000'000, 700});
    EXPECT_EQ(reopened.pending_rollup_rows(), 0u);
    EXPECT_EQ(count_rows(reopened, "llm_call_rows"), 3000);
    expect_rollups_match_rows(reopened);
}

TEST_F(RollupRecovery, RollupsAheadOfTheRecordsAreRebuilt) {
    // The records file restored from a copy older than the rollups file beside it.
    const std::string copy = path_ + ".copy";
    std::mt19937_64 random(7);
    {
        Store store(path_);
        const Batch batch = random_batch(random, 600);
        store.insert(batch.llm, batch.tools);
    }
    std::filesystem::copy_file(path_, copy, std::filesystem::copy_options::overwrite_existing);
    {
        Store store(path_);
        const Batch batch = random_batch(random, 600);
        store.insert(batch.llm, batch.tools);
        store.sync_rollups();
    }
    std::filesystem::copy_file(copy, path_, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(copy);
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path_ + suffix);

    Store restored(path_);
    EXPECT_EQ(count_rows(restored, "llm_call_rows"), 600);
    expect_rollups_match_rows(restored);
}

}  // namespace
}  // namespace switchboard::metrics
