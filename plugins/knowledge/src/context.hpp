// context.hpp: what the tool, resource and HTTP modules share: the store, the type rules, the
// plugin's settings, and how to announce a change (bus event plus resource update).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "model.hpp"
#include "store.hpp"
#include "type_rules.hpp"

namespace knowledge {

// The plugin's config (plugins.knowledge in the host config); see docs/knowledge.md.
struct Settings {
    bool compat_names = false;  // offer the reference server's tool names instead of knowledge_*
    std::string default_project = "default";
    int64_t max_batch = 10000;      // items one write may carry
    int64_t default_limit = 50;     // bounded reads without a limit
    int64_t max_limit = 1000;       // the largest limit a caller may ask for
    bool strict_types = false;      // refuse entity and relation types outside the vocabulary and definitions
    bool allow_import_path = true;  // knowledge_import may read a file here (turn off on shared servers)
};

struct Context {
    KnowledgeStore& store;
    TypeRules& rules;
    const Settings& settings;
    // Publishes `knowledge.<noun>.<verb>` with `payload` and tells subscribers of `project`'s
    // graph resource that it changed.
    std::function<void(const std::string& project, std::string_view topic, const Json& payload)> changed;
};

}  // namespace knowledge
