// jsonl_import.cpp: see jsonl_import.hpp. A bad line is reported and skipped, as the reference
// server itself skips lines it cannot read; the problem says what was expected, never the content.
#include "jsonl_import.hpp"

namespace knowledge {

namespace {

bool is_string_array(const Json& value) {
    if (!value.is_array()) return false;
    for (const Json& item : value)
        if (!item.is_string()) return false;
    return true;
}

}  // namespace

ImportBatch parse_memory_jsonl(std::string_view text) {
    ImportBatch batch;
    size_t line_number = 0;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        const std::string where = "line " + std::to_string(line_number) + ": ";
        const Json item = Json::parse(line, nullptr, false);
        if (item.is_discarded() || !item.is_object()) {
            batch.problems.push_back(where + "not a JSON object");
            continue;
        }
        const std::string type = item.value("type", "");
        if (type == "entity") {
            if (!item.contains("name") || !item["name"].is_string() || !item.contains("entityType") ||
                !item["entityType"].is_string() || !is_string_array(item.value("observations", Json::array()))) {
                batch.problems.push_back(where +
                                         "an entity needs name and entityType strings and observations strings");
                continue;
            }
            NewEntity entity;
            entity.name = item["name"].get<std::string>();
            entity.entity_type = item["entityType"].get<std::string>();
            entity.observations = item.value("observations", Json::array()).get<std::vector<std::string>>();
            batch.entities.push_back(std::move(entity));
        } else if (type == "relation") {
            if (!item.contains("from") || !item["from"].is_string() || !item.contains("to") ||
                !item["to"].is_string() || !item.contains("relationType") || !item["relationType"].is_string()) {
                batch.problems.push_back(where + "a relation needs from, to and relationType strings");
                continue;
            }
            batch.relations.push_back(NewRelation{{item["from"].get<std::string>(), item["to"].get<std::string>(),
                                                   item["relationType"].get<std::string>()},
                                                  Json::object(),
                                                  std::nullopt});
        } else {
            batch.problems.push_back(where + "type must be \"entity\" or \"relation\"");
        }
    }
    return batch;
}

}  // namespace knowledge
