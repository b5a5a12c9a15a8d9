// tool_called_event.hpp: the payload of the `host.tool.called` bus event.
//
// It is built for every tool call while anything listens, on the thread that answered the call,
// so it is written as JSON text directly rather than through a JSON object and a dump.
#pragma once

#include <cstddef>
#include <string>

struct sb_request;

namespace switchboard::host {

// {"tool","plugin","session","client","duration_ms","ok","outcome","argument_bytes","result_bytes"}.
// `tool_error` is a result with isError; `result_bytes` the size of the result or error as sent.
std::string tool_called_event(const sb_request& request, bool ok, bool tool_error, size_t result_bytes);

}  // namespace switchboard::host
