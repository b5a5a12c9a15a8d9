// main.cpp: the switchboard executable: options, config, plugins, then serve until told to stop.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli.hpp"
#include "config.hpp"
#include "executor.hpp"
#include "logging.hpp"
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

int serve_stdio(const host::Config& config) {
    const int signal_fd = block_stop_signals();
    const int protocol_fd = claim_stdout_for_protocol();
    std::error_code dir_error;
    fs::create_directories(config.data_dir, dir_error);
    if (dir_error) {
        spdlog::critical("cannot create data_dir {}: {}", config.data_dir.string(), dir_error.message());
        return 1;
    }

    host::Executor executor(config.limits.executor_threads, config.limits.blocking_threads);
    host::Server server(config, executor);
    host::PluginManager plugins(server);
    plugins.load_all(config);

    auto channel = std::make_shared<host::StdioTransport>(STDIN_FILENO, protocol_fd, config.limits.max_message_bytes);
    auto session = std::make_shared<host::Session>(server, "stdio", channel);
    server.add_session(session);
    spdlog::info("switchboard {} serving MCP on stdio with {} plugin(s)", host::switchboard_version,
                 plugins.plugins().size());
    channel->run(*session, signal_fd);

    // Past the grace period a plugin that ignores cancellation must not keep the process alive.
    const auto deadline = std::chrono::milliseconds(config.limits.shutdown_grace_ms) + 400ms;
    std::thread([deadline] {
        std::this_thread::sleep_for(deadline);
        spdlog::error("shutdown took longer than {} ms; exiting now", deadline.count());
        spdlog::default_logger()->flush();
        std::_Exit(0);
    }).detach();

    server.shutdown();
    server.remove_session(session->id());
    executor.stop();
    plugins.destroy_all();
    spdlog::info("switchboard stopped");
    spdlog::default_logger()->flush();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
    return serve_stdio(config);
}
