// http_api.cpp: the JSON API for graph pages, under /api/v1/knowledge/ (same server and auth as
// /mcp). Reads take query parameters (project, limit, cursor, detail, as_of, ...); writes take
// the tools' JSON bodies. Bad input answers 400 with {"error"}, missing entities 404.
//
//   GET    graph               a page of the graph          GET    search?q=      ranked search
//   GET    subgraph?name=      around one entity            GET    export?format=
//   POST   entities            {entities: [...]}            PATCH  entities/{name} {entityType?, properties?}
//   DELETE entities/{name}                                  POST   observations   {observations: [...]}
//   POST   relations           {relations: [...]}           DELETE relations?from=&to=&relationType=
#include <functional>

#include "arguments.hpp"
#include "export.hpp"
#include "graph_json.hpp"
#include "operations.hpp"
#include "tools.hpp"
#include "traversal.hpp"

namespace knowledge {

namespace {

using switchboard::HttpError;
using switchboard::HttpRequest;
using switchboard::HttpResponse;

// Query parameters as tool arguments: numbers where the tools take integers.
Json arguments_of(const HttpRequest& request) {
    Json arguments = Json::object();
    if (!request.query.is_object()) return arguments;
    for (const auto& [key, value] : request.query.items()) {
        const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        const bool numeric = key == "limit" || key == "depth" || key == "maxNodes";
        if (numeric) {
            try {
                arguments[key] = std::stoll(text);
            } catch (const std::exception&) {
                throw HttpError(400, key + " must be an integer, got \"" + text + "\"");
            }
        } else {
            arguments[key] = text;
        }
    }
    return arguments;
}

// Runs `body`, turning the tools' input and lookup errors into HTTP statuses.
switchboard::HttpHandler guarded(std::function<HttpResponse(const HttpRequest&)> body) {
    return [body = std::move(body)](const HttpRequest& request) {
        try {
            return body(request);
        } catch (const switchboard::ToolError& e) {
            throw HttpError(400, e.what());
        } catch (const RuleViolation& e) {
            throw HttpError(422, e.what());
        } catch (const NotFound& e) {
            throw HttpError(404, e.what());
        }
    };
}

Json body_with_project(const HttpRequest& request) {
    Json body = request.json();
    if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
    if (!body.contains("project") && request.query.is_object() && request.query.contains("project"))
        body["project"] = request.query["project"];
    return body;
}

std::optional<std::string> http_source(const HttpRequest& request, const Json& body) {
    if (body.contains("source") && body["source"].is_string()) return body["source"].get<std::string>();
    return "http:" + (request.headers.is_object() ? request.headers.value("user-agent", std::string("client"))
                                                  : std::string("client"));
}

}  // namespace

void register_http_api(switchboard::Plugin& plugin, Context& context) {
    Context* ctx = &context;
    const bool served = plugin.add_http_route(
        "GET", "/graph", guarded([ctx](const HttpRequest& request) {
            const Json arguments = arguments_of(request);
            const Graph graph = ctx->store.read_graph(project_of(arguments, ctx->settings),
                                                      page_of(arguments, ctx->settings), as_of_of(arguments));
            return HttpResponse::json(graph_at_detail(graph, detail_of(arguments, "summary")));
        }));
    if (!served) return;  // the host runs without HTTP

    plugin.add_http_route("GET", "/subgraph", guarded([ctx](const HttpRequest& request) {
                              const Json arguments = arguments_of(request);
                              const std::string project = project_of(arguments, ctx->settings);
                              const std::string name = required_string(arguments, "name", "the entity at the centre");
                              WalkOptions options;
                              options.depth = static_cast<int>(optional_integer(arguments, "depth", 2, 1, 10));
                              options.max_nodes =
                                  static_cast<size_t>(optional_integer(arguments, "maxNodes", 50, 1, 10000));
                              options.as_of = as_of_of(arguments);
                              if (!ctx->store.find_entity(project, name, options.as_of))
                                  throw NotFound("Entity with name " + name + " not found");
                              const Walk result = walk(ctx->store, project, name, options);
                              Graph graph;
                              for (const Reached& reached : result.nodes)
                                  if (auto entity = ctx->store.find_entity(project, reached.name, options.as_of))
                                      graph.entities.push_back(std::move(*entity));
                              graph.relations = result.relations;
                              Json answer = graph_at_detail(graph, detail_of(arguments, "summary"));
                              answer["truncated"] = result.truncated;
                              return HttpResponse::json(answer);
                          }));

    plugin.add_http_route("GET", "/search", guarded([ctx](const HttpRequest& request) {
                              const Json arguments = arguments_of(request);
                              const std::string text = required_string(arguments, "q", "the text to look for");
                              const Graph graph =
                                  ctx->store.search_nodes(project_of(arguments, ctx->settings), text,
                                                          page_of(arguments, ctx->settings), as_of_of(arguments));
                              return HttpResponse::json(graph_at_detail(graph, detail_of(arguments, "summary")));
                          }));

    plugin.add_http_route("GET", "/export", guarded([ctx](const HttpRequest& request) {
                              const Json arguments = arguments_of(request);
                              const std::string name = optional_string(arguments, "format").value_or("json");
                              const auto format = parse_export_format(name);
                              if (!format) throw HttpError(400, "format must be json, graphml, cytoscape or dot");
                              const Graph graph =
                                  ctx->store.read_graph(project_of(arguments, ctx->settings), {}, as_of_of(arguments));
                              return HttpResponse::text(export_graph(graph, *format), export_mime_type(*format));
                          }));

    plugin.add_http_route("POST", "/entities", guarded([ctx](const HttpRequest& request) {
                              const Json body = body_with_project(request);
                              const auto created =
                                  create_entities(*ctx, project_of(body, ctx->settings),
                                                  entities_of(body, ctx->settings), http_source(request, body));
                              Json names = Json::array();
                              for (const NewEntity& entity : created) names.push_back(entity.name);
                              return HttpResponse::json({{"created", names}}, 201);
                          }));

    plugin.add_http_route("PATCH", "/entities/{name}", guarded([ctx](const HttpRequest& request) {
                              const Json body = body_with_project(request);
                              const std::string name = request.params.value("name", "");
                              std::optional<Json> properties;
                              if (body.contains("properties")) {
                                  if (!body["properties"].is_object())
                                      throw HttpError(400, "properties must be an object");
                                  properties = body["properties"];
                              }
                              update_entity(*ctx, project_of(body, ctx->settings), name,
                                            optional_string(body, "entityType"), properties);
                              return HttpResponse::json({{"updated", name}});
                          }));

    plugin.add_http_route("DELETE", "/entities/{name}", guarded([ctx](const HttpRequest& request) {
                              const Json arguments = arguments_of(request);
                              const std::string name = request.params.value("name", "");
                              const int64_t deleted =
                                  delete_entities(*ctx, project_of(arguments, ctx->settings), {name});
                              if (deleted == 0) throw NotFound("Entity with name " + name + " not found");
                              return HttpResponse::json({{"deleted", name}});
                          }));

    plugin.add_http_route(
        "POST", "/observations", guarded([ctx](const HttpRequest& request) {
            const Json body = body_with_project(request);
            const auto results = add_observations(
                *ctx, project_of(body, ctx->settings),
                observation_batches_of(body, "observations", "contents", ctx->settings), http_source(request, body));
            Json answer = Json::array();
            for (const ObservationsAdded& result : results)
                answer.push_back({{"entityName", result.entity_name}, {"addedObservations", result.added}});
            return HttpResponse::json({{"results", answer}}, 201);
        }));

    plugin.add_http_route(
        "POST", "/relations", guarded([ctx](const HttpRequest& request) {
            const Json body = body_with_project(request);
            const auto created =
                create_relations(*ctx, project_of(body, ctx->settings), relations_of(body, "relations", ctx->settings),
                                 http_source(request, body));
            Json answer = Json::array();
            for (const RelationKey& key : created)
                answer.push_back({{"from", key.from}, {"to", key.to}, {"relationType", key.relation_type}});
            return HttpResponse::json({{"created", answer}}, 201);
        }));

    plugin.add_http_route(
        "DELETE", "/relations", guarded([ctx](const HttpRequest& request) {
            const Json arguments = arguments_of(request);
            const RelationKey key{required_string(arguments, "from", "the relation's start"),
                                  required_string(arguments, "to", "the relation's end"),
                                  required_string(arguments, "relationType", "the relation's type")};
            if (delete_relations(*ctx, project_of(arguments, ctx->settings), {key}) == 0)
                throw NotFound("no relation " + key.from + " -" + key.relation_type + "-> " + key.to);
            return HttpResponse::json(
                {{"deleted", {{"from", key.from}, {"to", key.to}, {"relationType", key.relation_type}}}});
        }));
}

}  // namespace knowledge
