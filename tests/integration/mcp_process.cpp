// mcp_process.cpp: spawning the binary over pipes, and the line readers.
#include "mcp_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace switchboard::testing {
namespace {

using Clock = std::chrono::steady_clock;

void check(int result, const char* what) {
    if (result != 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(result));
}

struct Pipe {
    int read = -1;
    int write = -1;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    return {fds[0], fds[1]};
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

McpProcess::McpProcess(const std::vector<std::string>& args, const std::string& binary) {
    // A child that dies must fail the test, not kill the test runner through a write to its stdin.
    ::signal(SIGPIPE, SIG_IGN);

    Pipe in = make_pipe();
    Pipe out = make_pipe();
    Pipe err = make_pipe();

    posix_spawn_file_actions_t actions;
    check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
    // dup2 clears FD_CLOEXEC on the target; every other pipe end closes at exec.
    check(posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO), "adddup2 stdin");
    check(posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO), "adddup2 stdout");
    check(posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO), "adddup2 stderr");

    // The child must not inherit a blocked or ignored signal set from the test runner.
    posix_spawnattr_t attributes;
    check(posix_spawnattr_init(&attributes), "posix_spawnattr_init");
    sigset_t none, all_default;
    sigemptyset(&none);
    sigemptyset(&all_default);
    sigaddset(&all_default, SIGPIPE);
    sigaddset(&all_default, SIGTERM);
    sigaddset(&all_default, SIGINT);
    check(posix_spawnattr_setsigmask(&attributes, &none), "setsigmask");
    check(posix_spawnattr_setsigdefault(&attributes, &all_default), "setsigdefault");
    check(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), "setflags");

    std::vector<std::string> argv_storage;
    argv_storage.push_back(binary);
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(in.read);
    ::close(out.write);
    ::close(err.write);
    if (spawned != 0) {
        ::close(in.write);
        ::close(out.read);
        ::close(err.read);
        throw std::runtime_error("posix_spawn " + binary + ": " + std::strerror(spawned));
    }
    stdin_fd_ = in.write;
    stdout_fd_ = out.read;
    stderr_fd_ = err.read;
    stdout_reader_ = std::thread([this] { read_stdout(); });
    stderr_reader_ = std::thread([this] { read_stderr(); });
}

McpProcess::~McpProcess() {
    close_stdin();
    if (!status_) {
        if (!wait_exit(std::chrono::milliseconds(2000))) {
            ::kill(pid_, SIGKILL);
            wait_exit(std::chrono::milliseconds(10000));
        }
    }
    if (stdout_reader_.joinable()) stdout_reader_.join();
    if (stderr_reader_.joinable()) stderr_reader_.join();
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
}

bool McpProcess::send_line(std::string_view line) {
    if (stdin_fd_ < 0) return false;
    std::string data(line);
    data += '\n';
    size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        written += static_cast<size_t>(n);
    }
    return true;
}

void McpProcess::close_stdin() { close_fd(stdin_fd_); }

void McpProcess::read_stdout() {
    std::string pending;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            if (!pending.empty()) {  // a last line without its newline is still output
                unread_.push_back(pending);
                lines_.push_back(pending);
            }
            stdout_eof_ = true;
            changed_.notify_all();
            return;
        }
        pending.append(buffer, static_cast<size_t>(n));
        size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, newline);
            pending.erase(0, newline + 1);
            unread_.push_back(line);
            lines_.push_back(std::move(line));
        }
        changed_.notify_all();
    }
}

void McpProcess::read_stderr() {
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(stderr_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            stderr_eof_ = true;
            changed_.notify_all();
            return;
        }
        stderr_.append(buffer, static_cast<size_t>(n));
        changed_.notify_all();
    }
}

std::optional<std::string> McpProcess::read_line(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [this] { return !unread_.empty() || stdout_eof_; })) return std::nullopt;
    if (unread_.empty()) return std::nullopt;
    std::string line = std::move(unread_.front());
    unread_.pop_front();
    return line;
}

std::optional<Json> McpProcess::read_message(std::chrono::milliseconds timeout) {
    auto line = read_line(timeout);
    if (!line) return std::nullopt;
    Json message = Json::parse(*line, nullptr, false);
    if (message.is_discarded()) {
        ADD_FAILURE() << "stdout carried a line that is not JSON: " << *line;
        return std::nullopt;
    }
    return message;
}

std::optional<Json> McpProcess::read_response(const Json& id, std::chrono::milliseconds timeout,
                                              std::vector<Json>* others) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto message = read_message(left);
        if (!message) return std::nullopt;
        if (message->is_object() && message->contains("id") && (*message)["id"] == id &&
            (message->contains("result") || message->contains("error")))
            return message;
        if (others) others->push_back(*message);
    }
}

std::vector<std::string> McpProcess::stdout_lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

bool McpProcess::stdout_closed() const {
    std::lock_guard lock(mutex_);
    return stdout_eof_;
}

bool McpProcess::stderr_closed() const {
    std::lock_guard lock(mutex_);
    return stderr_eof_;
}

std::string McpProcess::stderr_text() const {
    std::lock_guard lock(mutex_);
    return stderr_;
}

bool McpProcess::wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return stderr_.find(needle) != std::string::npos; });
}

void McpProcess::signal(int signal_number) {
    if (!status_) ::kill(pid_, signal_number);
}

std::optional<int> McpProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = Clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            status_ = status;
            // The child is gone, so its pipes reach EOF once the readers drain them: wait for
            // that, so stdout_lines() and stderr_text() hold everything it wrote. A grandchild
            // holding a pipe open only makes this wait run to the deadline.
            std::unique_lock lock(mutex_);
            changed_.wait_until(lock, std::max(deadline, Clock::now() + std::chrono::seconds(5)),
                                [this] { return stdout_eof_ && stderr_eof_; });
            return status_;
        }
        if (done < 0 && errno != EINTR) return std::nullopt;
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

Json McpProcess::start_request(const std::string& method, Json params) {
    const Json id = next_id_++;
    Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) message["params"] = std::move(params);
    send(message);
    return id;
}

std::optional<Json> McpProcess::request(const std::string& method, Json params, std::chrono::milliseconds timeout) {
    const Json id = start_request(method, std::move(params));
    return read_response(id, timeout);
}

void McpProcess::notify(const std::string& method, Json params) {
    Json message = {{"jsonrpc", "2.0"}, {"method", method}};
    if (!params.is_null()) message["params"] = std::move(params);
    send(message);
}

std::optional<Json> McpProcess::initialize(const std::string& version, Json capabilities) {
    auto response = request("initialize", {{"protocolVersion", version},
                                           {"capabilities", std::move(capabilities)},
                                           {"clientInfo", {{"name", "integration-test"}, {"version", "1.0"}}}});
    if (response) notify("notifications/initialized");
    return response;
}

RunResult run_switchboard(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    McpProcess process(args);
    process.close_stdin();
    RunResult result;
    const auto status = process.wait_exit(timeout);
    if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
    for (const auto& line : process.stdout_lines()) result.out += line + "\n";
    result.err = process.stderr_text();
    return result;
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "switchboard-it-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
}

Json fixture_config(const TempDir& dir, const Json& extra) {
    Json config = {{"data_dir", (dir.path() / "data").string()},
                   {"plugin_paths", {test_plugin_dir().string()}},
                   {"plugins", {{"conformance_fixture", Json::object()}}},
                   {"log", {{"level", "info"}}}};
    config.merge_patch(extra);
    return config;
}

}  // namespace switchboard::testing
