// security.hpp: the checks every HTTP request passes before anything else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::host::http {

// The Host header against `allowed` ("name" allows any port, "name:port" one port). An empty list
// allows loopback names only: localhost, 127.0.0.1, [::1]. Guards against DNS rebinding.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed);

// The Origin header (absent: allowed, since non-browser clients send none) against `allowed`
// (exact origins, or "*"). An empty list allows loopback origins only.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

// `Authorization: Bearer <token>` against the SHA-256 hashes of the accepted tokens, compared in
// constant time. No hashes means no authentication is required.
bool bearer_authorized(std::string_view authorization_header, const std::vector<std::string>& token_sha256);

}  // namespace switchboard::host::http
