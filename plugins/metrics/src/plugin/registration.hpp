// registration.hpp: what the metrics plugin offers the host: MCP tools and HTTP routes.
#pragma once

#include <switchboard/sdk.hpp>

#include "metrics_service.hpp"

namespace switchboard::metrics {

void register_tools(Plugin& plugin, MetricsService& service);
// Returns false when the host runs without HTTP (stdio only).
bool register_http_routes(Plugin& plugin, MetricsService& service);

}  // namespace switchboard::metrics
