// schema_test.cpp: a version-1 database migrates to the current layout with every record kept:
// the views show the same rows, and the session rollups are built from them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "query.hpp"
#include "schema.hpp"
#include "store.hpp"

namespace switchboard::metrics {
namespace {

constexpr int64_t kNewYear2026 = 1767225600000;  // 2026-01-01T00:00:00Z

TEST(Schema, AVersionOneDatabaseMigratesWithEveryRecord) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("metrics_schema_test_" + std::to_string(::getpid()) + ".db"))
            .string();
    std::filesystem::remove(path);
    {
        Database db(path);
        migrate(db, 1);
        db.exec(
            "INSERT INTO llm_dims (provider, model, operation, status, project, agent, role, team, workflow) VALUES "
            "('openai', 'gpt-4o', 'chat', 'ok', 'p1', 'a1', 'coder', '', '')");
        for (int i = 0; i < 50; ++i) {
            db.prepare(
                  "INSERT INTO llm_calls (ts_ms, provider, model, operation, status, project, session, agent, role, "
                  "team, workflow, run, task, tags, input_tokens, output_tokens, cache_read_tokens, "
                  "cache_creation_tokens, reasoning_tokens, input_includes_cache, cost_usd, cost_source, price_key, "
                  "price_version, latency_ms, ttft_ms) VALUES (?, 'openai', 'gpt-4o', 'chat', 'ok', 'p1', ?, 'a1', "
                  "'coder', '', '', '', 't1', '', 100, 10, 0, 0, 0, 1, 0.5, 'computed', 'gpt-4o', 'v', NULL, NULL)")
                .bind(1, kNewYear2026 + int64_t{i} * 3'600'000)
                .bind(2, std::string_view(i % 2 == 0 ? "even" : "odd"))
                .run();
        }
        db.exec(
            "INSERT INTO tool_calls (ts_ms, tool, plugin, outcome, session, client, duration_ms, ok, argument_bytes, "
            "result_bytes) VALUES (1767225600000, 'echo', 'bench', 'ok', 's', 'c', 2.5, 1, 10, 20)");
    }

    Store store(path);
    store.with_db([](Database& db) {
        EXPECT_EQ(db.user_version(), kSchemaVersion);
        // Version 4: the rollups live in their own file, and only there.
        for (const char* schema : {"main", "rollups"}) {
            Statement tables = db.prepare("SELECT COUNT(*) FROM " + std::string(schema) +
                                          ".sqlite_master WHERE name IN ('llm_rollup_hour', 'llm_session_day', "
                                          "'tool_rollup_day', 'rollup_marks')");
            ASSERT_TRUE(tables.step());
            EXPECT_EQ(tables.int64(0), std::string(schema) == "main" ? 0 : 4) << schema;
        }
        Statement count = db.prepare("SELECT COUNT(*), SUM(input_tokens), MIN(model), MIN(session) FROM llm_calls");
        ASSERT_TRUE(count.step());
        EXPECT_EQ(count.int64(0), 50);
        EXPECT_EQ(count.int64(1), 5000);
        EXPECT_EQ(count.text(2), "gpt-4o");
        EXPECT_EQ(count.text(3), "even");
        Statement tools = db.prepare("SELECT tool, session, result_bytes FROM tool_calls");
        ASSERT_TRUE(tools.step());
        EXPECT_EQ(tools.text(0), "echo");
        EXPECT_EQ(tools.text(1), "s");
        EXPECT_EQ(tools.int64(2), 20);

        Query query;
        query.group_by = {"session"};
        const QueryResult fast = run_query(db, query);
        query.raw_only = true;
        const QueryResult raw = run_query(db, query);
        EXPECT_EQ(fast.plan, "session:day");
        ASSERT_EQ(fast.rows.size(), 2u);
        ASSERT_EQ(raw.rows.size(), 2u);
        for (size_t i = 0; i < fast.rows.size(); ++i) {
            EXPECT_EQ(fast.rows[i].key, raw.rows[i].key);
            EXPECT_EQ(fast.value(fast.rows[i], "calls"), 25);
            EXPECT_NEAR(fast.value(fast.rows[i], "cost_usd"), raw.value(raw.rows[i], "cost_usd"), 1e-9);
        }
    });
    // New records go on top of the migrated ones.
    LlmCall call;
    call.ts_ms = kNewYear2026;
    call.dim(LlmDim::provider) = "openai";
    call.dim(LlmDim::model) = "gpt-4o";
    call.dim(LlmDim::operation) = "chat";
    call.dim(LlmDim::status) = "ok";
    call.dim(LlmDim::project) = "p1";
    call.dim(LlmDim::agent) = "a1";
    call.dim(LlmDim::role) = "coder";
    call.dim(LlmDim::session) = "even";
    store.insert(std::vector<LlmCall>{call}, {});
    store.with_db([](Database& db) {
        Query query;
        query.filters = {{"session", {"even"}}};
        EXPECT_EQ(run_query(db, query).rows.at(0).values.at(0), 26);
        Statement tuples = db.prepare("SELECT COUNT(*) FROM llm_dims");
        ASSERT_TRUE(tuples.step());
        EXPECT_EQ(tuples.int64(0), 1);
    });
    const std::string rollups_path = path.substr(0, path.size() - 3) + "-rollups.db";
    EXPECT_TRUE(std::filesystem::exists(rollups_path));
    for (const std::string& file : {path, rollups_path})
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
}

TEST(Schema, ANewerDatabaseIsRefused) {
    Database db(":memory:");
    db.set_user_version(kSchemaVersion + 1);
    EXPECT_THROW(migrate(db), SqliteError);
}

}  // namespace
}  // namespace switchboard::metrics
