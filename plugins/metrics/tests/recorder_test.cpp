// recorder_test.cpp: a failed write keeps the queued records for the next flush, and CSV export
// quotes what needs quoting.
#include <gtest/gtest.h>

#include "config.hpp"
#include "csv.hpp"
#include "recorder.hpp"
#include "store.hpp"

namespace switchboard::metrics {
namespace {

TEST(Recorder, AFailedWriteLosesNothing) {
    Store store(":memory:");
    Recorder recorder(store, load_prices(MetricsConfig{}).table);
    LlmCall call;
    call.ts_ms = 1767225600000;
    call.dim(LlmDim::model) = "gpt-4o";
    call.dim(LlmDim::provider) = "openai";
    call.dim(LlmDim::status) = "ok";
    call.tokens.input = 1000;
    recorder.add_llm_call(call);
    recorder.flush();

    store.with_db([](Database& db) { db.exec("PRAGMA query_only=1"); });  // every write now fails
    recorder.add_llm_call(call);
    recorder.add_tool_call(ToolCall{});
    EXPECT_THROW(recorder.flush(), SqliteError);
    EXPECT_EQ(recorder.pending(), 2u);

    store.with_db([](Database& db) { db.exec("PRAGMA query_only=0"); });
    const Recorder::Batch written = recorder.flush();
    EXPECT_EQ(written.llm_calls.size(), 1u);
    EXPECT_EQ(written.tool_calls.size(), 1u);
    EXPECT_EQ(recorder.pending(), 0u);
    const int64_t stored = store.with_db([](Database& db) {
        Statement count =
            db.prepare("SELECT COUNT(*), SUM(calls) FROM llm_calls, (SELECT SUM(calls) AS calls FROM llm_rollup_day)");
        count.step();
        EXPECT_EQ(count.int64(1), 4);  // 2 raw rows x rollup total 2
        return count.int64(0);
    });
    EXPECT_EQ(stored, 2);
}

TEST(Recorder, ABatchIsStoredInTimeOrderAndAFailedOneKeepsItsOrder) {
    Store store(":memory:");
    Recorder recorder(store, load_prices(MetricsConfig{}).table);
    const size_t count = 3 * RecordBlocks<LlmCall>::kBlockRecords + 10;  // several blocks
    LlmCall call;
    call.dim(LlmDim::model) = "gpt-4o";
    call.dim(LlmDim::provider) = "openai";
    for (size_t i = 0; i < count; ++i) {
        call.ts_ms = 1767225600000 + static_cast<int64_t>((i * 7919) % count) * 1000;  // shuffled
        call.tokens.input = static_cast<int64_t>(i);
        recorder.add_llm_call(call);
    }
    store.with_db([](Database& db) { db.exec("PRAGMA query_only=1"); });
    EXPECT_THROW(recorder.flush(), SqliteError);
    store.with_db([](Database& db) { db.exec("PRAGMA query_only=0"); });
    const Recorder::Batch written = recorder.flush();

    std::vector<int64_t> arrival;
    written.llm_calls.for_each([&](const LlmCall& c) { arrival.push_back(c.tokens.input); });
    ASSERT_EQ(arrival.size(), count);
    for (size_t i = 0; i < count; ++i) ASSERT_EQ(arrival[i], static_cast<int64_t>(i)) << "queue order lost";
    store.with_db([&](Database& db) {
        Statement rows = db.prepare("SELECT ts_ms FROM llm_calls ORDER BY id");
        int64_t previous = 0;
        size_t stored = 0;
        while (rows.step()) {
            EXPECT_GE(rows.int64(0), previous) << "row " << stored << " out of time order";
            previous = rows.int64(0);
            ++stored;
        }
        EXPECT_EQ(stored, count);
    });
}

TEST(Recorder, ToolEventsQueueAsTextAndAreParsedByFlush) {
    Store store(":memory:");
    Recorder recorder(store, load_prices(MetricsConfig{}).table);
    recorder.add_tool_event(1767225600000, R"({"tool":"echo","plugin":"bench","session":null,"client":"c",)"
                                           R"("duration_ms":1.5,"ok":false,"outcome":"tool_error",)"
                                           R"("argument_bytes":12,"result_bytes":34})");
    recorder.add_tool_event(1767225600001, "not json");  // skipped, not fatal
    EXPECT_EQ(recorder.pending(), 2u);
    const Recorder::Batch written = recorder.flush();
    ASSERT_EQ(written.tool_calls.size(), 1u);
    const ToolCall& call = written.tool_calls[0];
    EXPECT_EQ(call.ts_ms, 1767225600000);
    EXPECT_EQ(call.dim(ToolDim::tool), "echo");
    EXPECT_EQ(call.dim(ToolDim::session), "");
    EXPECT_EQ(call.dim(ToolDim::outcome), "tool_error");
    EXPECT_FALSE(call.ok);
    EXPECT_EQ(call.result_bytes, 34);
    EXPECT_EQ(recorder.pending(), 0u);
    store.with_db([](Database& db) {
        Statement row = db.prepare("SELECT tool, plugin, outcome, ok, duration_ms FROM tool_calls");
        ASSERT_TRUE(row.step());
        EXPECT_EQ(row.text(0), "echo");
        EXPECT_EQ(row.text(2), "tool_error");
        EXPECT_EQ(row.int64(3), 0);
        EXPECT_DOUBLE_EQ(row.real(4), 1.5);
    });
}

TEST(Csv, HeaderIsTheUnionOfColumnsAndFieldsAreQuoted) {
    const nlohmann::json rows = {{{"model", "a,b"}, {"cost_usd", 1.5}},
                                 {{"model", "say \"hi\""}, {"calls", 2}, {"basis", {{"n", 3}}}},
                                 {{"model", nullptr}}};
    EXPECT_EQ(to_csv(rows),
              "cost_usd,model,basis.n,calls\r\n"
              "1.5,\"a,b\",,\r\n"
              ",\"say \"\"hi\"\"\",3,2\r\n"
              ",,,\r\n");
}

}  // namespace
}  // namespace switchboard::metrics
