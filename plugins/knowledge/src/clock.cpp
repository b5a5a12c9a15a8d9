// clock.cpp: see clock.hpp.
#include "clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace knowledge {

std::string now_iso() {
    const auto now = std::chrono::system_clock::now();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis % 1000));
    return buffer;
}

std::string normalize_time(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
    const std::string input(text);
    int consumed = 0;
    if (std::sscanf(input.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3) return {};
    std::string_view rest = text.substr(static_cast<size_t>(consumed));
    if (!rest.empty()) {
        if (rest.front() != 'T' || rest.back() != 'Z') return {};
        const std::string clock(rest.substr(1, rest.size() - 2));
        int parts = std::sscanf(clock.c_str(), "%2d:%2d:%2d.%3d", &hour, &minute, &second, &millis);
        if (parts < 2) return {};
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || millis < 0)
        return {};
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, hour, minute, second,
                  millis);
    return buffer;
}

}  // namespace knowledge
