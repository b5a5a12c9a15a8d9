// cron.hpp: cron expressions and the next time one fires, in UTC.
//
// Accepted (Vixie cron, crontab(5)):
//   5 fields   minute hour day-of-month month day-of-week
//   6 fields   second minute hour day-of-month month day-of-week (seconds first, as Quartz and
//              Spring write it)
//   macros     @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly
// Each field is a list `a,b,...` of `*`, `n`, `a-b`, `*/s`, `a-b/s` or `a/s` (a to the field's
// maximum). Months take JAN..DEC, weekdays SUN..SAT (any case); day-of-week 0 and 7 are Sunday.
// `?` means `*` in the two day fields (Quartz and Spring write it there).
//
// Days: when both day-of-month and day-of-week are restricted, a day that matches EITHER fires;
// as in Vixie cron, a field counts as unrestricted when it starts with `*` (or `?`), so
// "0 0 */2 * MON" fires on odd days that are Mondays. Pure functions: no clock, no I/O.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace workflow {

class CronExpression {
 public:
    // The first time strictly after `after_ms` (epoch milliseconds, UTC) at which the expression
    // fires, in epoch milliseconds (always a whole second). nullopt when it never fires again
    // within 400 years (the Gregorian calendar repeats after that: it never fires at all).
    std::optional<int64_t> next_after(int64_t after_ms) const;
    // Up to `count` successive fire times after `after_ms`.
    std::vector<int64_t> next_times(int64_t after_ms, size_t count) const;

    const std::string& text() const { return text_; }
    bool has_seconds() const { return has_seconds_; }

 private:
    friend struct CronParser;
    bool day_matches(int day_of_month, unsigned weekday) const;
    // The first second of the day at or after `from_second` (0..86399) that matches, or -1.
    int first_time_of_day(int from_second) const;

    std::string text_;
    bool has_seconds_ = false;
    std::bitset<60> seconds_;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_of_month_;  // 1..31
    std::bitset<13> months_;         // 1..12
    std::bitset<7> weekdays_;        // 0 = Sunday
    bool day_of_month_restricted_ = false;
    bool weekday_restricted_ = false;
};

struct CronParseResult {
    std::optional<CronExpression> expression;
    std::string error;  // when expression is empty: names the field and what it accepts
};

CronParseResult parse_cron(std::string_view text);

// "2026-03-01T12:00:00Z": epoch milliseconds as ISO 8601 UTC, to the second.
std::string utc_text(int64_t epoch_ms);

}  // namespace workflow
