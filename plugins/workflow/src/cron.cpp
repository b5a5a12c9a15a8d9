// cron.cpp: see cron.hpp.
#include "cron.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace workflow {

namespace {

constexpr std::string_view kSyntax = "each field is *, n, a-b, */n, a-b/n or a/n, or a comma list of them";
constexpr std::string_view kForms =
    "5 fields (minute hour day-of-month month day-of-week), 6 with seconds first (second minute hour day-of-month "
    "month day-of-week), or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly";

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
    std::string_view name;
    int low;
    int high;
    std::string_view accepted;
    const std::string_view* names = nullptr;  // names[i] stands for names_base + i
    size_t name_count = 0;
    int names_base = 0;
    bool question_mark = false;  // `?` accepted as `*` (the day fields)
};

constexpr FieldSpec kSecond{"second", 0, 59, "0-59"};
constexpr FieldSpec kMinute{"minute", 0, 59, "0-59"};
constexpr FieldSpec kHour{"hour", 0, 23, "0-23"};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, "1-31 or ?", nullptr, 0, 0, true};
constexpr FieldSpec kMonth{"month", 1, 12, "1-12 or JAN-DEC", kMonthNames.data(), kMonthNames.size(), 1};
constexpr FieldSpec kWeekday{
    "day-of-week",        0, 7,   "0-7 (0 and 7 are Sunday) or SUN-SAT, or ?", kWeekdayNames.data(),
    kWeekdayNames.size(), 0, true};

