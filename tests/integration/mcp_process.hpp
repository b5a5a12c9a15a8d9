// mcp_process.hpp: the real switchboard binary as a child process, driven over real pipes.
//
// McpProcess spawns the executable with posix_spawn, its stdin, stdout and stderr connected to
// pipes. Two reader threads drain stdout (split into lines) and stderr (kept as text), so the child
// never blocks on a full pipe. Tests send lines, read lines with a timeout, signal the child and
// wait for its exit status.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace switchboard::testing {

using Json = nlohmann::json;

inline constexpr std::chrono::milliseconds default_timeout{15000};

// Whether `part` occurs in `text`.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class McpProcess {
 public:
    // Starts `binary` with `args` (not including argv[0]). Throws std::runtime_error on failure.
    explicit McpProcess(const std::vector<std::string>& args, const std::string& binary = SWITCHBOARD_BINARY);
    // Kills the child if it still runs, reaps it and joins the readers.
    ~McpProcess();
    McpProcess(const McpProcess&) = delete;
    McpProcess& operator=(const McpProcess&) = delete;

    pid_t pid() const { return pid_; }

    // ---- stdin ----
    // Writes `line` and a newline. False when the child's stdin is closed.
    bool send_line(std::string_view line);
    bool send(const Json& message) { return send_line(message.dump()); }
    void close_stdin();

    // ---- stdout ----
    // The next unread stdout line, waiting up to `timeout`.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = default_timeout);
    // The next unread stdout line parsed as JSON (nullopt on timeout; a test failure on non-JSON).
    std::optional<Json> read_message(std::chrono::milliseconds timeout = default_timeout);
    // Reads until the response with `id`; other messages read meanwhile are kept in `others`.
    std::optional<Json> read_response(const Json& id, std::chrono::milliseconds timeout = default_timeout,
                                      std::vector<Json>* others = nullptr);
    // Every stdout line seen so far, read or not.
    std::vector<std::string> stdout_lines() const;
    // True once stdout reached EOF.
    bool stdout_closed() const;

    // ---- stderr ----
    std::string stderr_text() const;
    // True once stderr reached EOF: stderr_text() then holds all the child wrote there.
    bool stderr_closed() const;
    // Waits until stderr contains `needle`.
    bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout = default_timeout);

    // ---- the process ----
    void signal(int signal_number);
    // The raw wait status once the child exits within `timeout`. It returns once both readers
    // reached EOF too (waiting up to 5 s more for that), so the output is complete.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = default_timeout);

    // ---- MCP conveniences ----
    // Sends a request with the next integer id and returns its response.
    std::optional<Json> request(const std::string& method, Json params = Json::object(),
                                std::chrono::milliseconds timeout = default_timeout);
    // Sends a request with the next integer id without waiting; returns the id.
    Json start_request(const std::string& method, Json params = Json::object());
    void notify(const std::string& method, Json params = nullptr);
    // initialize + notifications/initialized; returns the initialize response.
    std::optional<Json> initialize(const std::string& version = "2025-11-25", Json capabilities = Json::object());

 private:
    void read_stdout();
    void read_stderr();

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    int64_t next_id_ = 1;
    std::optional<int> status_;
    std::thread stdout_reader_;
    std::thread stderr_reader_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> unread_;  // guarded by mutex_
    std::vector<std::string> lines_;  // guarded by mutex_
    std::string stderr_;              // guarded by mutex_
    bool stdout_eof_ = false;         // guarded by mutex_
    bool stderr_eof_ = false;         // guarded by mutex_
};

// The outcome of running the binary to completion with stdin closed.
struct RunResult {
    int exit_code = -1;  // -1 when it did not exit normally in time
    std::string out;
    std::string err;
};
RunResult run_switchboard(const std::vector<std::string>& args, std::chrono::milliseconds timeout = default_timeout);

// A fresh directory removed with its contents when the object goes.
class TempDir {
 public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Writes `text` to `name` inside the directory and returns the full path.
    std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
    std::filesystem::path path_;
};

inline std::filesystem::path test_plugin_dir() { return SWITCHBOARD_TEST_PLUGIN_DIR; }
inline std::filesystem::path test_plugin(const std::string& id) { return test_plugin_dir() / (id + ".so"); }

// A config that loads the conformance fixture with its data in `dir`, merged with `extra`.
Json fixture_config(const TempDir& dir, const Json& extra = Json::object());

}  // namespace switchboard::testing
