// graph_tools.cpp: the tools beyond the reference server: ranked search, traversal, time
// (supersede, as_of), type definitions, export and import. Always named knowledge_*.
#include <fstream>
#include <sstream>

#include "arguments.hpp"
#include "clock.hpp"
#include "export.hpp"
#include "graph_json.hpp"
#include "jsonl_import.hpp"
#include "operations.hpp"
#include "tools.hpp"
#include "traversal.hpp"

namespace knowledge {

namespace {

using switchboard::Call;
using switchboard::Tool;
using switchboard::ToolError;

Json schema(Json properties, const Json& required) {
    properties["project"] = project_property();
    return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

Json structured(const Json& value) { return tool_result(value.dump(), value); }

const Json kAsOf = {{"type", "string"}, {"description", "Answer as the graph was at this UTC time"}};
const Json kDirection = {{"type", "string"},
                         {"enum", {"outgoing", "incoming", "both"}},
                         {"description", "Follow relations leaving, arriving at, or both (default both)"}};
const Json kRelationTypes = {{"type", "array"},
                             {"items", {{"type", "string"}}},
                             {"description", "Follow only these relation types (default all)"}};

Direction direction_of(const Json& arguments) {
    const std::string direction = optional_string(arguments, "direction").value_or("both");
    if (direction == "outgoing") return Direction::outgoing;
    if (direction == "incoming") return Direction::incoming;
    if (direction == "both") return Direction::both;
    throw ToolError("\"direction\" must be \"outgoing\", \"incoming\" or \"both\", got \"" + direction + "\"");
}

// Entities reached by a walk (at `detail`) and the relations followed.
Json walk_json(Context& context, const std::string& project, const Walk& walk, const std::string& detail,
               const AsOf& as_of) {
    Json nodes = Json::array();
    for (const Reached& reached : walk.nodes) {
        const std::optional<Entity> entity = context.store.find_entity(project, reached.name, as_of);
        Json node = entity ? entity_at_detail(*entity, detail == "names" ? "summary" : detail)
                           : Json{{"name", reached.name}, {"missing", true}};
        node["depth"] = reached.depth;
        nodes.push_back(std::move(node));
    }
    Json relations = Json::array();
    for (const Relation& relation : walk.relations)
        relations.push_back(detail == "full" ? relation_full(relation) : compat_relation(relation));
    return {{"entities", nodes}, {"relations", relations}, {"truncated", walk.truncated}};
}

WalkOptions walk_options(const Json& arguments, int default_depth, int64_t default_nodes) {
    WalkOptions options;
    options.depth = static_cast<int>(optional_integer(arguments, "depth", default_depth, 1, 10));
    options.direction = direction_of(arguments);
    options.relation_types = string_array(arguments, "relationTypes", "an array of relation types", Settings{}, false);
    options.max_nodes = static_cast<size_t>(optional_integer(arguments, "maxNodes", default_nodes, 1, 10000));
    options.as_of = as_of_of(arguments);
    return options;
}

void require_entity(Context& context, const std::string& project, const std::string& name, const AsOf& as_of) {
    if (!context.store.find_entity(project, name, as_of))
        throw ToolError("Entity with name " + name + " not found in project \"" + project + "\"");
}

void register_search(switchboard::Plugin& plugin, Context& context) {
    add_result_tool(
        plugin,
        Tool("knowledge_search",
             "Full-text search over entity names, types and observations, ranked by relevance (bm25), with "
             "snippets. Words of 3+ characters match anywhere in the text; several words match any of them.")
            .input_schema(schema({{"query", {{"type", "string"}}},
                                  {"types", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                  {"limit", {{"type", "integer"}, {"minimum", 1}}},
                                  {"cursor", {{"type", "string"}}},
                                  {"as_of", kAsOf}},
                                 {"query"}))
            .annotations({{"readOnlyHint", true}}),
        [&context](const Json& arguments, Call&) {
            const std::string text = required_string(arguments, "query", "words to search for");
            std::string match;
            std::istringstream words(text);
            for (std::string word; words >> word;) {
                if (word.size() < 3) continue;
                std::string phrase = "\"";
                for (const char c : word) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
                match += (match.empty() ? "" : " OR ") + phrase + "\"";
            }
            if (match.empty())
                throw ToolError(
                    "\"query\" needs at least one word of 3 or more characters; for shorter text use "
                    "search_nodes");
            SearchQuery query;
            query.text = match;
            query.entity_types = string_array(arguments, "types", "an array of entity types", context.settings, false);
            query.limit =
                optional_integer(arguments, "limit", context.settings.default_limit, 1, context.settings.max_limit);
            query.offset = page_of(arguments, context.settings).after_id;
            query.as_of = as_of_of(arguments);
            const std::vector<SearchHit> hits = context.store.search(project_of(arguments, context.settings), query);
            Json results = Json::array();
            for (const SearchHit& hit : hits)
                results.push_back({{"name", hit.name},
                                   {"entityType", hit.entity_type},
                                   {"score", hit.score},
                                   {"snippet", hit.snippet}});
            Json answer = {{"results", results}};
            if (static_cast<int64_t>(hits.size()) == query.limit)
                answer["nextCursor"] = std::to_string(query.offset + query.limit);
            return structured(answer);
        });
}

void register_traversal(switchboard::Plugin& plugin, Context& context) {
    const Json walk_properties = {{"name", {{"type", "string"}, {"description", "The entity to start from"}}},
                                  {"depth", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}},
                                  {"direction", kDirection},
                                  {"relationTypes", kRelationTypes},
                                  {"maxNodes", {{"type", "integer"}, {"minimum", 1}}},
                                  {"detail", page_properties()["detail"]},
                                  {"as_of", kAsOf}};
    add_result_tool(
        plugin,
        Tool("knowledge_neighbors",
             "Entities reachable from one entity within `depth` hops (default 1), by relation types and "
             "direction, with the relations followed. Stops at maxNodes (default 100).")
            .input_schema(schema(walk_properties, {"name"}))
            .annotations({{"readOnlyHint", true}}),
        [&context](const Json& arguments, Call&) {
            const std::string project = project_of(arguments, context.settings);
            const std::string name = required_string(arguments, "name", "the entity to start from");
            const WalkOptions options = walk_options(arguments, 1, 100);
            require_entity(context, project, name, options.as_of);
            const Walk result = walk(context.store, project, name, options);
            return structured(walk_json(context, project, result, detail_of(arguments, "summary"), options.as_of));
        });
    add_result_tool(
        plugin,
        Tool("knowledge_subgraph",
             "The subgraph around an entity: everything within `depth` hops (default 2), capped at "
             "maxNodes entities (default 50), with the relations among them.")
            .input_schema(schema(walk_properties, {"name"}))
            .annotations({{"readOnlyHint", true}}),
        [&context](const Json& arguments, Call&) {
            const std::string project = project_of(arguments, context.settings);
            const std::string name = required_string(arguments, "name", "the entity at the centre");
            const WalkOptions options = walk_options(arguments, 2, 50);
            require_entity(context, project, name, options.as_of);
            const Walk result = walk(context.store, project, name, options);
            return structured(walk_json(context, project, result, detail_of(arguments, "summary"), options.as_of));
        });
    add_result_tool(
        plugin,
        Tool("knowledge_path",
             "The shortest path of relations from one entity to another (at most maxDepth hops, default 6), or "
             "found: false.")
            .input_schema(schema({{"from", {{"type", "string"}}},
                                  {"to", {{"type", "string"}}},
                                  {"maxDepth", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}},
                                  {"direction", kDirection},
                                  {"relationTypes", kRelationTypes},
                                  {"as_of", kAsOf}},
                                 {"from", "to"}))
            .annotations({{"readOnlyHint", true}}),
        [&context](const Json& arguments, Call&) {
            const std::string project = project_of(arguments, context.settings);
            const std::string from = required_string(arguments, "from", "the entity to start from");
            const std::string to = required_string(arguments, "to", "the entity to reach");
            WalkOptions options = walk_options(arguments, 6, 10000);
            options.depth = static_cast<int>(optional_integer(arguments, "maxDepth", 6, 1, 10));
            require_entity(context, project, from, options.as_of);
            require_entity(context, project, to, options.as_of);
            const auto path = shortest_path(context.store, project, from, to, options);
            if (!path) return structured({{"found", false}});
            Json relations = Json::array();
            for (const Relation& relation : *path) relations.push_back(compat_relation(relation));
            return structured({{"found", true}, {"length", path->size()}, {"relations", relations}});
        });
}

void register_time(switchboard::Plugin& plugin, Context& context) {
    add_result_tool(
        plugin,
        Tool("knowledge_supersede",
             "Replace a fact, keeping its history: give entityName, oldObservation and newObservation to close an "
             "observation and add its successor; or oldEntity and newEntity {name, entityType, observations} to close "
             "an entity (and its relations) and record newEntity -supersedes-> oldEntity; or relation "
             "{from, to, relationType} to close a relation. Closed facts stay readable with as_of.")
            .input_schema(schema({{"entityName", {{"type", "string"}}},
                                  {"oldObservation", {{"type", "string"}}},
                                  {"newObservation", {{"type", "string"}}},
                                  {"oldEntity", {{"type", "string"}}},
                                  {"newEntity", {{"type", "object"}}},
                                  {"relation", {{"type", "object"}}},
                                  {"source", source_property()}},
                                 Json::array())),
        [&context](const Json& arguments, Call& call) {
            const std::string project = project_of(arguments, context.settings);
            const auto source = source_of(arguments, call);
            if (arguments.contains("entityName")) {
                const std::string entity = required_string(arguments, "entityName", "the entity");
                const std::string old_text = required_string(arguments, "oldObservation", "the observation to close");
                const std::string new_text = required_string(arguments, "newObservation", "the observation to add");
                context.store.supersede_observation(project, entity, old_text, new_text, source);
                context.changed(project, "knowledge.observation.superseded",
                                {{"project", project}, {"entityName", entity}, {"old", old_text}, {"new", new_text}});
                return structured({{"superseded", "observation"}, {"closedAt", now_iso()}});
            }
            if (arguments.contains("oldEntity")) {
                const std::string old_name = required_string(arguments, "oldEntity", "the entity to close");
                const Json wrapped = {{"entities", Json::array({arguments.value("newEntity", Json())})}};
                const std::vector<NewEntity> replacement = entities_of(wrapped, context.settings);
                context.store.supersede_entity(project, old_name, replacement.front(), source);
                context.changed(project, "knowledge.entity.superseded",
                                {{"project", project}, {"old", old_name}, {"new", replacement.front().name}});
                return structured({{"superseded", "entity"}, {"old", old_name}, {"new", replacement.front().name}});
            }
            if (arguments.contains("relation")) {
                const Json wrapped = {{"relations", Json::array({arguments["relation"]})}};
                const RelationKey key = relations_of(wrapped, "relations", context.settings).front().key;
                if (!context.store.close_relation(project, key))
                    throw ToolError("no open relation " + key.from + " -" + key.relation_type + "-> " + key.to);
                context.changed(
                    project, "knowledge.relation.closed",
                    {{"project", project}, {"from", key.from}, {"to", key.to}, {"relationType", key.relation_type}});
                return structured({{"superseded", "relation"}});
            }
            throw ToolError(
                "say what to supersede: entityName + oldObservation + newObservation, or oldEntity + newEntity, or "
                "relation");
        });
}

void register_types(switchboard::Plugin& plugin, Context& context) {
    add_result_tool(
        plugin,
        Tool("knowledge_define_type",
             "Define (or replace) a type for a project. kind \"entity\": {properties: {name: {type, enum}}, required, "
             "additionalProperties, requiredRelations: [{relationType, direction, targetType}]}. kind \"relation\": "
             "{fromTypes, toTypes}. Later writes that break a rule fail with an error naming it.")
            .input_schema(schema({{"kind", {{"type", "string"}, {"enum", {"entity", "relation"}}}},
                                  {"name", {{"type", "string"}}},
                                  {"definition", {{"type", "object"}}}},
                                 {"kind", "name", "definition"})),
        [&context](const Json& arguments, Call&) {
            const std::string project = project_of(arguments, context.settings);
            const std::string kind = required_string(arguments, "kind", "\"entity\" or \"relation\"");
            if (kind != "entity" && kind != "relation")
                throw ToolError("\"kind\" must be \"entity\" or \"relation\", got \"" + kind + "\"");
            const std::string name = required_string(arguments, "name", "the type's name");
            const Json definition = arguments.value("definition", Json());
            const std::string problem = definition_problem(kind, definition);
            if (!problem.empty()) throw ToolError("\"definition\" is not valid: " + problem);
            context.store.put_type_definition(project, kind, name, definition);
            context.changed(project, "knowledge.type.defined", {{"project", project}, {"kind", kind}, {"name", name}});
            return structured({{"defined", name}, {"kind", kind}});
        });
    add_result_tool(plugin,
                    Tool("knowledge_list_types",
                         "The built-in vocabulary of entity and relation types and the type definitions in force")
                        .input_schema(schema(Json::object(), Json::array()))
                        .annotations({{"readOnlyHint", true}}),
                    [&context](const Json& arguments, Call&) {
                        const std::string project = project_of(arguments, context.settings);
                        Json definitions = {{"entity", Json::object()}, {"relation", Json::object()}};
                        for (const char* kind : {"entity", "relation"}) {
                            for (const auto& [name, definition] : context.rules.configured_all(kind))
                                definitions[kind][name] = definition;
                            for (auto& [name, definition] : context.store.type_definitions(project, kind))
                                definitions[kind][name] = definition;
                        }
                        return structured({{"entityTypes", entity_vocabulary()},
                                           {"relationTypes", relation_vocabulary()},
                                           {"definitions", definitions}});
                    });
}

void register_transfer(switchboard::Plugin& plugin, Context& context) {
    add_result_tool(
        plugin,
        Tool("knowledge_export", "A project's whole graph as json, graphml, cytoscape (Cytoscape.js elements) or dot")
            .input_schema(schema(
                {{"format", {{"type", "string"}, {"enum", {"json", "graphml", "cytoscape", "dot"}}}}, {"as_of", kAsOf}},
                {"format"}))
            .annotations({{"readOnlyHint", true}}),
        [&context](const Json& arguments, Call&) {
            const std::string name = required_string(arguments, "format", "json, graphml, cytoscape or dot");
            const auto format = parse_export_format(name);
            if (!format) throw ToolError("\"format\" must be json, graphml, cytoscape or dot, got \"" + name + "\"");
            const Graph graph =
                context.store.read_graph(project_of(arguments, context.settings), {}, as_of_of(arguments));
            return Json{{"content", Json::array({{{"type", "text"}, {"text", export_graph(graph, *format)}}})}};
        });
    add_result_tool(
        plugin,
        Tool("knowledge_import",
             "Import a reference memory server's JSONL file (path on this server, or its text as content) into a "
             "project, in one transaction. Existing entities gain the file's observations; duplicates are ignored.")
            .input_schema(schema(
                {{"path", {{"type", "string"}}}, {"content", {{"type", "string"}}}, {"source", source_property()}},
                Json::array())),
        [&context](const Json& arguments, Call& call) {
            const std::string project = project_of(arguments, context.settings);
            std::string text;
            if (const auto content = optional_string(arguments, "content")) {
                text = *content;
            } else if (const auto path = optional_string(arguments, "path")) {
                if (!context.settings.allow_import_path)
                    throw ToolError(
                        "this server does not read files (allow_import_path is false): pass the file's "
                        "text as \"content\"");
                std::ifstream file(*path, std::ios::binary);
                if (!file) throw ToolError("cannot read \"" + *path + "\": give the path of a memory.jsonl file");
                std::ostringstream buffer;
                buffer << file.rdbuf();
                text = buffer.str();
            } else {
                throw ToolError("give \"path\" (a memory.jsonl file on this server) or \"content\" (its text)");
            }
            const ImportBatch batch = parse_memory_jsonl(text);
            const auto source = source_of(arguments, call).value_or("import");
            const auto [created, related] = context.store.atomically([&] {
                const auto new_entities = context.store.create_entities(project, batch.entities, source);
                // Entities already there (or named twice in the file) gain the file's observations.
                std::vector<ObservationBatch> observations;
                for (const NewEntity& entity : batch.entities)
                    observations.push_back({entity.name, entity.observations});
                context.store.add_observations(project, observations, source);
                const auto new_relations = context.store.create_relations(project, batch.relations, source);
                return std::make_pair(new_entities.size(), new_relations.size());
            });
            context.changed(project, "knowledge.graph.imported",
                            {{"project", project}, {"entities", created}, {"relations", related}});
            return structured({{"entitiesCreated", created},
                               {"relationsCreated", related},
                               {"linesSkipped", batch.problems.size()},
                               {"problems", batch.problems}});
        });
}

void register_admin(switchboard::Plugin& plugin, Context& context) {
    add_result_tool(plugin,
                    Tool("knowledge_update_entity",
                         "Change an entity's type and/or replace its properties (checked against its type definition)")
                        .input_schema(schema({{"name", {{"type", "string"}}},
                                              {"entityType", {{"type", "string"}}},
                                              {"properties", {{"type", "object"}}}},
                                             {"name"})),
                    [&context](const Json& arguments, Call&) {
                        const std::string project = project_of(arguments, context.settings);
                        const std::string name = required_string(arguments, "name", "the entity to change");
                        std::optional<Json> properties;
                        if (arguments.contains("properties")) {
                            if (!arguments["properties"].is_object())
                                throw ToolError("\"properties\" must be an object");
                            properties = arguments["properties"];
                        }
                        update_entity(context, project, name, optional_string(arguments, "entityType"), properties);
                        return structured({{"updated", name}});
                    });
    add_result_tool(plugin,
                    Tool("knowledge_list_projects", "The projects that hold a graph")
                        .input_schema({{"type", "object"}})
                        .annotations({{"readOnlyHint", true}}),
                    [&context](const Json&, Call&) {
                        return structured({{"projects", context.store.projects()}});
                    });
}

}  // namespace

void register_graph_tools(switchboard::Plugin& plugin, Context& context) {
    register_search(plugin, context);
    register_traversal(plugin, context);
    register_time(plugin, context);
    register_types(plugin, context);
    register_transfer(plugin, context);
    register_admin(plugin, context);
}

}  // namespace knowledge
