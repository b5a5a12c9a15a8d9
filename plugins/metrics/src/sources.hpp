// sources.hpp: the two kinds of record (LLM calls, tool calls) described as data, so that one
// query engine and one rollup writer serve both.
//
// Each source has a raw table (one row per record) and two rollup tables (per hour and per day)
// keyed by the bucket start and the id of the tuple of low-cardinality dimensions (a star schema:
// integer keys keep the upserts and scans cheap). High-cardinality dimensions
// (session, run, task, tags) are only in the raw table: a query that groups or filters by them
// reads raw rows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"

namespace switchboard::metrics {

enum class Aggregate { sum, max };

struct Measure {
    std::string_view name;      // the output name and the rollup column
    std::string_view raw_expr;  // its value for one raw row
    Aggregate aggregate;
    bool integral;
};

struct SourceSpec {
    std::string_view name;       // "llm" or "tools"
    std::string_view raw_table;  // has ts_ms and a column per dimension
    std::string_view hour_table;
    std::string_view day_table;
    std::string_view dims_table;               // one row per distinct tuple of rollup dimensions; rollups key by its id
    std::vector<std::string_view> dimensions;  // all, in column order
    std::vector<std::string_view> rollup_dimensions;  // the subset keyed in rollups
    std::vector<Measure> measures;
    std::string_view default_order;  // the measure top-N ranks by

    bool has_dimension(std::string_view dim) const;
    bool in_rollup(std::string_view dim) const;
    const Measure* measure(std::string_view name) const;
};

const SourceSpec& llm_source();
const SourceSpec& tool_source();

// The measure values of one record, in SourceSpec::measures order; they equal raw_expr on its row.
std::vector<double> measure_values(const LlmCall& call);
std::vector<double> measure_values(const ToolCall& call);

}  // namespace switchboard::metrics
