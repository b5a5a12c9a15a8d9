// time_util.cpp: civil-date arithmetic in UTC without the C library's time zone state.
#include "time_util.hpp"

#include <chrono>
#include <cstdio>

namespace switchboard::metrics {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since the epoch of a civil date, and back (Howard Hinnant's algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = floor_div(y, 400);
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
    int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = floor_div(z, 146097);
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

std::optional<Bucket> parse_bucket(std::string_view name) {
    if (name == "hour") return Bucket::hour;
    if (name == "day") return Bucket::day;
    if (name == "week") return Bucket::week;
    if (name == "month") return Bucket::month;
    return std::nullopt;
}

std::string_view bucket_name(Bucket bucket) {
    switch (bucket) {
        case Bucket::hour:
            return "hour";
        case Bucket::day:
            return "day";
        case Bucket::week:
            return "week";
        case Bucket::month:
            return "month";
    }
    return "day";
}

int64_t bucket_start(Bucket bucket, int64_t ts_ms) {
    switch (bucket) {
        case Bucket::hour:
            return floor_div(ts_ms, kHourMs) * kHourMs;
        case Bucket::day:
            return floor_div(ts_ms, kDayMs) * kDayMs;
        case Bucket::week: {
            const int64_t day = floor_div(ts_ms, kDayMs);
            const int64_t weekday_from_monday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
            return (day - weekday_from_monday) * kDayMs;
        }
        case Bucket::month: {
            const Civil date = civil_from_days(floor_div(ts_ms, kDayMs));
            return days_from_civil(date.year, date.month, 1) * kDayMs;
        }
    }
    return ts_ms;
}

int64_t bucket_next(Bucket bucket, int64_t start_ms) {
    switch (bucket) {
        case Bucket::hour:
            return start_ms + kHourMs;
        case Bucket::day:
            return start_ms + kDayMs;
        case Bucket::week:
            return start_ms + 7 * kDayMs;
        case Bucket::month: {
            const Civil date = civil_from_days(floor_div(start_ms, kDayMs));
            const bool december = date.month == 12;
            return days_from_civil(date.year + (december ? 1 : 0), december ? 1 : date.month + 1, 1) * kDayMs;
        }
    }
    return start_ms;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string iso8601(int64_t ts_ms) {
    const int64_t days = floor_div(ts_ms, kDayMs);
    const int64_t ms_of_day = ts_ms - days * kDayMs;
    const Civil date = civil_from_days(days);
    char text[40];
    std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(date.year),
                  date.month, date.day, static_cast<long long>(ms_of_day / kHourMs),
                  static_cast<long long>(ms_of_day / 60000 % 60), static_cast<long long>(ms_of_day / 1000 % 60),
                  static_cast<long long>(ms_of_day % 1000));
    return text;
}

std::optional<int64_t> parse_time(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool all_digits = true;
    for (char c : text) all_digits = all_digits && c >= '0' && c <= '9';
    if (all_digits) return text.size() > 15 ? std::nullopt : std::optional<int64_t>(std::stoll(std::string(text)));

    size_t pos = 0;
    auto number = [&](size_t width) -> std::optional<int64_t> {
        if (pos + width > text.size()) return std::nullopt;
        int64_t value = 0;
        for (size_t i = 0; i < width; ++i) {
            const char c = text[pos + i];
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        pos += width;
        return value;
    };
    auto expect = [&](char c) { return pos < text.size() && text[pos++] == c; };
    auto year = number(4);
    if (!year || !expect('-')) return std::nullopt;
    auto month = number(2);
    if (!month || !expect('-')) return std::nullopt;
    auto day = number(2);
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
    int64_t ms = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * kDayMs;
    if (pos == text.size()) return ms;
    if (text[pos] != 'T' && text[pos] != ' ') return std::nullopt;
    ++pos;
    auto hour = number(2);
    if (!hour || !expect(':')) return std::nullopt;
    auto minute = number(2);
    if (!minute || !expect(':')) return std::nullopt;
    auto second = number(2);
    if (!second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    ms += *hour * kHourMs + *minute * 60000 + *second * 1000;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int64_t scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ms += (text[pos++] - '0') * scale;
            scale /= 10;
        }
    }
    if (pos == text.size()) return ms;
    if (text.substr(pos) == "Z" || text.substr(pos) == "+00:00") return ms;
    return std::nullopt;
}

}  // namespace switchboard::metrics
