// knowledge_plugin.cpp: the knowledge plugin: a knowledge graph for projects, agents, teams and
// work scope, and a drop-in replacement for the reference memory server.
//
// Config (plugins.knowledge in the host config; see docs/knowledge.md):
//   {"compat_names": false, "default_project": "default", "max_batch": 10000, "default_limit": 50,
//    "max_limit": 1000, "strict_types": false, "allow_import_path": true,
//    "types": {"entities": {...}, "relations": {...}}}
#include <switchboard/sdk.hpp>

#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>

#include "context.hpp"
#include "graph_json.hpp"
#include "store.hpp"
#include "tools.hpp"
#include "type_rules.hpp"

namespace knowledge {

namespace {

constexpr const char* kGraphTemplate = "knowledge://projects/{project}/graph";

std::string graph_uri(const std::string& project) { return "knowledge://projects/" + project + "/graph"; }

Settings read_settings(const Json& config) {
    static const std::set<std::string> known = {"compat_names", "default_project", "max_batch", "default_limit",
                                                "max_limit",    "strict_types",    "types",     "allow_import_path"};
    if (!config.is_object()) throw std::invalid_argument("the knowledge plugin's config must be an object");
    for (const auto& [key, value] : config.items())
        if (!known.count(key))
            throw std::invalid_argument("config." + key +
                                        " is not a knowledge setting; accepted: compat_names, default_project, "
                                        "max_batch, default_limit, max_limit, strict_types, allow_import_path, types");
    Settings settings;
    const auto boolean = [&](const char* key, bool& target) {
        if (!config.contains(key)) return;
        if (!config[key].is_boolean())
            throw std::invalid_argument(std::string("config.") + key + " must be true or false");
        target = config[key].get<bool>();
    };
    const auto positive = [&](const char* key, int64_t& target) {
        if (!config.contains(key)) return;
        if (!config[key].is_number_integer() || config[key].get<int64_t>() < 1)
            throw std::invalid_argument(std::string("config.") + key + " must be a positive integer");
        target = config[key].get<int64_t>();
    };
    boolean("compat_names", settings.compat_names);
    boolean("strict_types", settings.strict_types);
    boolean("allow_import_path", settings.allow_import_path);
    positive("max_batch", settings.max_batch);
    positive("default_limit", settings.default_limit);
    positive("max_limit", settings.max_limit);
    if (config.contains("default_project")) {
        if (!config["default_project"].is_string() || config["default_project"].get<std::string>().empty())
            throw std::invalid_argument("config.default_project must be a non-empty string");
        settings.default_project = config["default_project"].get<std::string>();
    }
    if (settings.default_limit > settings.max_limit)
        throw std::invalid_argument("config.default_limit must not exceed config.max_limit");
    return settings;
}

std::string database_path(const std::string& data_dir) {
    std::filesystem::create_directories(data_dir);
    return (std::filesystem::path(data_dir) / "knowledge.db").string();
}

class KnowledgePlugin : public switchboard::Plugin {
 public:
    explicit KnowledgePlugin(const sb_host_api* api)
        : Plugin(api),
          settings_(read_settings(config())),
          rules_(config().value("types", Json())),
          store_(std::make_unique<KnowledgeStore>(database_path(data_dir()))),
          context_{*store_, rules_, settings_,
                   [this](const std::string& project, std::string_view topic, const Json& payload) {
                       publish(topic, payload);
                       resource_updated(graph_uri(project));
                   }} {
        set_instructions(
            "A shared knowledge graph: entities (typed, with observations) and relations, scoped by project. "
            "Write with create_entities / create_relations / add_observations, read with search_nodes, open_nodes "
            "and read_graph (paged), and use knowledge_search, knowledge_neighbors, knowledge_path and "
            "knowledge_subgraph to explore.");
        register_compat_tools(*this, context_);
        register_graph_tools(*this, context_);
        register_http_api(*this, context_);
        add_resource_template(
            {{"uriTemplate", kGraphTemplate},
             {"name", "project-graph"},
             {"title", "Project knowledge graph"},
             {"description",
              "A summary of one project's graph (first max_limit entities); subscribe to learn of changes"},
             {"mimeType", "application/json"}},
            [this](const std::string& uri, const switchboard::UriVariables& variables, switchboard::Call&) {
                const auto found = variables.find("project");
                const std::string project = found == variables.end() ? settings_.default_project : found->second;
                const Graph graph = store_->read_graph(project, Page{settings_.max_limit, 0});
                return Json{
                    {"uri", uri}, {"mimeType", "application/json"}, {"text", graph_at_detail(graph, "summary").dump()}};
            },
            [this](const Json&, const Json&) { return store_->projects(); });
    }

 private:
    Settings settings_;
    TypeRules rules_;
    std::unique_ptr<KnowledgeStore> store_;
    Context context_;
};

}  // namespace

}  // namespace knowledge

SWITCHBOARD_PLUGIN(knowledge::KnowledgePlugin, "Knowledge", "0.1.0",
                   "A knowledge graph for projects, agents, teams and work scope; a drop-in for the reference memory "
                   "server.")
