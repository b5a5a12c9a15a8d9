// catalog.cpp: validation, ownership and paging of plugin offerings.
#include "catalog.hpp"

#include <boost/beast/core/detail/base64.hpp>

#include <mutex>
#include <regex>

#include "switchboard/uri_template.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;

bool non_empty_string(const json& item, const char* key) {
    return item.contains(key) && item[key].is_string() && !item[key].get_ref<const std::string&>().empty();
}

std::optional<std::string> optional_type(const json& item, const char* key, json::value_t type, const char* what) {
    if (item.contains(key) && item[key].type() != type) return std::string("\"") + key + "\" must be " + what;
    return std::nullopt;
}

std::optional<std::string> validate_schema(const json& tool, const char* key, bool required) {
    if (!tool.contains(key)) {
        if (required) return std::string("\"") + key + "\" is required: a JSON Schema object with \"type\": \"object\"";
        return std::nullopt;
    }
    const json& schema = tool[key];
    if (!schema.is_object() || schema.value("type", json()) != "object")
        return std::string("\"") + key + "\" must be a JSON Schema object with \"type\": \"object\"";
    if (schema.contains("properties") && !schema["properties"].is_object())
        return std::string("\"") + key + ".properties\" must be an object";
    if (schema.contains("required") && !schema["required"].is_array())
        return std::string("\"") + key + ".required\" must be an array of property names";
    return std::nullopt;
}

std::optional<std::string> validate_tool(const json& tool) {
    static const std::regex name_rule("^[A-Za-z0-9_.-]{1,64}$");
    if (!tool.contains("name") || !tool["name"].is_string() ||
        !std::regex_match(tool["name"].get_ref<const std::string&>(), name_rule))
        return "tool names are 1-64 characters of A-Z, a-z, 0-9, '_', '-' and '.'";
    if (!non_empty_string(tool, "description")) return "\"description\" is required: a non-empty string";
    if (auto error = validate_schema(tool, "inputSchema", true)) return error;
    if (auto error = validate_schema(tool, "outputSchema", false)) return error;
    if (auto error = optional_type(tool, "title", json::value_t::string, "a string")) return error;
    if (auto error = optional_type(tool, "annotations", json::value_t::object, "an object")) return error;
    if (auto error = optional_type(tool, "icons", json::value_t::array, "an array")) return error;
    return std::nullopt;
}

std::optional<std::string> validate_resource(const json& resource) {
    if (!non_empty_string(resource, "uri")) return "\"uri\" is required: a non-empty string";
    if (!non_empty_string(resource, "name")) return "\"name\" is required: a non-empty string";
    if (auto error = optional_type(resource, "mimeType", json::value_t::string, "a string")) return error;
    return std::nullopt;
}

std::optional<std::string> validate_template(const json& resource_template) {
    if (!non_empty_string(resource_template, "uriTemplate")) return "\"uriTemplate\" is required: a non-empty string";
    if (!non_empty_string(resource_template, "name")) return "\"name\" is required: a non-empty string";
    const auto& uri_template = resource_template["uriTemplate"].get_ref<const std::string&>();
    int depth = 0;
    for (char c : uri_template) {
        depth += c == '{' ? 1 : c == '}' ? -1 : 0;
        if (depth < 0 || depth > 1) return "\"uriTemplate\" has unbalanced braces";
    }
    if (depth != 0) return "\"uriTemplate\" has unbalanced braces";
    return std::nullopt;
}

std::optional<std::string> validate_prompt(const json& prompt) {
    if (!non_empty_string(prompt, "name")) return "\"name\" is required: a non-empty string";
    if (!prompt.contains("arguments")) return std::nullopt;
    if (!prompt["arguments"].is_array()) return "\"arguments\" must be an array of {name, description?, required?}";
    for (const auto& argument : prompt["arguments"]) {
        if (!argument.is_object() || !non_empty_string(argument, "name"))
            return "every prompt argument needs a non-empty \"name\"";
        if (argument.contains("required") && !argument["required"].is_boolean())
            return "a prompt argument's \"required\" must be true or false";
    }
    return std::nullopt;
}

std::string encode_cursor(const std::string& last_key) {
    const std::string plain = "after:" + last_key;
    std::string out(boost::beast::detail::base64::encoded_size(plain.size()), '\0');
    out.resize(boost::beast::detail::base64::encode(out.data(), plain.data(), plain.size()));
    return out;
}

std::string decode_cursor(const std::string& cursor) {
    std::string plain(boost::beast::detail::base64::decoded_size(cursor.size()), '\0');
    const auto [written, read] = boost::beast::detail::base64::decode(plain.data(), cursor.data(), cursor.size());
    plain.resize(written);
    // decode() stops at the '=' padding, so what it read is compared with the unpadded length.
    const size_t unpadded = cursor.find_last_not_of('=') + 1;
    if (read != unpadded || cursor.size() - unpadded > 2 || plain.rfind("after:", 0) != 0)
        throw InvalidCursor("invalid cursor: pass back the nextCursor of an earlier list response unchanged");
    return plain.substr(6);
}

}  // namespace

