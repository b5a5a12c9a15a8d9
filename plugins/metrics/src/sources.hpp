// sources.hpp: the two kinds of record (LLM calls, tool calls) described as data, so that one
// query engine and one rollup writer serve both.
//
// Each source has a raw table (one row per record, holding the id of its tuple of low-cardinality
// dimensions and the high-cardinality ones as text; a view of the old name joins the tuple back)
// and two rollup tables (per hour and per day) keyed by the bucket start and the tuple id (a star
// schema: integer keys keep the upserts and scans cheap). A high-cardinality dimension that is
// often grouped by (session) has its own hour and day rollups keyed by its value alone. Other
// high-cardinality dimensions (run, task, tags), and a session mixed with other dimensions, read
// raw rows.
#pragma once

#include <array>
#include <cstddef>
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

// Rollups keyed by (bucket, one dimension's value) alone.
struct DimensionRollup {
    std::string_view dimension;
    std::string_view hour_table;
    std::string_view day_table;
};

struct SourceSpec {
    std::string_view name;        // "llm" or "tools"
    std::string_view raw_table;   // a view with ts_ms and a column per dimension
    std::string_view rows_table;  // what the view reads: ts_ms, dims_id, the other dimensions
    std::string_view hour_table;
    std::string_view day_table;
    std::string_view dims_table;               // one row per distinct tuple of rollup dimensions; rollups key by its id
    std::vector<std::string_view> dimensions;  // all, in column order
    std::vector<std::string_view> rollup_dimensions;  // the subset keyed in rollups
    std::vector<std::string_view> row_dimensions;     // the others, stored as text in rows_table
    std::vector<DimensionRollup> dimension_rollups;
    std::vector<Measure> measures;
    std::string_view default_order;  // the measure top-N ranks by

    bool has_dimension(std::string_view dim) const;
    bool in_rollup(std::string_view dim) const;
    const DimensionRollup* dimension_rollup(std::string_view dim) const;
    const Measure* measure(std::string_view name) const;
};

const SourceSpec& llm_source();
const SourceSpec& tool_source();

// Both sources by index, in the order the rollup bookkeeping keeps them (Store, RollupWriter).
inline constexpr size_t kLlmSource = 0, kToolSource = 1, kSourceCount = 2;
const SourceSpec& source_at(size_t index);

// The measure values of one record, in SourceSpec::measures order (the first measures.size() are
// used); they equal raw_expr on its row. A fixed array: the write path fills one per record.
inline constexpr size_t kMaxMeasures = 12;
using MeasureValues = std::array<double, kMaxMeasures>;
MeasureValues measure_values(const LlmCall& call);
MeasureValues measure_values(const ToolCall& call);

}  // namespace switchboard::metrics
