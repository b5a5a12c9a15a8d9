// main.cpp: the switchboard executable: options, config, plugins, then serve until told to stop.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli.hpp"
#include "config.hpp"
#include "executor.hpp"
#include "http/http_connection.hpp"
#include "http/http_frontend.hpp"
#include "logging.hpp"
#include "memory_release.hpp"
#include "plugin_manager.hpp"
#include "server.hpp"
#include "session.hpp"
#include "stdio_transport.hpp"
#include "validate_plugin.hpp"
#include "version.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace host = switchboard::host;

// Plugins are found beside the executable: <prefix>/bin/switchboard and <prefix>/lib/switchboard/plugins,
// in an install and in the build tree alike.
fs::path default_plugin_dir() {
    return (boost::dll::program_location().parent_path().parent_path() / "lib" / "switchboard" / "plugins").string();
}

// SIGTERM and SIGINT arrive on a descriptor the stdio loop polls, never as an interruption.
int block_stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts, so all inherit it
    ::signal(SIGPIPE, SIG_IGN);
    return ::signalfd(-1, &signals, SFD_CLOEXEC);
}

// Keeps fd 1 for protocol messages only: the protocol gets a private copy of stdout, and fd 1
// itself points at stderr, so a stray printf in a plugin cannot corrupt the stream.
int claim_stdout_for_protocol() {
    const int protocol_fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (protocol_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return STDOUT_FILENO;
    return protocol_fd;
}

// Ends the process if shutdown outlives `deadline`: past the grace period a plugin that ignores
// cancellation must not keep it alive. Disarmed when destroyed, so it never fires once the
// shutdown is over and the process is tearing down its globals (the logger among them).
class ShutdownWatchdog {
 public:
    explicit ShutdownWatchdog(std::chrono::milliseconds deadline)
        : thread_([this, deadline] {
              std::unique_lock lock(mutex_);
              if (disarmed_.wait_for(lock, deadline, [this] { return done_; })) return;
              spdlog::error("shutdown took longer than {} ms; exiting now", deadline.count());
              spdlog::default_logger()->flush();
              std::_Exit(0);
          }) {}
    ShutdownWatchdog(const ShutdownWatchdog&) = delete;
    ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;
    ~ShutdownWatchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        disarmed_.notify_one();
        thread_.join();
    }

 private:
    std::mutex mutex_;
    std::condition_variable disarmed_;
    bool done_ = false;  // guarded by mutex_
    std::thread thread_;
};

// What every serving mode runs: the executor, the router and the plugins.
struct Runtime {
    explicit Runtime(const host::Config& config)
        : executor(config.limits.executor_threads, config.limits.blocking_threads),
          server(config, executor),
          plugins(server) {
        plugins.load_all(config);
    }

    // Cancels what is in flight, waits out the grace period, then stops threads and plugins.
    void stop() {
        const ShutdownWatchdog watchdog(std::chrono::milliseconds(server.config().limits.shutdown_grace_ms) + 400ms);
        server.shutdown();
        executor.stop();
        plugins.destroy_all();
        spdlog::info("switchboard stopped");
        spdlog::default_logger()->flush();
    }

    host::Executor executor;
    host::Server server;
    host::PluginManager plugins;
};

bool create_data_dir(const host::Config& config) {
    std::error_code error;
    fs::create_directories(config.data_dir, error);
    if (error) spdlog::critical("cannot create data_dir {}: {}", config.data_dir.string(), error.message());
    return !error;
}

int serve_stdio(const host::Config& config) {
    const int signal_fd = block_stop_signals();
    const int protocol_fd = claim_stdout_for_protocol();
    if (!create_data_dir(config)) return 1;

    Runtime runtime(config);
    auto channel = std::make_shared<host::StdioTransport>(STDIN_FILENO, protocol_fd, config.limits.max_message_bytes);
    auto session = std::make_shared<host::Session>(runtime.server, "stdio", channel);
    runtime.server.add_session(session);
    spdlog::info("switchboard {} serving MCP on stdio with {} plugin(s)", host::switchboard_version,
                 runtime.plugins.plugins().size());
    channel->run(*session, signal_fd);
    // The client is gone: cancel its requests and release tools waiting on its answers (sampling,
    // elicitation) now, since shutdown only reaches sessions still registered.
    session->close();
    runtime.server.remove_session(session->id());
    runtime.stop();
    return 0;
}

