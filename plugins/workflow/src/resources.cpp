// resources.cpp: workflow://schema and workflow://runs/{id}.
#include "tools.hpp"

namespace workflow {

void register_resources(switchboard::Plugin& plugin, Engine& engine) {
    plugin.add_resource(
        {{"uri", "workflow://schema"},
         {"name", "workflow-schema"},
         {"title", "Workflow definition JSON Schema"},
         {"description", "The JSON Schema of the documents workflow_define accepts."},
         {"mimeType", "application/schema+json"}},
        [](const std::string& uri, switchboard::Call&) {
            return switchboard::Json{{"uri", uri}, {"mimeType", "application/schema+json"}, {"text", kWorkflowSchema}};
        });
    plugin.add_resource_template(
        {{"uriTemplate", "workflow://runs/{id}"},
         {"name", "workflow-run"},
         {"title", "Workflow run"},
         {"description", "A run with every task's state, as workflow_status returns it. Subscribe for updates."},
         {"mimeType", "application/json"}},
        [&engine](const std::string& uri, const switchboard::UriVariables& variables, switchboard::Call&) {
            const std::string run_id = variables.at("id");
            const auto run = engine.read([&](Store& store) { return store.run(run_id); });
            if (!run) throw switchboard::RpcError(SB_ERR_RESOURCE_NOT_FOUND, "Resource not found: " + uri);
            return switchboard::Json{
                {"uri", uri}, {"mimeType", "application/json"}, {"text", run_to_json(*run).dump()}};
        });
}

}  // namespace workflow
