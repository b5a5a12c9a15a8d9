// jsonl_import.hpp: reads the reference memory server's JSONL file (one
// {"type":"entity","name","entityType","observations"} or {"type":"relation","from","to",
// "relationType"} per line) into what the store writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"

namespace knowledge {

struct ImportBatch {
    std::vector<NewEntity> entities;  // in file order; a name may appear twice (the reference allowed it)
    std::vector<NewRelation> relations;
    std::vector<std::string> problems;  // "line 7: ..." for every line left out
};

ImportBatch parse_memory_jsonl(std::string_view text);

}  // namespace knowledge