// "127.0.0.1:8080", "localhost:8080", "[::1]:8080" -> an endpoint; throws with the reason.
boost::asio::ip::tcp::endpoint parse_listen(const std::string& listen) {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("expected HOST:PORT, got \"" + listen + "\"");
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    const std::string port_text = listen.substr(colon + 1);
    char* end = nullptr;
    const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port > 65535)
        throw std::invalid_argument("invalid port \"" + port_text + "\"");
    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address(host, error);
    if (error) throw std::invalid_argument("invalid IP address \"" + host + "\" (use an address such as 127.0.0.1)");
    return {address, static_cast<unsigned short>(port)};
}

int serve_http(host::Config config, const std::string& listen) {
    const int signal_fd = block_stop_signals();
    if (!listen.empty()) config.http.listen = listen;
    boost::asio::ip::tcp::endpoint endpoint;
    try {
        endpoint = parse_listen(config.http.listen);
    } catch (const std::invalid_argument& e) {
        std::cerr << "switchboard: --http: " << e.what() << "\n";
        return 2;
    }
    if (!create_data_dir(config)) return 1;

    Runtime runtime(config);
    const host::HttpSettings& settings = runtime.server.config().http;
    auto frontend = std::make_shared<host::http::HttpFrontend>(runtime.server, settings);
    std::shared_ptr<host::http::HttpListener> listener;
    try {
        listener = std::make_shared<host::http::HttpListener>(
            runtime.executor.io(), endpoint, settings,
            [frontend](host::http::Request request, std::shared_ptr<host::http::HttpConnection> connection) {
                frontend->handle(std::move(request), connection);
            });
    } catch (const boost::system::system_error& e) {
        spdlog::critical("cannot listen on {}: {}", config.http.listen, e.code().message());
        runtime.stop();
        return 1;
    }
    listener->start();
    frontend->start_expiry();
    const auto bound = listener->local_endpoint();
    const std::string host =
        bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    const std::string url = "http://" + host + ":" + std::to_string(bound.port()) + settings.endpoint;
    spdlog::info("switchboard {} serving MCP at {} with {} plugin(s)", host::switchboard_version, url,
                 runtime.plugins.plugins().size());
    std::cout << "Switchboard is serving MCP (Streamable HTTP) at " << url << "\n"
              << "  health:  http://" << host << ":" << bound.port() << "/healthz\n"
              << "  connect: add {\"type\": \"http\", \"url\": \"" << url << "\"} to your MCP client, or run\n"
              << "           npx @modelcontextprotocol/inspector and choose Streamable HTTP with that URL\n"
              << "  stop:    Ctrl-C" << std::endl;

    signalfd_siginfo signal_info{};
    while (::read(signal_fd, &signal_info, sizeof signal_info) < 0 && errno == EINTR) {
    }
    spdlog::info("stop signal received");
    listener->stop();
    frontend->shutdown();
    runtime.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    host::configure_allocator();
    host::setup_logging(host::LogSettings{});
    host::Options options;
    try {
        options = host::parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::cerr << "switchboard: " << e.what() << "\n";
        return 2;
    }
    if (options.mode == host::Mode::help) {
        std::cout << host::usage();
        return 0;
    }
    if (options.mode == host::Mode::version) {
        std::cout << "switchboard " << host::switchboard_version << " (plugin ABI " << SB_ABI_MAJOR << "."
                  << SB_ABI_MINOR << ", MCP 2025-11-25, 2025-06-18, 2025-03-26)\n";
        return 0;
    }

    host::Config config;
    try {
        config = options.config ? host::load_config(*options.config, default_plugin_dir())
                                : host::default_config(default_plugin_dir());
    } catch (const host::ConfigError& e) {
        std::cerr << "switchboard: invalid configuration: " << e.what() << "\n";
        return 2;
    }
    try {
        host::setup_logging(config.log);
    } catch (const std::exception& e) {
        std::cerr << "switchboard: cannot open the log: " << e.what() << "\n";
        return 2;
    }
    if (options.mode == host::Mode::validate_plugin)
        return host::validate_plugin(options.plugin_file, config, options.json);
    if (options.mode == host::Mode::http) return serve_http(std::move(config), options.listen);
    return serve_stdio(config);
}
