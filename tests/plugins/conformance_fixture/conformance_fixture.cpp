// conformance_fixture.cpp: the tools, resources and prompts the official MCP conformance suite
// expects of a server (see shared/conformance-fixtures.md). Test-only; never installed.
#include <switchboard/sdk.hpp>

#include <chrono>
#include <thread>

namespace {

using switchboard::Call;
using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;
namespace content = switchboard::content;

constexpr const char* png =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
constexpr const char* wav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

Json string_property(const char* description) { return {{"type", "string"}, {"description", description}}; }

class ConformanceFixture : public switchboard::Plugin {
 public:
    explicit ConformanceFixture(const sb_host_api* api) : Plugin(api) {
        add_content_tools();
        add_interaction_tools();
        add_reconnection_tool();
        add_elicitation_tools();
        add_schema_tool();
        add_resources();
        add_prompts();
    }

 private:
    void add_content_tools() {
        add_tool(Tool("test_simple_text", "Returns a fixed text."),
                 [](const Json&, Call&) { return ToolResult::text("This is a simple text response for testing."); });
        add_tool(Tool("test_image_content", "Returns a 1x1 PNG image."),
                 [](const Json&, Call&) { return ToolResult().add(content::image(png, "image/png")); });
        add_tool(Tool("test_audio_content", "Returns a short WAV clip."),
                 [](const Json&, Call&) { return ToolResult().add(content::audio(wav, "audio/wav")); });
        add_tool(Tool("test_embedded_resource", "Returns an embedded text resource."), [](const Json&, Call&) {
            return ToolResult().add(content::embedded_text("test://embedded-resource", "text/plain",
                                                           "This is an embedded resource content."));
        });
        add_tool(Tool("test_multiple_content_types", "Returns text, an image and an embedded resource."),
                 [](const Json&, Call&) {
                     return ToolResult::text("Multiple content types test:")
                         .add(content::image(png, "image/png"))
                         .add(content::embedded_text("test://mixed-content-resource", "application/json",
                                                     R"({"test":"data","value":123})"));
                 });
        add_tool(Tool("test_error_handling", "Always fails with a tool error."), [](const Json&, Call&) {
            return ToolResult::error("This tool intentionally returns an error for testing");
        });
    }

