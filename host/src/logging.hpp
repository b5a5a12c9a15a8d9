// logging.hpp: the host's log. It goes to stderr or a file, never to stdout, which in stdio mode
// carries protocol messages only.
#pragma once

#include "config.hpp"

namespace switchboard::host {

// Installs the default spdlog logger. Before a config is read, call with defaults.
void setup_logging(const LogSettings& settings);

}  // namespace switchboard::host
