// compat_tools.cpp: the reference memory server's nine tools. Same argument shapes, same
// semantics, same result shapes and text (pretty JSON in insertion order, fixed messages for
// the deletes). Every tool also takes `project` and, for writes, `source`; the reads take
// `limit`, `cursor`, `detail` and `as_of`, and answer in the reference's shape unless one of
// them is given (or, without compat_names, always bounded).
#include "arguments.hpp"
#include "graph_json.hpp"
#include "operations.hpp"
#include "reference_answer.hpp"
#include "tools.hpp"

namespace knowledge {

namespace {

using switchboard::Call;
using switchboard::Tool;
using OrderedJson = nlohmann::ordered_json;

std::string tool_name(const Settings& settings, const std::string& verb) {
    return settings.compat_names ? verb : "knowledge_" + verb;
}

const Json kEntitySchema = {{"type", "object"},
                            {"properties",
                             {{"name", {{"type", "string"}, {"description", "The name of the entity"}}},
                              {"entityType", {{"type", "string"}, {"description", "The type of the entity"}}},
                              {"observations",
                               {{"type", "array"},
                                {"items", {{"type", "string"}}},
                                {"description", "An array of observation contents associated with the entity"}}}}},
                            {"required", {"name", "entityType", "observations"}}};

const Json kRelationSchema = {
    {"type", "object"},
    {"properties",
     {{"from", {{"type", "string"}, {"description", "The name of the entity where the relation starts"}}},
      {"to", {{"type", "string"}, {"description", "The name of the entity where the relation ends"}}},
      {"relationType", {{"type", "string"}, {"description", "The type of the relation"}}}}},
    {"required", {"from", "to", "relationType"}}};

const Json kGraphOutput = {{"type", "object"},
                           {"properties",
                            {{"entities", {{"type", "array"}, {"items", kEntitySchema}}},
                             {"relations", {{"type", "array"}, {"items", kRelationSchema}}}}},
                           {"required", {"entities", "relations"}}};

const Json kSuccessOutput = {{"type", "object"},
                             {"properties", {{"success", {{"type", "boolean"}}}, {"message", {{"type", "string"}}}}},
                             {"required", {"success", "message"}}};

// An input schema: the tool's own properties plus `project` (and `source` for writes).
Json input_schema(Json properties, const Json& required, bool write) {
    properties["project"] = project_property();
    if (write) properties["source"] = source_property();
    return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

Json annotations(bool read_only, bool destructive, bool idempotent) {
    return {{"readOnlyHint", read_only},
            {"destructiveHint", destructive},
            {"idempotentHint", idempotent},
            {"openWorldHint", false}};
}

OrderedJson ordered_entity(const NewEntity& entity) {
    return {{"name", entity.name}, {"entityType", entity.entity_type}, {"observations", entity.observations}};
}

OrderedJson ordered_relation(const RelationKey& key) {
    return {{"from", key.from}, {"to", key.to}, {"relationType", key.relation_type}};
}

// The reference answers with JSON.stringify(value, null, 2) as text and the object as
// structuredContent.
Json reference_result(const OrderedJson& text_value, const OrderedJson& structured) {
    return tool_result(text_value.dump(2), Json(structured));  // a tree copy; object key order does not matter
}

Json success_result(const std::string& message) {
    return tool_result(message, {{"success", true}, {"message", message}});
}

bool wants_bounded(const Json& arguments, const Settings& settings) {
    if (!settings.compat_names) return true;
    for (const char* key : {"limit", "cursor", "detail"})
        if (arguments.is_object() && arguments.contains(key)) return true;
    return false;
}

// What a read at `detail` needs of each entity and relation: only the full detail shows more
// than the reference's answer does.
Fields fields_for(const std::string& detail) { return detail == "full" ? Fields::all : Fields::reference; }

// A bounded read answer: the graph at the asked detail, with nextCursor when there is more.
Json bounded_result(const Graph& graph, const std::string& detail) {
    const Json value = graph_at_detail(graph, detail);
    return tool_result(value.dump(), value);
}

}  // namespace

void register_compat_tools(switchboard::Plugin& plugin, Context& context) {
    const Settings& settings = context.settings;
    const Json entity_list = {{"type", "array"}, {"items", kEntitySchema}};
    const Json relation_list = {{"type", "array"}, {"items", kRelationSchema}};

    add_result_tool(
        plugin,
        Tool(tool_name(settings, "create_entities"),
             "Create multiple new entities in the knowledge graph. Entities whose name exists are left as they are. "
             "Types in the built-in vocabulary: project, document, section, requirement, decision, agent, team, role, "
             "person, task, deliverable.")
            .title("Create Entities")
            .input_schema(input_schema({{"entities", entity_list}}, {"entities"}, true))
            .output_schema(
                {{"type", "object"}, {"properties", {{"entities", entity_list}}}, {"required", {"entities"}}})
            .annotations(annotations(false, false, false)),
        [&context](const Json& arguments, Call& call) {
            const std::vector<NewEntity> created =
                create_entities(context, project_of(arguments, context.settings),
                                entities_of(arguments, context.settings), source_of(arguments, call));
            OrderedJson list = OrderedJson::array();
            for (const NewEntity& entity : created) list.push_back(ordered_entity(entity));
            return reference_result(list, {{"entities", list}});
        });

    add_result_tool(
        plugin,
        Tool(tool_name(settings, "create_relations"),
             "Create multiple new relations between entities in the knowledge graph. Relations should be in active "
             "voice. Types in the built-in vocabulary: member_of, reports_to, has_role, owns, assigned_to, "
             "depends_on, documents, part_of, mentions, supersedes.")
            .title("Create Relations")
            .input_schema(input_schema({{"relations", relation_list}}, {"relations"}, true))
            .output_schema(
                {{"type", "object"}, {"properties", {{"relations", relation_list}}}, {"required", {"relations"}}})
            .annotations(annotations(false, false, false)),
        [&context](const Json& arguments, Call& call) {
            const std::vector<RelationKey> created =
                create_relations(context, project_of(arguments, context.settings),
                                 relations_of(arguments, "relations", context.settings), source_of(arguments, call));
            OrderedJson list = OrderedJson::array();
            for (const RelationKey& key : created) list.push_back(ordered_relation(key));
            return reference_result(list, {{"relations", list}});
        });

    const Json observation_input = {
        {"type", "array"},
        {"items",
         {{"type", "object"},
          {"properties",
           {{"entityName", {{"type", "string"}, {"description", "The name of the entity to add the observations to"}}},
            {"contents",
             {{"type", "array"},
              {"items", {{"type", "string"}}},
              {"description", "An array of observation contents to add"}}}}},
          {"required", {"entityName", "contents"}}}}};
    const Json observation_output = {{"type", "array"},
                                     {"items",
                                      {{"type", "object"},
                                       {"properties",
                                        {{"entityName", {{"type", "string"}}},
                                         {"addedObservations", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                                       {"required", {"entityName", "addedObservations"}}}}};
    add_result_tool(
        plugin,
        Tool(tool_name(settings, "add_observations"),
             "Add new observations to existing entities in the knowledge graph. Fails, adding nothing, when an "
             "entity does not exist.")
            .title("Add Observations")
            .input_schema(input_schema({{"observations", observation_input}}, {"observations"}, true))
            .output_schema(
                {{"type", "object"}, {"properties", {{"results", observation_output}}}, {"required", {"results"}}})
            .annotations(annotations(false, false, false)),
        [&context](const Json& arguments, Call& call) {
            const std::vector<ObservationsAdded> results =
                add_observations(context, project_of(arguments, context.settings),
                                 observation_batches_of(arguments, "observations", "contents", context.settings),
                                 source_of(arguments, call));
            OrderedJson list = OrderedJson::array();
            for (const ObservationsAdded& result : results)
                list.push_back({{"entityName", result.entity_name}, {"addedObservations", result.added}});
            return reference_result(list, {{"results", list}});
        });

    add_result_tool(plugin,
                    Tool(tool_name(settings, "delete_entities"),
                         "Delete multiple entities and their associated relations from the knowledge graph")
                        .title("Delete Entities")
                        .input_schema(input_schema({{"entityNames",
                                                     {{"type", "array"},
                                                      {"items", {{"type", "string"}}},
                                                      {"description", "An array of entity names to delete"}}}},
                                                   {"entityNames"}, false))
                        .output_schema(kSuccessOutput)
                        .annotations(annotations(false, true, true)),
                    [&context](const Json& arguments, Call&) {
                        delete_entities(
                            context, project_of(arguments, context.settings),
                            string_array(arguments, "entityNames", "an array of entity names", context.settings));
                        return success_result("Entities deleted successfully");
                    });

    const Json deletion_input = {
        {"type", "array"},
        {"items",
         {{"type", "object"},
          {"properties",
           {{"entityName", {{"type", "string"}, {"description", "The name of the entity containing the observations"}}},
            {"observations",
             {{"type", "array"},
              {"items", {{"type", "string"}}},
              {"description", "An array of observations to delete"}}}}},
          {"required", {"entityName", "observations"}}}}};
    add_result_tool(plugin,
                    Tool(tool_name(settings, "delete_observations"),
                         "Delete specific observations from entities in the knowledge graph")
                        .title("Delete Observations")
                        .input_schema(input_schema({{"deletions", deletion_input}}, {"deletions"}, false))
                        .output_schema(kSuccessOutput)
                        .annotations(annotations(false, true, true)),
                    [&context](const Json& arguments, Call&) {
                        delete_observations(
                            context, project_of(arguments, context.settings),
                            observation_batches_of(arguments, "deletions", "observations", context.settings));
                        return success_result("Observations deleted successfully");
                    });

    add_result_tool(plugin,
                    Tool(tool_name(settings, "delete_relations"), "Delete multiple relations from the knowledge graph")
                        .title("Delete Relations")
                        .input_schema(input_schema({{"relations", relation_list}}, {"relations"}, false))
                        .output_schema(kSuccessOutput)
                        .annotations(annotations(false, true, true)),
                    [&context](const Json& arguments, Call&) {
                        std::vector<RelationKey> keys;
                        for (const NewRelation& relation : relations_of(arguments, "relations", context.settings))
                            keys.push_back(relation.key);
                        delete_relations(context, project_of(arguments, context.settings), keys);
                        return success_result("Relations deleted successfully");
                    });

    Json read_properties = page_properties();
    read_properties["as_of"] = {{"type", "string"}, {"description", "Read the graph as it was at this UTC time"}};
    add_result_tool(
        plugin,
        Tool(tool_name(settings, "read_graph"),
             settings.compat_names
                 ? "Read the entire knowledge graph. With limit, cursor or detail, reads one page of entities (and "
                   "the relations that touch them) at the asked detail."
                 : "Read the knowledge graph one page at a time: entities in creation order (limit, cursor) at "
                   "detail names, summary (default) or full, with the relations that touch them.")
            .title("Read Graph")
            .input_schema(input_schema(read_properties, Json::array(), false))
            .annotations(annotations(true, false, true)),
        [&context](const Json& arguments, Call&) -> ToolAnswer {
            const std::string project = project_of(arguments, context.settings);
            const AsOf as_of = as_of_of(arguments);
            if (!wants_bounded(arguments, context.settings))
                return ToolAnswer::serialized(
                    reference_graph_answer(context.store.read_graph(project, {}, as_of, Fields::reference)));
            const std::string detail = detail_of(arguments, "summary");
            return bounded_result(
                context.store.read_graph(project, page_of(arguments, context.settings), as_of, fields_for(detail)),
                detail);
        });

    Json search_properties = read_properties;
    search_properties["query"] = {
        {"type", "string"},
        {"description", "The search query to match against entity names, types, and observation content"}};
    add_result_tool(
        plugin,
        Tool(tool_name(settings, "search_nodes"),
             "Search for nodes in the knowledge graph based on a query: entities whose name, type or an observation "
             "contains it (case-insensitive), and the relations with at least one end among them.")
            .title("Search Nodes")
            .input_schema(input_schema(search_properties, {"query"}, false))
            .annotations(annotations(true, false, true)),
        [&context](const Json& arguments, Call&) -> ToolAnswer {
            const std::string project = project_of(arguments, context.settings);
            const std::string query = required_string(arguments, "query", "a string to look for");
            const AsOf as_of = as_of_of(arguments);
            if (!wants_bounded(arguments, context.settings))
                return ToolAnswer::serialized(
                    reference_graph_answer(context.store.search_nodes(project, query, {}, as_of, Fields::reference)));
            const std::string detail = detail_of(arguments, "summary");
            return bounded_result(context.store.search_nodes(project, query, page_of(arguments, context.settings),
                                                             as_of, fields_for(detail)),
                                  detail);
        });

    Json open_properties = {
        {"names",
         {{"type", "array"}, {"items", {{"type", "string"}}}, {"description", "An array of entity names to retrieve"}}},
        {"as_of", {{"type", "string"}, {"description", "Read the entities as they were at this UTC time"}}},
        {"detail", page_properties()["detail"]}};
    add_result_tool(
        plugin,
        Tool(tool_name(settings, "open_nodes"),
             "Open specific nodes in the knowledge graph by their names, with the relations that touch them")
            .title("Open Nodes")
            .input_schema(input_schema(open_properties, {"names"}, false))
            .annotations(annotations(true, false, true)),
        [&context](const Json& arguments, Call&) -> ToolAnswer {
            const std::string project = project_of(arguments, context.settings);
            const std::vector<std::string> names =
                string_array(arguments, "names", "an array of entity names", context.settings);
            if (!context.settings.compat_names || arguments.contains("detail")) {
                const std::string detail = detail_of(arguments, "full");
                return bounded_result(context.store.open_nodes(project, names, as_of_of(arguments), fields_for(detail)),
                                      detail);
            }
            return ToolAnswer::serialized(reference_graph_answer(
                context.store.open_nodes(project, names, as_of_of(arguments), Fields::reference)));
        });
}

}  // namespace knowledge
