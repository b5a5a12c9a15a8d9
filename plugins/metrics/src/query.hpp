// query.hpp: breakdowns and time series over a source, answered from the rollups where they
// can, and from raw rows for what they cannot (high-cardinality dimensions, tags, the unaligned
// edges of a time range).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sources.hpp"
#include "sqlite.hpp"
#include "time_util.hpp"

namespace switchboard::metrics {

struct Query {
    const SourceSpec* source = &llm_source();
    std::vector<std::string> group_by;                                      // dimension names
    std::optional<Bucket> bucket;                                           // a time series when set
    std::optional<int64_t> from_ms;                                         // inclusive
    std::optional<int64_t> to_ms;                                           // exclusive
    std::vector<std::pair<std::string, std::vector<std::string>>> filters;  // dimension IN values
    std::string tag;                                                        // LLM calls only: records carrying this tag
    std::string order_by;   // a measure; the source's default when empty
    size_t limit = 0;       // top N groups; 0 = all
    bool raw_only = false;  // skip the rollups (tests compare both paths)
};

struct QueryRow {
    std::vector<std::string> key;  // values of group_by, in order
    std::optional<int64_t> bucket_ms;
    std::vector<double> values;  // in source->measures order
};

struct QueryResult {
    const SourceSpec* source = &llm_source();
    std::vector<std::string> group_by;
    std::vector<QueryRow> rows;
    std::string plan;  // which tables answered: "day+hour+raw", "raw", ...

    double value(const QueryRow& row, std::string_view measure) const;
};

// Throws InputError for an unknown dimension, measure or a tag on tool calls.
void validate(const Query& query);

QueryResult run_query(Database& db, const Query& query);

}  // namespace switchboard::metrics
