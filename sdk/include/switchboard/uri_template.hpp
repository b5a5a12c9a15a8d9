// switchboard/uri_template.hpp: matching URIs against RFC 6570 level-1 templates.
//
// Resource templates such as "workflow://runs/{id}" are matched by the host (to route a read to
// the plugin that owns the template) and by the SDK (to hand the variables to the handler). Only
// simple `{name}` expressions are supported; a variable matches one or more characters up to the
// next literal character of the template, and never a '/'.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

using UriVariables = std::map<std::string, std::string, std::less<>>;

// Returns the variables when `uri` matches `uri_template`, nothing otherwise.
inline std::optional<UriVariables> match_uri_template(std::string_view uri_template, std::string_view uri) {
    UriVariables variables;
    size_t t = 0;
    size_t u = 0;
    while (t < uri_template.size()) {
        if (uri_template[t] != '{') {
            if (u >= uri.size() || uri[u] != uri_template[t]) return std::nullopt;
            ++t;
            ++u;
            continue;
        }
        const size_t close = uri_template.find('}', t);
        if (close == std::string_view::npos) return std::nullopt;
        const std::string name(uri_template.substr(t + 1, close - t - 1));
        t = close + 1;
        // The variable ends where the next literal begins (or at a '/', or at the end).
        const char stop = t < uri_template.size() ? uri_template[t] : '\0';
        const size_t start = u;
        while (u < uri.size() && uri[u] != '/' && (stop == '\0' || uri[u] != stop)) ++u;
        if (u == start) return std::nullopt;
        variables.emplace(name, std::string(uri.substr(start, u - start)));
    }
    if (u != uri.size()) return std::nullopt;
    return variables;
}

}  // namespace switchboard
