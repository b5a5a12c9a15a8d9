// hello.cpp: an example Switchboard plugin. Copy this folder to start your own.
//
// It shows what most plugins need, in the SDK's plain C++ (sdk.hpp):
//   hello_greet          a tool with a required argument, shaped by the plugin's config
//   hello_stats          a tool with an outputSchema, so it returns structuredContent
//   hello_count          longer work that reports progress and stops when cancelled
//   hello://guestbook    a resource, kept as a file in the plugin's data directory
//   hello_welcome        a prompt whose argument is completed from the guestbook
//
// Its config (the `config` object of `plugins.hello` in the host config):
//   { "greeting": "Hello" }
#include <switchboard/sdk.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using switchboard::Call;
using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolError;
using switchboard::ToolResult;

constexpr const char* kGuestbookUri = "hello://guestbook";

// A bad config is refused at load: the host prints this message with the plugin's file name.
std::string read_greeting(const Json& config) {
    const Json greeting = config.value("greeting", Json("Hello"));
    if (!greeting.is_string() || greeting.get<std::string>().empty())
        throw std::invalid_argument("config.greeting must be a non-empty string, got " + greeting.dump());
    return greeting.get<std::string>();
}

class Hello : public switchboard::Plugin {
 public:
    explicit Hello(const sb_host_api* api)
        : Plugin(api),
          greeting_(read_greeting(config())),
          guestbook_(std::filesystem::path(data_dir()) / "guestbook.txt") {
        set_instructions("Greet people with hello_greet; the hello://guestbook resource lists everyone greeted.");

        // Synchronous handlers run on the host's blocking pool, so file I/O here is fine.
        add_tool(Tool("hello_greet", "Greets someone by name and signs them into the guestbook.")
                     .input_schema({{"type", "object"},
                                    {"properties", {{"name", {{"type", "string"}, {"description", "Who to greet"}}}}},
                                    {"required", {"name"}}}),
                 [this](const Json& arguments, Call&) {
                     const std::string name = arguments.value("name", "");
                     // Input errors are thrown as ToolError: the client gets an isError result.
                     if (name.empty() || name.find('\n') != std::string::npos)
                         throw ToolError("\"name\" is required: one line of text, the name of the person to greet");
                     sign_guestbook(name);
                     return ToolResult::text(greeting_ + ", " + name + "!");
                 });

        add_tool(Tool("hello_stats", "Counts the greetings so far.")
                     .annotations({{"readOnlyHint", true}})
                     .output_schema({{"type", "object"},
                                     {"properties",
                                      {{"greetings", {{"type", "integer"}}},
                                       {"people", {{"type", "integer"}}},
                                       {"last", {{"type", "string"}}}}},
                                     {"required", {"greetings", "people"}}}),
                 [this](const Json&, Call&) {
                     const std::vector<std::string> names = read_guestbook();
                     Json stats = {{"greetings", names.size()},
                                   {"people", std::set<std::string>(names.begin(), names.end()).size()}};
                     if (!names.empty()) stats["last"] = names.back();
                     return ToolResult::structured(stats);  // structuredContent plus a text mirror
                 });

        add_tool(Tool("hello_count", "Counts slowly up to `to`, reporting progress: a stand-in for long work.")
                     .input_schema({{"type", "object"},
                                    {"properties", {{"to", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}}}}),
                 [](const Json& arguments, Call& call) {
                     const int to = arguments.value("to", 5);
                     if (to < 1 || to > 100) throw ToolError("\"to\" must be an integer from 1 to 100");
                     for (int i = 1; i <= to; ++i) {
                         // Check for cancellation between steps; the SDK still ends the request.
                         if (call.cancelled()) return ToolResult::text("Cancelled at " + std::to_string(i - 1) + ".");
                         std::this_thread::sleep_for(std::chrono::milliseconds(100));
                         call.progress(i, to, "counted to " + std::to_string(i));
                     }
                     return ToolResult::text("Counted to " + std::to_string(to) + ".");
                 });

        add_resource({{"uri", kGuestbookUri},
                      {"name", "guestbook"},
                      {"title", "Guestbook"},
                      {"description", "Everyone hello_greet has greeted, one name a line."},
                      {"mimeType", "text/plain"}},
                     [this](const std::string& uri, Call&) {
                         std::string text;
                         for (const std::string& name : read_guestbook()) text += name + "\n";
                         return Json{{"uri", uri}, {"mimeType", "text/plain"}, {"text", text}};
                     });

        add_prompt(
            {{"name", "hello_welcome"},
             {"description", "Asks the model for a welcome note for someone new."},
             {"arguments", Json::array({Json{{"name", "name"}, {"description", "Who joined"}, {"required", true}}})}},
            [this](const Json& arguments, Call&) {
                const std::string name = arguments.value("name", "");
                if (name.empty()) throw switchboard::RpcError(SB_ERR_INVALID_PARAMS, "argument \"name\" is required");
                const std::string ask = "Write a short, warm welcome note for " + name +
                                        ", who just joined the team. Begin with \"" + greeting_ + "\".";
                return Json{
                    {"description", "A welcome note for " + name},
                    {"messages", Json::array({Json{{"role", "user"}, {"content", switchboard::content::text(ask)}}})}};
            },
            // Completion for the `name` argument: people already in the guestbook.
            [this](const Json& argument, const Json&) {
                const std::string typed = argument.value("value", "");
                std::set<std::string> matches;
                for (const std::string& name : read_guestbook())
                    if (name.starts_with(typed)) matches.insert(name);
                return std::vector<std::string>(matches.begin(), matches.end());
            });

        log(switchboard::LogLevel::info, "greeting with \"" + greeting_ + "\", guestbook " + guestbook_.string());
    }

 private:
    std::vector<std::string> read_guestbook() const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> names;
        std::ifstream file(guestbook_);
        for (std::string line; std::getline(file, line);)
            if (!line.empty()) names.push_back(line);
        return names;
    }

    void sign_guestbook(const std::string& name) {
        {
            std::lock_guard lock(mutex_);
            std::ofstream file(guestbook_, std::ios::app);
            file << name << '\n';
            if (!file) throw std::runtime_error("cannot write " + guestbook_.string());
        }
        resource_updated(kGuestbookUri);  // subscribed clients hear that the guestbook changed
    }

    const std::string greeting_;
    const std::filesystem::path guestbook_;  // in the data directory the host made for this plugin
    mutable std::mutex mutex_;               // guards the guestbook file; handlers run concurrently
};

}  // namespace

SWITCHBOARD_PLUGIN(Hello, "Hello", "1.0.0", "Greets people and keeps a guestbook: the Switchboard SDK example.")
