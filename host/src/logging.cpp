// logging.cpp: spdlog sinks for stderr or a file.
#include "logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace switchboard::host {

void setup_logging(const LogSettings& settings) {
    std::shared_ptr<spdlog::logger> logger;
    if (settings.file) {
        logger = std::make_shared<spdlog::logger>(
            "switchboard", std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file->string(), false));
    } else {
        logger = std::make_shared<spdlog::logger>("switchboard", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    }
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    logger->set_level(spdlog::level::from_str(settings.level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace switchboard::host