const char* to_string(CatalogKind kind) {
    switch (kind) {
        case CatalogKind::tool:
            return "tool";
        case CatalogKind::resource:
            return "resource";
        case CatalogKind::resource_template:
            return "resource template";
        case CatalogKind::prompt:
            return "prompt";
    }
    return "item";
}

std::optional<std::string> validate_item(CatalogKind kind, const json& item) {
    if (!item.is_object()) return std::string("a ") + to_string(kind) + " must be a JSON object";
    switch (kind) {
        case CatalogKind::tool:
            return validate_tool(item);
        case CatalogKind::resource:
            return validate_resource(item);
        case CatalogKind::resource_template:
            return validate_template(item);
        case CatalogKind::prompt:
            return validate_prompt(item);
    }
    return std::nullopt;
}

std::string item_key(CatalogKind kind, const json& item) {
    switch (kind) {
        case CatalogKind::resource:
            return item.at("uri").get<std::string>();
        case CatalogKind::resource_template:
            return item.at("uriTemplate").get<std::string>();
        default:
            return item.at("name").get<std::string>();
    }
}

const Catalog::Table& Catalog::table(CatalogKind kind) const {
    switch (kind) {
        case CatalogKind::tool:
            return tools_;
        case CatalogKind::resource:
            return resources_;
        case CatalogKind::resource_template:
            return templates_;
        case CatalogKind::prompt:
            return prompts_;
    }
    return tools_;
}

Catalog::Table& Catalog::table(CatalogKind kind) {
    return const_cast<Table&>(static_cast<const Catalog*>(this)->table(kind));
}

std::optional<std::string> Catalog::add(CatalogKind kind, const std::string& plugin, const json& item) {
    const std::string what = to_string(kind);
    if (auto error = validate_item(kind, item)) {
        std::string name = item.is_object() && item.contains("name") ? item["name"].dump() : std::string("(unnamed)");
        return "invalid " + what + " " + name + " from plugin \"" + plugin + "\": " + *error;
    }
    const std::string key = item_key(kind, item);
    std::unique_lock lock(mutex_);
    Table& entries = table(kind);
    if (auto found = entries.find(key); found != entries.end()) {
        return what + " \"" + key + "\" of plugin \"" + plugin + "\" collides with the one plugin \"" +
               found->second.plugin + "\" already registered";
    }
    entries.emplace(key, CatalogEntry{plugin, item});
    return std::nullopt;
}

bool Catalog::remove(CatalogKind kind, const std::string& plugin, const std::string& key) {
    std::unique_lock lock(mutex_);
    Table& entries = table(kind);
    auto found = entries.find(key);
    if (found == entries.end() || found->second.plugin != plugin) return false;
    entries.erase(found);
    return true;
}

void Catalog::remove_plugin(const std::string& plugin) {
    std::unique_lock lock(mutex_);
    for (Table* entries : {&tools_, &resources_, &templates_, &prompts_})
        std::erase_if(*entries, [&](const auto& entry) { return entry.second.plugin == plugin; });
}

std::optional<CatalogEntry> Catalog::find(CatalogKind kind, const std::string& key) const {
    std::shared_lock lock(mutex_);
    const Table& entries = table(kind);
    auto found = entries.find(key);
    if (found == entries.end()) return std::nullopt;
    return found->second;
}

std::optional<CatalogOwner> Catalog::owner(CatalogKind kind, const std::string& key) const {
    std::shared_lock lock(mutex_);
    const Table& entries = table(kind);
    auto found = entries.find(key);
    if (found == entries.end()) return std::nullopt;
    return CatalogOwner{found->second.plugin, found->second.item.contains("outputSchema")};
}

std::optional<CatalogEntry> Catalog::match_template(const std::string& uri) const {
    std::shared_lock lock(mutex_);
    for (const auto& [uri_template, entry] : templates_)
        if (match_uri_template(uri_template, uri)) return entry;
    return std::nullopt;
}

bool Catalog::empty(CatalogKind kind) const {
    std::shared_lock lock(mutex_);
    return table(kind).empty();
}

size_t Catalog::size(CatalogKind kind) const {
    std::shared_lock lock(mutex_);
    return table(kind).size();
}

CatalogPage Catalog::list(CatalogKind kind, const std::optional<std::string>& cursor, size_t page_size) const {
    const std::optional<std::string> after = cursor ? std::optional(decode_cursor(*cursor)) : std::nullopt;
    std::shared_lock lock(mutex_);
    const Table& entries = table(kind);
    auto it = after ? entries.upper_bound(*after) : entries.begin();
    CatalogPage page;
    for (; it != entries.end() && page.items.size() < page_size; ++it) page.items.push_back(it->second.item);
    if (it != entries.end()) page.next_cursor = encode_cursor(std::prev(it)->first);
    return page;
}

json Catalog::describe_plugin(const std::string& plugin) const {
    std::shared_lock lock(mutex_);
    json out = json::object();
    const std::pair<const char*, const Table*> tables[] = {
        {"tools", &tools_}, {"resources", &resources_}, {"resourceTemplates", &templates_}, {"prompts", &prompts_}};
    for (const auto& [name, entries] : tables) {
        out[name] = json::array();
        for (const auto& [key, entry] : *entries)
            if (entry.plugin == plugin) out[name].push_back(entry.item);
    }
    return out;
}

}  // namespace switchboard::host