    void add_interaction_tools() {
        add_tool(Tool("test_tool_with_logging", "Sends three log messages while it runs."), [](const Json&,
                                                                                               Call& call) {
            for (const char* step : {"Tool execution started", "Tool processing data", "Tool execution completed"}) {
                call.log(switchboard::LogLevel::info, step);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            return ToolResult::text("Tool with logging executed successfully");
        });
        add_tool(Tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100."),
                 [](const Json&, Call& call) {
                     for (double step : {0.0, 50.0, 100.0}) {
                         call.progress(step, 100);
                         std::this_thread::sleep_for(std::chrono::milliseconds(50));
                     }
                     const Json token = call.info()["meta"].value("progressToken", Json());
                     return ToolResult::text(token.is_string() ? token.get<std::string>() : token.dump());
                 });
        add_tool(Tool("test_sampling", "Asks the client's LLM to answer a prompt.")
                     .input_schema({{"type", "object"},
                                    {"properties", {{"prompt", string_property("The prompt to send")}}},
                                    {"required", {"prompt"}}}),
                 [](const Json& args, Call& call) {
                     const Json reply = call.sample(
                         {{"messages",
                           {{{"role", "user"}, {"content", content::text(args.at("prompt").get<std::string>())}}}},
                          {"maxTokens", 100}});
                     const Json& answer = reply.at("content");
                     const Json& first = answer.is_array() ? answer.at(0) : answer;
                     return ToolResult::text("LLM response: " + first.value("text", std::string()));
                 });
    }

    void add_reconnection_tool() {
        // SSE polling: the call's stream closes after its priming event, and the result arrives on
        // the stream the client resumes with GET + Last-Event-ID.
        add_tool(
            Tool("test_reconnection", "Closes its stream mid-call; the result arrives after the client reconnects."),
            [](const Json&, Call& call) {
                call.close_stream();
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                return ToolResult::text(
                    "Reconnection test completed successfully. If you received this, the client properly "
                    "reconnected after stream closure.");
            });
    }

    static ToolResult elicitation_outcome(const Json& reply) {
        return ToolResult::text("User response: action=" + reply.value("action", std::string()) +
                                ", content=" + reply.value("content", Json::object()).dump());
    }

    void add_elicitation_tools() {
        add_tool(Tool("test_elicitation", "Asks the user a question through elicitation.")
                     .input_schema({{"type", "object"},
                                    {"properties", {{"message", string_property("The question to ask")}}},
                                    {"required", {"message"}}}),
                 [](const Json& args, Call& call) {
                     return elicitation_outcome(
                         call.elicit({{"message", args.at("message")},
                                      {"requestedSchema",
                                       {{"type", "object"},
                                        {"properties", {{"response", string_property("User's response")}}},
                                        {"required", {"response"}}}}}));
                 });
        add_tool(Tool("test_elicitation_sep1034_defaults", "Elicits a form whose fields carry defaults."),
                 [](const Json&, Call& call) {
                     const Json properties = {
                         {"name", {{"type", "string"}, {"default", "John Doe"}}},
                         {"age", {{"type", "integer"}, {"default", 30}}},
                         {"score", {{"type", "number"}, {"default", 95.5}}},
                         {"status",
                          {{"type", "string"}, {"enum", {"active", "inactive", "pending"}}, {"default", "active"}}},
                         {"verified", {{"type", "boolean"}, {"default", true}}}};
                     return elicitation_outcome(call.elicit(
                         {{"message", "Please review your details"},
                          {"requestedSchema",
                           {{"type", "object"}, {"properties", properties}, {"required", Json::array()}}}}));
                 });
        add_tool(Tool("test_elicitation_sep1330_enums", "Elicits a form with every kind of enum field."),
                 [](const Json&, Call& call) {
                     auto titled = [](const char* prefix, const char* kind) {
                         Json options = Json::array();
                         const char* ordinals[] = {"First", "Second", "Third"};
                         for (int i = 0; i < 3; ++i)
                             options.push_back({{"const", std::string(prefix) + std::to_string(i + 1)},
                                                {"title", std::string(ordinals[i]) + " " + kind}});
                         return options;
                     };
                     const Json options = {"option1", "option2", "option3"};
                     const Json properties = {
                         {"untitledSingle", {{"type", "string"}, {"enum", options}}},
                         {"titledSingle", {{"type", "string"}, {"oneOf", titled("value", "Option")}}},
                         {"legacyEnum",
                          {{"type", "string"},
                           {"enum", {"opt1", "opt2", "opt3"}},
                           {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
                         {"untitledMulti",
                          {{"type", "array"},
                           {"minItems", 1},
                           {"maxItems", 3},
                           {"items", {{"type", "string"}, {"enum", options}}}}},
                         {"titledMulti",
                          {{"type", "array"},
                           {"minItems", 1},
                           {"maxItems", 3},
                           {"items", {{"anyOf", titled("value", "Choice")}}}}}};
                     return elicitation_outcome(
                         call.elicit({{"message", "Choose your options"},
                                      {"requestedSchema", {{"type", "object"}, {"properties", properties}}}}));
                 });
    }

    void add_schema_tool() {
        const Json schema = Json::parse(R"({
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "$defs": {
            "address": {"$anchor": "address", "type": "object",
                        "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}
          },
          "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contact": {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "pattern": "^\\+"}]},
            "kind": {"type": "string"}
          },
          "allOf": [{"required": ["name"]}],
          "if": {"properties": {"kind": {"const": "company"}}},
          "then": {"required": ["address"]},
          "else": {"required": []},
          "additionalProperties": false
        })");
        add_tool(Tool("json_schema_2020_12_tool", "Accepts input described by a JSON Schema 2020-12 document.")
                     .input_schema(schema),
                 [](const Json& args, Call&) { return ToolResult::text("Received: " + args.dump()); });
    }

    void add_resources() {
        add_resource({{"uri", "test://static-text"}, {"name", "static-text"}, {"mimeType", "text/plain"}},
                     [](const std::string& uri, Call&) {
                         return Json{{"uri", uri},
                                     {"mimeType", "text/plain"},
                                     {"text", "This is the content of the static text resource."}};
                     });
        add_resource({{"uri", "test://static-binary"}, {"name", "static-binary"}, {"mimeType", "image/png"}},
                     [](const std::string& uri, Call&) {
                         return Json{{"uri", uri}, {"mimeType", "image/png"}, {"blob", png}};
                     });
        add_resource({{"uri", "test://watched-resource"}, {"name", "watched-resource"}, {"mimeType", "text/plain"}},
                     [](const std::string& uri, Call&) {
                         return Json{{"uri", uri}, {"mimeType", "text/plain"}, {"text", "Watched resource content"}};
                     });
        add_resource_template(
            {{"uriTemplate", "test://template/{id}/data"}, {"name", "template-data"}, {"mimeType", "application/json"}},
            [](const std::string& uri, const switchboard::UriVariables& variables, Call&) {
                const std::string id = variables.at("id");
                const Json data = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
                return Json{{"uri", uri}, {"mimeType", "application/json"}, {"text", data.dump()}};
            });
    }

    void add_prompts() {
        auto user_text = [](std::string text) {
            return Json{{"role", "user"}, {"content", content::text(std::move(text))}};
        };
        add_prompt({{"name", "test_simple_prompt"}, {"description", "A prompt without arguments."}},
                   [user_text](const Json&, Call&) {
                       return Json{{"messages", {user_text("This is a simple prompt for testing.")}}};
                   });
        add_prompt(
            {{"name", "test_prompt_with_arguments"},
             {"description", "A prompt with two required arguments."},
             {"arguments",
              {{{"name", "arg1"}, {"description", "First argument"}, {"required", true}},
               {{"name", "arg2"}, {"description", "Second argument"}, {"required", true}}}}},
            [user_text](const Json& args, Call&) {
                return Json{{"messages",
                             {user_text("Prompt with arguments: arg1='" + args.value("arg1", std::string()) +
                                        "', arg2='" + args.value("arg2", std::string()) + "'")}}};
            },
            [](const Json& argument, const Json&) {
                std::vector<std::string> values;
                const std::string prefix = argument.value("value", std::string());
                for (const char* candidate : {"alpha", "beta", "gamma"})
                    if (std::string_view(candidate).rfind(prefix, 0) == 0) values.emplace_back(candidate);
                return values;
            });
        add_prompt(
            {{"name", "test_prompt_with_embedded_resource"},
             {"description", "A prompt that embeds a resource."},
             {"arguments", {{{"name", "resourceUri"}, {"description", "The resource to embed"}, {"required", true}}}}},
            [user_text](const Json& args, Call&) {
                const Json resource =
                    content::embedded_text(args.value("resourceUri", std::string("test://static-text")), "text/plain",
                                           "Embedded resource content for testing.");
                return Json{{"messages",
                             {{{"role", "user"}, {"content", resource}},
                              user_text("Please process the embedded resource above.")}}};
            });
        add_prompt({{"name", "test_prompt_with_image"}, {"description", "A prompt that carries an image."}},
                   [user_text](const Json&, Call&) {
                       return Json{{"messages",
                                    {{{"role", "user"}, {"content", content::image(png, "image/png")}},
                                     user_text("Please analyze the image above.")}}};
                   });
    }
};

}  // namespace

SWITCHBOARD_PLUGIN(ConformanceFixture, "MCP conformance fixture", "1.0.0",
                   "The fixture tools, resources and prompts of the official MCP conformance suite.")
