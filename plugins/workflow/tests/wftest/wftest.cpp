// wftest.cpp: a test-only plugin for the workflow tests (never installed). Its tools count their
// calls, fail a set number of times, or hang until cancelled. Every call is appended to a log
// file (config `log_file`) before and after its work, with the idempotency key from `_meta`
// and the process id, so the crash test can count calls across `kill -9`.
#include <switchboard/sdk.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace {

using switchboard::Json;
using switchboard::Tool;
using switchboard::ToolResult;

class WfTest : public switchboard::Plugin {
 public:
    explicit WfTest(const sb_host_api* api) : Plugin(api), log_file_(config().value("log_file", "")) {
        add_async_tool(
            Tool("wftest_count",
                 "Records the call (idempotency key, pid) in the log, waits `ms` (cancellable), and "
                 "returns {key, value, calls} where calls counts calls with this key in this process. `group`: "
                 "counted apart in wftest_stats' count_max_in_flight_by_group.")
                .input_schema(
                    {{"type", "object"},
                     {"properties",
                      {{"ms", {{"type", "integer"}}}, {"value", Json::object()}, {"group", {{"type", "string"}}}}}})
                .output_schema({{"type", "object"}}),
            [this](const Json& args, switchboard::CallPtr call) { count(args, std::move(call)); });
        add_tool(
            Tool("wftest_flaky",
                 "Fails (isError) the first `failures` calls for `name`, then returns {name, calls, value}.")
                .input_schema(
                    {{"type", "object"},
                     {"properties",
                      {{"name", {{"type", "string"}}}, {"failures", {{"type", "integer"}}}, {"value", Json::object()}}},
                     {"required", {"name"}}})
                .output_schema({{"type", "object"}}),
            [this](const Json& args, switchboard::Call&) {
                const std::string name = args.at("name").get<std::string>();
                int calls = 0;
                {
                    std::lock_guard lock(mutex_);
                    calls = ++flaky_calls_[name];
                }
                if (calls <= args.value("failures", 0))
                    return ToolResult::error("flaky failure " + std::to_string(calls) + " for " + name);
                return ToolResult::structured(
                    {{"name", name}, {"calls", calls}, {"value", args.value("value", Json())}});
            });
        add_tool(Tool("wftest_add", "Returns {sum: a + b}.")
                     .input_schema({{"type", "object"},
                                    {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                                    {"required", {"a", "b"}}})
                     .output_schema({{"type", "object"}}),
                 [](const Json& args, switchboard::Call&) {
                     const Json& a = args.at("a");
                     const Json& b = args.at("b");
                     if (a.is_number_integer() && b.is_number_integer())
                         return ToolResult::structured({{"sum", a.get<int64_t>() + b.get<int64_t>()}});
                     return ToolResult::structured({{"sum", a.get<double>() + b.get<double>()}});
                 });
        add_async_tool(
            Tool("wftest_hang", "Never answers until cancelled; then counts the cancellation (see wftest_stats).")
                .input_schema({{"type", "object"}}),
            [this](const Json&, switchboard::CallPtr call) {
                {
                    std::lock_guard lock(mutex_);
                    ++hang_started_;
                }
                poll_until_cancelled(std::move(call), -1);
            });
        // Records what the workflow plugin publishes, for wftest_stats.
        subscribe("workflow.#", [this](std::string_view topic, const Json& payload) {
            std::lock_guard lock(mutex_);
            events_.push_back({{"topic", std::string(topic)}, {"payload", payload}});
        });
        add_tool(Tool("wftest_stats",
                      "Returns {hang_started, cancelled (any tool), flaky: {name: calls}, count_max_in_flight (most "
                      "wftest_count calls at once), count_max_in_flight_by_group: {group: most at once}, events: "
                      "[{topic, payload}] (workflow.# bus events seen)}.")
                     .output_schema({{"type", "object"}}),
                 [this](const Json&, switchboard::Call&) {
                     std::lock_guard lock(mutex_);
                     return ToolResult::structured({{"hang_started", hang_started_},
                                                    {"cancelled", cancelled_},
                                                    {"flaky", flaky_calls_},
                                                    {"count_max_in_flight", count_max_in_flight_},
                                                    {"count_max_in_flight_by_group", group_max_in_flight_},
                                                    {"events", events_}});
                 });
    }

 private:
    void count(const Json& args, switchboard::CallPtr call) {
        const Json meta = call->info().value("meta", Json::object());
        const std::string key = meta.value("idempotency_key", "");
        int calls = 0;
        {
            std::lock_guard lock(mutex_);
            calls = ++count_calls_[key];
        }
        append({{"event", "start"}, {"key", key}, {"pid", getpid()}});
        const std::string group = args.value("group", "");
        {
            std::lock_guard lock(mutex_);
            count_max_in_flight_ = std::max(count_max_in_flight_, ++count_in_flight_);
            if (!group.empty())
                group_max_in_flight_[group] = std::max(group_max_in_flight_[group], ++group_in_flight_[group]);
        }
        const int64_t ms = args.value("ms", 0);
        const Json value = args.value("value", Json());
        auto finish = [this, call, key, value, calls, group] {
            {
                std::lock_guard lock(mutex_);
                --count_in_flight_;
                if (!group.empty()) --group_in_flight_[group];
            }
            append({{"event", "end"}, {"key", key}, {"pid", getpid()}});
            call->respond(ToolResult::structured({{"key", key}, {"value", value}, {"calls", calls}}).to_json());
        };
        if (ms <= 0) return finish();
        poll_until_cancelled(std::move(call), now_ms() + ms, finish);
    }

    // Polls every 10 ms: the SDK reports cancellation through Call::cancelled(). A negative
    // deadline waits for cancellation only.
    struct Poll {
        WfTest* self;
        switchboard::CallPtr call;
        int64_t deadline_ms;
        std::function<void()> done;
    };

    void poll_until_cancelled(switchboard::CallPtr call, int64_t deadline_ms, std::function<void()> done = {}) {
        schedule(new Poll{this, std::move(call), deadline_ms, std::move(done)});
    }

    void schedule(Poll* poll) { api()->post_after(api()->host, 10, &WfTest::tick, poll); }

    static void tick(void* user) {
        std::unique_ptr<Poll> poll(static_cast<Poll*>(user));
        WfTest* self = poll->self;
        if (poll->call->cancelled()) {
            {
                std::lock_guard lock(self->mutex_);
                ++self->cancelled_;
            }
            self->append({{"event", "cancelled"}, {"pid", getpid()}});
            poll->call->respond(ToolResult::error("cancelled").to_json());
            return;
        }
        if (poll->deadline_ms >= 0 && now_ms() >= poll->deadline_ms) {
            if (poll->done) poll->done();
            return;
        }
        self->schedule(poll.release());
    }

    void append(const Json& line) {
        if (log_file_.empty()) return;
        const std::string text = line.dump() + "\n";
        std::lock_guard lock(mutex_);
        const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) return;
        // One write() per line: it reaches the page cache before we go on, so it survives kill -9.
        [[maybe_unused]] const ssize_t written = ::write(fd, text.data(), text.size());
        ::close(fd);
    }

    static int64_t now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    std::string log_file_;
    std::mutex mutex_;
    std::map<std::string, int> count_calls_;          // guarded by mutex_
    std::map<std::string, int> group_in_flight_;      // wftest_count calls by `group`; guarded by mutex_
    std::map<std::string, int> group_max_in_flight_;  // guarded by mutex_
    std::map<std::string, int> flaky_calls_;          // guarded by mutex_
    int hang_started_ = 0;                            // guarded by mutex_
    int count_in_flight_ = 0;                         // guarded by mutex_
    int count_max_in_flight_ = 0;                     // guarded by mutex_
    int cancelled_ = 0;                               // guarded by mutex_
    Json events_ = Json::array();                     // guarded by mutex_
};

}  // namespace

SWITCHBOARD_PLUGIN(WfTest, "wftest", "0.0.1", "Test-only tools for the workflow plugin tests.")
