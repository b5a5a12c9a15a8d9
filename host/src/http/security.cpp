// security.cpp: Host, Origin and bearer-token checks.
#include "http/security.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "config.hpp"

namespace switchboard::host::http {
namespace {

// "name:port" -> "name"; "[::1]:80" -> "[::1]".
std::string_view strip_port(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        const size_t close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    const size_t colon = host.rfind(':');
    return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool is_loopback_name(std::string_view name) { return name == "localhost" || name == "127.0.0.1" || name == "[::1]"; }

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed) {
    const std::string host = lower(host_header);
    const std::string_view name = strip_port(host);
    if (allowed.empty()) return is_loopback_name(name);
    for (const auto& entry : allowed) {
        const std::string wanted = lower(entry);
        if (wanted == host || wanted == name) return true;
    }
    return false;
}

bool origin_allowed(std::string_view origin_header, const std::vector<std::string>& allowed) {
    if (origin_header.empty()) return true;
    const std::string origin = lower(origin_header);
    if (allowed.empty()) {
        const size_t scheme = origin.find("://");
        if (scheme == std::string::npos) return false;
        const std::string_view scheme_name = std::string_view(origin).substr(0, scheme);
        if (scheme_name != "http" && scheme_name != "https") return false;
        return is_loopback_name(strip_port(std::string_view(origin).substr(scheme + 3)));
    }
    for (const auto& entry : allowed)
        if (entry == "*" || lower(entry) == origin) return true;
    return false;
}

bool bearer_authorized(std::string_view header, const std::vector<std::string>& accepted_hashes) {
    if (accepted_hashes.empty()) return true;
    constexpr std::string_view scheme = "bearer ";
    if (header.size() <= scheme.size() || lower(header.substr(0, scheme.size())) != scheme) return false;
    const std::string presented = token_sha256(std::string(header.substr(scheme.size())));
    bool match = false;
    // Every hash is compared, and each in constant time, so timing reveals nothing.
    for (const auto& expected : accepted_hashes)
        match |= expected.size() == presented.size() &&
                 CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
    return match;
}

}  // namespace switchboard::host::http
