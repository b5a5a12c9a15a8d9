// bench_support.hpp: what the benchmark drivers share: a server in a child process, reading its
// /proc figures, and the side-by-side report (values, ratios and goals).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace bench {

namespace fs = std::filesystem;

// How long a driver waits for a server to say anything before it gives up.
constexpr std::chrono::seconds read_timeout{30};

// A server on the other end of two pipes: stdin and stdout, with stderr appended to a log file.
class ChildProcess {
 public:
    // Starts `argv` with stdin and stdout on pipes and stderr appended to `log_path`.
    ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
        int to_child[2];
        int from_child[2];
        if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0)
            throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0644);
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        const int spawned = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(to_child[0]);
        ::close(from_child[1]);
        in_fd_ = to_child[1];
        out_fd_ = from_child[0];
        if (spawned != 0) {
            close_pipes();
            throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawned));
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Closes stdin (a stdio server exits at EOF) and reaps the process, killing it if it lingers.
    ~ChildProcess() {
        close_pipes();
        if (pid_ > 0 && !reaped_within(std::chrono::seconds(5))) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    // Asks the process to stop with SIGTERM (how an HTTP server is stopped) and reaps it.
    void terminate() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        if (!reaped_within(std::chrono::seconds(5))) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        pid_ = -1;
    }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::write(in_fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw std::runtime_error(std::string("write to the server: ") + std::strerror(errno));
            bytes.remove_prefix(static_cast<size_t>(n));
        }
    }

    // The next line the server writes, without its newline; valid until the next call.
    std::string_view read_line() {
        while (true) {
            if (const size_t end = buffer_.find('\n', start_); end != std::string::npos) {
                std::string_view line(buffer_.data() + start_, end - start_);
                start_ = end + 1;
                return line;
            }
            buffer_.erase(0, start_);
            start_ = 0;
            pollfd fd{out_fd_, POLLIN, 0};
            const int ready = ::poll(&fd, 1, static_cast<int>(std::chrono::milliseconds(read_timeout).count()));
            if (ready == 0) throw std::runtime_error("the server sent nothing for 30 s");
            if (ready < 0 && errno == EINTR) continue;
            char chunk[64 * 1024];
            const ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw std::runtime_error("the server closed its stdout");
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }

    // A field of /proc/<pid>/status in KiB (VmHWM: peak resident set, VmRSS: current).
    long status_kib(std::string_view field) const {
        std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':')
                return std::stol(line.substr(field.size() + 1));
        throw std::runtime_error("no " + std::string(field) + " in /proc/" + std::to_string(pid_) + "/status");
    }

    // CPU time (user + system, all threads) the process has used so far, in seconds.
    double cpu_seconds() const {
        std::ifstream stat_file("/proc/" + std::to_string(pid_) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
        std::string skip;
        for (int field = 3; field < 14; ++field) fields >> skip;  // state .. cmajflt
        double user_ticks = 0;
        double system_ticks = 0;
        fields >> user_ticks >> system_ticks;
        return (user_ticks + system_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }

 private:
    bool reaped_within(std::chrono::milliseconds grace) {
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    void close_pipes() {
        if (in_fd_ >= 0) ::close(in_fd_);
        if (out_fd_ >= 0) ::close(out_fd_);
        in_fd_ = out_fd_ = -1;
    }

    pid_t pid_ = -1;
    int in_fd_ = -1;
    int out_fd_ = -1;
    std::string buffer_;
    size_t start_ = 0;
};

// ---- the report --------------------------------------------------------------------------------

// The "version" of the SDK the anchor resolves, read from its package.json.
inline std::string anchor_sdk_version(const std::string& anchor) {
    std::ifstream file(fs::path(anchor).parent_path() / "node_modules/@modelcontextprotocol/sdk/package.json");
    std::stringstream text;
    text << file.rdbuf();
    const std::string json = text.str();
    const size_t key = json.find("\"version\"");
    const size_t open = json.find('"', json.find(':', key));
    const size_t close = json.find('"', open + 1);
    if (key == std::string::npos || open == std::string::npos || close == std::string::npos) return "unknown";
    return json.substr(open + 1, close - open - 1);
}

inline std::string fixed(double value, int decimals) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

inline void row(const std::string& measure, const std::string& ours, const std::string& anchor,
                const std::string& ratio, const std::string& goal) {
    std::printf("%-48s %14s %14s %10s  %s\n", measure.c_str(), ours.c_str(), anchor.c_str(), ratio.c_str(),
                goal.c_str());
    std::fflush(stdout);
}

// "met" when `ratio` is at least `goal` (at most, with `at_most`).
inline std::string verdict(double ratio, double goal, bool at_most) {
    const bool met = at_most ? ratio <= goal : ratio >= goal;
    return std::string(at_most ? "<= " : ">= ") + fixed(goal, goal < 1 ? 2 : 0) + "x  " + (met ? "met" : "MISSED");
}

}  // namespace bench