int64_t floor_div(int64_t value, int64_t divisor) {
    const int64_t quotient = value / divisor;
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        const size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

std::vector<std::string_view> fields_of(std::string_view text) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        const size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > start) fields.push_back(text.substr(start, i - start));
    }
    return fields;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::optional<int> digits_value(std::string_view text) {
    if (text.empty() || text.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Parses one field into `bits` (bit v set: value v matches). Returns "" or the problem.
class FieldParser {
 public:
    FieldParser(const FieldSpec& spec, uint64_t& bits) : spec_(spec), bits_(bits) {}

    std::string parse(std::string_view text) {
        for (std::string_view item : split(text, ',')) {
            if (item.empty()) return "an empty list item (two commas, or a comma at an end)";
            if (std::string problem = parse_item(item); !problem.empty()) return problem;
        }
        return "";
    }

 private:
    std::string parse_item(std::string_view item) {
        const size_t slash = item.find('/');
        const std::string_view base = item.substr(0, slash);
        int step = 1;
        if (slash != std::string_view::npos) {
            const std::string_view step_text = item.substr(slash + 1);
            const std::optional<int> parsed = digits_value(step_text);
            if (!parsed || *parsed < 1)
                return "the step \"" + std::string(step_text) + "\" in \"" + std::string(item) +
                       "\" must be a whole number >= 1";
            step = *parsed;
        }
        int low = 0;
        int high = 0;
        if (base == "*" || (base == "?" && spec_.question_mark)) {
            if (base == "?" && slash != std::string_view::npos) return "\"?\" takes no step";
            low = spec_.low;
            high = spec_.high;
        } else if (const size_t dash = base.find('-'); dash != std::string_view::npos) {
            std::string problem = value(base.substr(0, dash), low);
            if (problem.empty()) problem = value(base.substr(dash + 1), high);
            if (!problem.empty()) return problem;
            if (low > high)
                return "the range \"" + std::string(base) + "\" goes backwards; write it low-high (ranges do not wrap)";
        } else {
            if (std::string problem = value(base, low); !problem.empty()) return problem;
            high = slash == std::string_view::npos ? low : spec_.high;  // "a/n": from a to the maximum
        }
        for (int v = low; v <= high; v += step) bits_ |= uint64_t{1} << v;
        return "";
    }

    std::string value(std::string_view text, int& out) const {
        if (text.empty()) return "a value is missing";
        if (const std::optional<int> number = digits_value(text)) {
            if (*number < spec_.low || *number > spec_.high) return std::to_string(*number) + " is out of range";
            out = *number;
            return "";
        }
        for (size_t i = 0; i < spec_.name_count; ++i) {
            if (equals_ignoring_case(text, spec_.names[i])) {
                out = spec_.names_base + static_cast<int>(i);
                return "";
            }
        }
        // Built by append: GCC 12 warns falsely (-Wrestrict) on `"literal" + std::string` here.
        std::string problem = "\"";
        problem.append(text).append("\" is not ");
        problem.append(spec_.name_count > 0 ? "a number or a name" : "a whole number");
        return problem;
    }

    const FieldSpec& spec_;
    uint64_t& bits_;
};

int days_in_month(int month) {  // February counted with its leap day: a day that exists some year
    static constexpr std::array<int, 13> kDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return kDays[static_cast<size_t>(month)];
}

}  // namespace

struct CronParser {
    static CronParseResult parse(std::string_view text) {
        const std::vector<std::string_view> given = fields_of(text);
        if (given.empty()) return failure("a cron expression is required: " + std::string(kForms));
        std::vector<std::string_view> fields = given;
        if (given.size() == 1 && given[0].front() == '@') {
            const std::string_view macro = given[0];
            std::string_view expansion;
            if (equals_ignoring_case(macro, "@yearly") || equals_ignoring_case(macro, "@annually"))
                expansion = "0 0 1 1 *";
            else if (equals_ignoring_case(macro, "@monthly"))
                expansion = "0 0 1 * *";
            else if (equals_ignoring_case(macro, "@weekly"))
                expansion = "0 0 * * 0";
            else if (equals_ignoring_case(macro, "@daily") || equals_ignoring_case(macro, "@midnight"))
                expansion = "0 0 * * *";
            else if (equals_ignoring_case(macro, "@hourly"))
                expansion = "0 * * * *";
            else if (equals_ignoring_case(macro, "@reboot"))
                return failure(
                    "@reboot is not supported: a schedule fires at times, not when the server starts; "
                    "accepted: " +
                    std::string(kForms));
            else
                return failure("unknown macro \"" + std::string(macro) + "\"; accepted: " + std::string(kForms));
            fields = fields_of(expansion);
        }
        if (fields.size() != 5 && fields.size() != 6)
            return failure("expected " + std::string(kForms) + "; got " + std::to_string(fields.size()) + " fields");

        CronExpression cron;
        cron.text_ = std::string(text.substr(text.find_first_not_of(" \t\r\n")));
        cron.text_.erase(cron.text_.find_last_not_of(" \t\r\n") + 1);
        cron.has_seconds_ = fields.size() == 6;
        const size_t offset = cron.has_seconds_ ? 1 : 0;
        uint64_t seconds = 1;  // 5 fields: at second 0
        uint64_t minutes = 0;
        uint64_t hours = 0;
        uint64_t days = 0;
        uint64_t months = 0;
        uint64_t weekdays = 0;
        const std::array<std::pair<const FieldSpec*, uint64_t*>, 5> specs = {{{&kMinute, &minutes},
                                                                              {&kHour, &hours},
                                                                              {&kDayOfMonth, &days},
                                                                              {&kMonth, &months},
                                                                              {&kWeekday, &weekdays}}};
        if (cron.has_seconds_) {
            seconds = 0;
            if (std::string problem = FieldParser(kSecond, seconds).parse(fields[0]); !problem.empty())
                return field_failure(kSecond, fields[0], problem);
        }
        for (size_t i = 0; i < specs.size(); ++i) {
            const std::string_view field = fields[offset + i];
            if (std::string problem = FieldParser(*specs[i].first, *specs[i].second).parse(field); !problem.empty())
                return field_failure(*specs[i].first, field, problem);
        }
        if (weekdays & (uint64_t{1} << 7)) weekdays = (weekdays | 1) & 0x7f;  // 7 is Sunday too
        cron.seconds_ = seconds;
        cron.minutes_ = minutes;
        cron.hours_ = hours;
        cron.days_of_month_ = days;
        cron.months_ = months;
        cron.weekdays_ = weekdays;
        // Vixie cron: a day field that starts with `*` is unrestricted (its bits still apply, as an AND).
        cron.day_of_month_restricted_ = fields[offset + 2].front() != '*' && fields[offset + 2].front() != '?';
        cron.weekday_restricted_ = fields[offset + 4].front() != '*' && fields[offset + 4].front() != '?';
        if (!can_fire(cron))
            return failure("\"" + cron.text_ +
                           "\" never fires: none of its months has any of its days of the month (e.g. 30 FEB)");
        return {std::move(cron), ""};
    }

 private:
    static CronParseResult failure(std::string message) { return {std::nullopt, std::move(message)}; }

    static CronParseResult field_failure(const FieldSpec& spec, std::string_view field, const std::string& problem) {
        return failure("the " + std::string(spec.name) + " field \"" + std::string(field) + "\": " + problem +
                       "; accepted: " + std::string(spec.accepted) + "; " + std::string(kSyntax));
    }

    // Weekdays recur in every month, so only a day-of-month that no chosen month has can make an
    // expression dead: when the day-of-month alone decides (the weekday field is unrestricted),
    // or when both must match.
    static bool can_fire(const CronExpression& cron) {
        if (cron.day_of_month_restricted_ && cron.weekday_restricted_) return cron.weekdays_.any();
        for (int month = 1; month <= 12; ++month) {
            if (!cron.months_[static_cast<size_t>(month)]) continue;
            for (int day = 1; day <= days_in_month(month); ++day)
                if (cron.days_of_month_[static_cast<size_t>(day)]) return true;
        }
        return false;
    }
};

CronParseResult parse_cron(std::string_view text) { return CronParser::parse(text); }

bool CronExpression::day_matches(int day_of_month, unsigned weekday) const {
    const bool by_day = days_of_month_[static_cast<size_t>(day_of_month)];
    const bool by_weekday = weekdays_[weekday];
    if (day_of_month_restricted_ && weekday_restricted_) return by_day || by_weekday;
    return by_day && by_weekday;
}

int CronExpression::first_time_of_day(int from_second) const {
    const int from_hour = from_second / 3600;
    const int from_minute = from_second % 3600 / 60;
    for (int hour = from_hour; hour < 24; ++hour) {
        if (!hours_[static_cast<size_t>(hour)]) continue;
        for (int minute = hour == from_hour ? from_minute : 0; minute < 60; ++minute) {
            if (!minutes_[static_cast<size_t>(minute)]) continue;
            const bool first_minute = hour == from_hour && minute == from_minute;
            for (int second = first_minute ? from_second % 60 : 0; second < 60; ++second)
                if (seconds_[static_cast<size_t>(second)]) return hour * 3600 + minute * 60 + second;
        }
    }
    return -1;
}

std::optional<int64_t> CronExpression::next_after(int64_t after_ms) const {
    using std::chrono::days;
    using std::chrono::sys_days;
    const int64_t start = floor_div(after_ms, 1000) + 1;  // strictly after, in whole seconds
    sys_days day{days{floor_div(start, 86400)}};
    int from_second = static_cast<int>(start - floor_div(start, 86400) * 86400);
    const std::chrono::year last_year = std::chrono::year_month_day(day).year() + std::chrono::years(400);
    for (;;) {
        const std::chrono::year_month_day date(day);
        if (date.year() > last_year) return std::nullopt;
        const int month = static_cast<int>(static_cast<unsigned>(date.month()));
        if (!months_[static_cast<size_t>(month)]) {  // skip the whole month
            const std::chrono::year_month next_month = date.year() / date.month() + std::chrono::months(1);
            day = sys_days(next_month / 1);
            from_second = 0;
            continue;
        }
        const int day_of_month = static_cast<int>(static_cast<unsigned>(date.day()));
        if (day_matches(day_of_month, std::chrono::weekday(day).c_encoding())) {
            const int second = first_time_of_day(from_second);
            if (second >= 0) return (day.time_since_epoch().count() * int64_t{86400} + second) * 1000;
        }
        day += days(1);
        from_second = 0;
    }
}

std::vector<int64_t> CronExpression::next_times(int64_t after_ms, size_t count) const {
    std::vector<int64_t> times;
    int64_t cursor = after_ms;
    while (times.size() < count) {
        const std::optional<int64_t> next = next_after(cursor);
        if (!next) break;
        times.push_back(*next);
        cursor = *next;
    }
    return times;
}

std::string utc_text(int64_t epoch_ms) {
    const int64_t seconds = floor_div(epoch_ms, 1000);
    const int64_t day_number = floor_div(seconds, 86400);
    const int64_t second_of_day = seconds - day_number * 86400;
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day_number}}};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(second_of_day / 3600), static_cast<int>(second_of_day % 3600 / 60),
                  static_cast<int>(second_of_day % 60));
    return text;
}

}  // namespace workflow
