// arguments.hpp: reads tool arguments and refuses bad ones with a ToolError that says what was
// wrong and what is accepted. Every tool goes through these, so messages read alike.
#pragma once

#include <switchboard/sdk.hpp>

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "model.hpp"

namespace knowledge {

// `project`, or the default project; a non-empty string of at most 200 bytes.
std::string project_of(const Json& arguments, const Settings& settings);
// Who wrote it: the `source` argument, or the calling client and session.
std::optional<std::string> source_of(const Json& arguments, switchboard::Call& call);

std::string required_string(const Json& arguments, const std::string& key, const std::string& what);
std::optional<std::string> optional_string(const Json& arguments, const std::string& key);
std::vector<std::string> string_array(const Json& arguments, const std::string& key, const std::string& what,
                                      const Settings& settings, bool required = true);
int64_t optional_integer(const Json& arguments, const std::string& key, int64_t fallback, int64_t min, int64_t max);
// `as_of` as a canonical time, or nullopt when absent.
AsOf as_of_of(const Json& arguments);

// The reference server's argument shapes.
std::vector<NewEntity> entities_of(const Json& arguments, const Settings& settings);
std::vector<NewRelation> relations_of(const Json& arguments, const std::string& key, const Settings& settings);
std::vector<ObservationBatch> observation_batches_of(const Json& arguments, const std::string& key,
                                                     const std::string& contents_key, const Settings& settings);

// Bounded reads: `limit` (default and cap from settings) and `cursor` (from a previous answer).
Page page_of(const Json& arguments, const Settings& settings);
// `detail`: "names", "summary" or "full".
std::string detail_of(const Json& arguments, const std::string& fallback);

// JSON Schema fragments for the tools' inputSchema.
Json project_property();
Json source_property();
Json page_properties();

}  // namespace knowledge
