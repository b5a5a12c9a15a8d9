// catalog.hpp: what the loaded plugins offer, and who owns each name.
//
// The router's table: tools and prompts by name, resources by URI, resource templates by URI
// template. Each entry is the MCP JSON the plugin registered, validated before it is accepted and
// served unchanged. Lists are sorted by key and paged with opaque cursors that name the last key
// served, so a page boundary survives items added or removed in between.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchboard::host {

enum class CatalogKind { tool, resource, resource_template, prompt };

// "tool", "resource", ... for messages.
const char* to_string(CatalogKind kind);

class InvalidCursor : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct CatalogEntry {
    std::string plugin;
    nlohmann::json item;
};

// Who owns an entry, and whether its item declares an outputSchema: what routing asks on every
// call, without copying the item (a tool's schemas) as find does.
struct CatalogOwner {
    std::string plugin;
    bool output_schema = false;
};

struct CatalogPage {
    nlohmann::json items = nlohmann::json::array();
    std::optional<std::string> next_cursor;
};

// Why `item` is not a valid MCP object of `kind`, or nothing when it is.
std::optional<std::string> validate_item(CatalogKind kind, const nlohmann::json& item);

// The key an item is registered under: name, uri or uriTemplate.
std::string item_key(CatalogKind kind, const nlohmann::json& item);

class Catalog {
 public:
    // Adds `item` for `plugin`. Returns the reason on refusal: invalid, or a name another plugin
    // (or the same plugin) already owns.
    std::optional<std::string> add(CatalogKind kind, const std::string& plugin, const nlohmann::json& item);
    // Removes `key` when `plugin` owns it. Returns whether something was removed.
    bool remove(CatalogKind kind, const std::string& plugin, const std::string& key);
    // Removes everything `plugin` registered.
    void remove_plugin(const std::string& plugin);

    std::optional<CatalogEntry> find(CatalogKind kind, const std::string& key) const;
    std::optional<CatalogOwner> owner(CatalogKind kind, const std::string& key) const;
    // The plugin whose template matches `uri` (exact resources are looked up with find).
    std::optional<CatalogEntry> match_template(const std::string& uri) const;
    bool empty(CatalogKind kind) const;
    size_t size(CatalogKind kind) const;

    // One page of `kind`, starting after `cursor`. Throws InvalidCursor.
    CatalogPage list(CatalogKind kind, const std::optional<std::string>& cursor, size_t page_size) const;
    // Everything one plugin offers, as {"tools": [...], "resources": [...], ...}.
    nlohmann::json describe_plugin(const std::string& plugin) const;

 private:
    using Table = std::map<std::string, CatalogEntry>;
    const Table& table(CatalogKind kind) const;
    Table& table(CatalogKind kind);

    mutable std::shared_mutex mutex_;
    Table tools_;      // guarded by mutex_
    Table resources_;  // guarded by mutex_
    Table templates_;  // guarded by mutex_
    Table prompts_;    // guarded by mutex_
};

}  // namespace switchboard::host
