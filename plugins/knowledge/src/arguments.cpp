// arguments.cpp: see arguments.hpp.
#include "arguments.hpp"

#include "clock.hpp"

namespace knowledge {

namespace {

using switchboard::ToolError;

std::string type_name(const Json& value) {
    if (value.is_null()) return "null";
    if (value.is_boolean()) return "a boolean";
    if (value.is_number()) return "a number";
    if (value.is_string()) return "a string";
    if (value.is_array()) return "an array";
    return "an object";
}

const Json& array_field(const Json& arguments, const std::string& key, const std::string& what,
                        const Settings& settings) {
    if (!arguments.is_object() || !arguments.contains(key)) throw ToolError("\"" + key + "\" is required: " + what);
    const Json& value = arguments.at(key);
    if (!value.is_array()) throw ToolError("\"" + key + "\" must be " + what + ", got " + type_name(value));
    if (static_cast<int64_t>(value.size()) > settings.max_batch)
        throw ToolError("\"" + key + "\" has " + std::to_string(value.size()) + " items; at most " +
                        std::to_string(settings.max_batch) + " are accepted in one call, so split the batch");
    return value;
}

std::string string_at(const Json& object, const std::string& key, const std::string& path) {
    if (!object.is_object()) throw ToolError(path + " must be an object, got " + type_name(object));
    auto found = object.find(key);
    if (found == object.end()) throw ToolError(path + "." + key + " is required (a string)");
    if (!found->is_string()) throw ToolError(path + "." + key + " must be a string, got " + type_name(*found));
    return found->get<std::string>();
}

std::vector<std::string> strings_at(const Json& object, const std::string& key, const std::string& path,
                                    bool required) {
    auto found = object.find(key);
    if (found == object.end()) {
        if (required) throw ToolError(path + "." + key + " is required (an array of strings)");
        return {};
    }
    if (!found->is_array())
        throw ToolError(path + "." + key + " must be an array of strings, got " + type_name(*found));
    std::vector<std::string> values;
    for (size_t i = 0; i < found->size(); ++i) {
        const Json& item = (*found)[i];
        if (!item.is_string())
            throw ToolError(path + "." + key + "[" + std::to_string(i) + "] must be a string, got " + type_name(item));
        values.push_back(item.get<std::string>());
    }
    return values;
}

std::optional<std::string> time_at(const Json& object, const std::string& key, const std::string& path) {
    auto found = object.find(key);
    if (found == object.end() || found->is_null()) return std::nullopt;
    const std::string normalized = found->is_string() ? normalize_time(found->get<std::string>()) : std::string();
    if (normalized.empty())
        throw ToolError(path + key + " must be a UTC time such as \"2026-05-01\" or \"2026-05-01T12:00:00Z\", got " +
                        found->dump());
    return normalized;
}

Json properties_at(const Json& object, const std::string& path) {
    auto found = object.find("properties");
    if (found == object.end() || found->is_null()) return Json::object();
    if (!found->is_object()) throw ToolError(path + ".properties must be an object, got " + type_name(*found));
    return *found;
}

}  // namespace

std::string project_of(const Json& arguments, const Settings& settings) {
    if (!arguments.is_object() || !arguments.contains("project") || arguments.at("project").is_null())
        return settings.default_project;
    const Json& value = arguments.at("project");
    if (!value.is_string() || value.get<std::string>().empty() || value.get<std::string>().size() > 200)
        throw ToolError("\"project\" must be a non-empty string of at most 200 bytes (default \"" +
                        settings.default_project + "\"), got " + value.dump());
    return value.get<std::string>();
}

std::optional<std::string> source_of(const Json& arguments, switchboard::Call& call) {
    if (arguments.is_object() && arguments.contains("source")) {
        const Json& value = arguments.at("source");
        if (!value.is_string()) throw ToolError("\"source\" must be a string naming the agent, session or document");
        return value.get<std::string>();
    }
    const Json info = call.info();
    std::string source;
    if (info.contains("clientInfo") && info["clientInfo"].is_object())
        source = info["clientInfo"].value("name", std::string());
    if (info.contains("session") && info["session"].is_string() && !info["session"].get<std::string>().empty()) {
        if (!source.empty()) source += '@';
        source += info["session"].get<std::string>();
    }
    if (source.empty()) return std::nullopt;
    return source;
}

std::string required_string(const Json& arguments, const std::string& key, const std::string& what) {
    if (!arguments.is_object() || !arguments.contains(key)) throw ToolError("\"" + key + "\" is required: " + what);
    const Json& value = arguments.at(key);
    if (!value.is_string()) throw ToolError("\"" + key + "\" must be " + what + ", got " + type_name(value));
    return value.get<std::string>();
}

std::optional<std::string> optional_string(const Json& arguments, const std::string& key) {
    if (!arguments.is_object() || !arguments.contains(key) || arguments.at(key).is_null()) return std::nullopt;
    const Json& value = arguments.at(key);
    if (!value.is_string()) throw ToolError("\"" + key + "\" must be a string, got " + type_name(value));
    return value.get<std::string>();
}

std::vector<std::string> string_array(const Json& arguments, const std::string& key, const std::string& what,
                                      const Settings& settings, bool required) {
    if (!required && (!arguments.is_object() || !arguments.contains(key) || arguments.at(key).is_null())) return {};
    const Json& array = array_field(arguments, key, what, settings);
    std::vector<std::string> values;
    for (size_t i = 0; i < array.size(); ++i) {
        if (!array[i].is_string())
            throw ToolError(key + "[" + std::to_string(i) + "] must be a string, got " + type_name(array[i]));
        values.push_back(array[i].get<std::string>());
    }
    return values;
}

int64_t optional_integer(const Json& arguments, const std::string& key, int64_t fallback, int64_t min, int64_t max) {
    if (!arguments.is_object() || !arguments.contains(key) || arguments.at(key).is_null()) return fallback;
    const Json& value = arguments.at(key);
    if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max)
        throw ToolError("\"" + key + "\" must be an integer from " + std::to_string(min) + " to " +
                        std::to_string(max) + ", got " + value.dump());
    return value.get<int64_t>();
}

AsOf as_of_of(const Json& arguments) {
    if (!arguments.is_object()) return std::nullopt;
    return time_at(arguments, "as_of", "");
}

std::vector<NewEntity> entities_of(const Json& arguments, const Settings& settings) {
    const Json& array = array_field(arguments, "entities", "an array of {name, entityType, observations}", settings);
    std::vector<NewEntity> entities;
    entities.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string path = "entities[" + std::to_string(i) + "]";
        NewEntity entity;
        entity.name = string_at(array[i], "name", path);
        entity.entity_type = string_at(array[i], "entityType", path);
        entity.observations = strings_at(array[i], "observations", path, true);
        entity.properties = properties_at(array[i], path);
        entity.valid_from = time_at(array[i], "validFrom", path + ".");
        entities.push_back(std::move(entity));
    }
    return entities;
}

std::vector<NewRelation> relations_of(const Json& arguments, const std::string& key, const Settings& settings) {
    const Json& array = array_field(arguments, key, "an array of {from, to, relationType}", settings);
    std::vector<NewRelation> relations;
    relations.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string path = key + "[" + std::to_string(i) + "]";
        NewRelation relation;
        relation.key = {string_at(array[i], "from", path), string_at(array[i], "to", path),
                        string_at(array[i], "relationType", path)};
        relation.properties = properties_at(array[i], path);
        relation.valid_from = time_at(array[i], "validFrom", path + ".");
        relations.push_back(std::move(relation));
    }
    return relations;
}

std::vector<ObservationBatch> observation_batches_of(const Json& arguments, const std::string& key,
                                                     const std::string& contents_key, const Settings& settings) {
    const Json& array =
        array_field(arguments, key, "an array of {entityName, " + contents_key + ": [strings]}", settings);
    std::vector<ObservationBatch> batches;
    int64_t total = 0;
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string path = key + "[" + std::to_string(i) + "]";
        ObservationBatch batch{string_at(array[i], "entityName", path), strings_at(array[i], contents_key, path, true)};
        total += static_cast<int64_t>(batch.contents.size());
        batches.push_back(std::move(batch));
    }
    if (total > settings.max_batch)
        throw ToolError("\"" + key + "\" carries " + std::to_string(total) + " observations; at most " +
                        std::to_string(settings.max_batch) + " are accepted in one call, so split the batch");
    return batches;
}

Page page_of(const Json& arguments, const Settings& settings) {
    Page page;
    page.limit = optional_integer(arguments, "limit", settings.default_limit, 1, settings.max_limit);
    if (const auto cursor = optional_string(arguments, "cursor")) {
        try {
            size_t used = 0;
            page.after_id = std::stoll(*cursor, &used);
            if (used != cursor->size() || page.after_id < 0) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            throw ToolError("\"cursor\" must be the nextCursor of a previous answer, got \"" + *cursor + "\"");
        }
    }
    return page;
}

std::string detail_of(const Json& arguments, const std::string& fallback) {
    const std::string detail = optional_string(arguments, "detail").value_or(fallback);
    if (detail != "names" && detail != "summary" && detail != "full")
        throw ToolError("\"detail\" must be \"names\", \"summary\" or \"full\", got \"" + detail + "\"");
    return detail;
}

Json project_property() {
    return {{"type", "string"}, {"description", "The project whose graph this reads or writes (default \"default\")"}};
}

Json source_property() {
    return {{"type", "string"},
            {"description", "Who is writing: an agent, session or document (default: the calling client)"}};
}

Json page_properties() {
    return {{"limit", {{"type", "integer"}, {"minimum", 1}, {"description", "At most this many entities"}}},
            {"cursor", {{"type", "string"}, {"description", "nextCursor from the previous page"}}},
            {"detail",
             {{"type", "string"},
              {"enum", {"names", "summary", "full"}},
              {"description", "names only, a summary per entity, or everything with times and sources"}}}};
}

}  // namespace knowledge
