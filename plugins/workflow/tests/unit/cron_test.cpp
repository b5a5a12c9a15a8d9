// cron_test.cpp: cron parsing (fields, names, macros, error messages) and the next fire time
// across month ends, leap years, the day-of-month / day-of-week OR rule and steps.
#include "cron.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

namespace workflow {
namespace {

// "2024-02-29T12:00:00Z" -> epoch ms.
int64_t at(const char* text) {
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    EXPECT_EQ(std::sscanf(text, "%d-%u-%uT%u:%u:%uZ", &year, &month, &day, &hour, &minute, &second), 6) << text;
    const std::chrono::sys_days date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
    return (date.time_since_epoch().count() * int64_t{86400} + hour * 3600 + minute * 60 + second) * 1000;
}

CronExpression cron(const char* text) {
    CronParseResult parsed = parse_cron(text);
    EXPECT_TRUE(parsed.expression) << text << ": " << parsed.error;
    return parsed.expression.value_or(CronExpression{});
}

// The fire times after `after`, as UTC text.
std::vector<std::string> next(const char* expression, const char* after, size_t count = 1) {
    std::vector<std::string> texts;
    for (int64_t time : cron(expression).next_times(at(after), count)) texts.push_back(utc_text(time));
    return texts;
}

using Times = std::vector<std::string>;

std::string error_of(const char* text) {
    CronParseResult parsed = parse_cron(text);
    EXPECT_FALSE(parsed.expression) << text << " parsed, expected an error";
    return parsed.error;
}

TEST(CronTest, EveryMinuteIsStrictlyAfter) {
    EXPECT_EQ(next("* * * * *", "2024-01-01T00:00:30Z"), Times{"2024-01-01T00:01:00Z"});
    EXPECT_EQ(next("* * * * *", "2024-01-01T00:01:00Z"), Times{"2024-01-01T00:02:00Z"});
    EXPECT_EQ(cron("* * * * *").next_after(at("2024-01-01T00:00:59Z") + 999), at("2024-01-01T00:01:00Z"));
}

TEST(CronTest, RollsOverDayMonthAndYear) {
    EXPECT_EQ(next("0 0 * * *", "2024-12-31T23:59:59Z"), Times{"2025-01-01T00:00:00Z"});
    EXPECT_EQ(next("0 0 1 1 *", "2024-01-01T00:00:00Z"), Times{"2025-01-01T00:00:00Z"});
    EXPECT_EQ(next("59 59 23 * * *", "2024-03-10T23:59:59Z"), Times{"2024-03-11T23:59:59Z"});
}

TEST(CronTest, DayThirtyOneSkipsShortMonths) {
    EXPECT_EQ(next("0 0 31 * *", "2024-04-01T00:00:00Z", 3),
              (Times{"2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z"}));
    EXPECT_EQ(next("0 12 30 * *", "2024-01-30T12:00:00Z"), Times{"2024-03-30T12:00:00Z"});  // not February
}

TEST(CronTest, FebruaryTwentyNinthFiresInLeapYearsOnly) {
    EXPECT_EQ(next("0 0 29 2 *", "2023-03-01T00:00:00Z"), Times{"2024-02-29T00:00:00Z"});
    EXPECT_EQ(next("0 0 29 2 *", "2024-02-29T00:00:00Z"), Times{"2028-02-29T00:00:00Z"});
    // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
    EXPECT_EQ(next("0 0 29 2 *", "2096-03-01T00:00:00Z"), Times{"2104-02-29T00:00:00Z"});
    EXPECT_EQ(next("0 0 29 2 *", "1999-01-01T00:00:00Z"), Times{"2000-02-29T00:00:00Z"});
}

TEST(CronTest, LastDayOfFebruaryInLeapAndCommonYears) {
    EXPECT_EQ(next("0 0 28,29 2 *", "2023-01-01T00:00:00Z", 3),
              (Times{"2023-02-28T00:00:00Z", "2024-02-28T00:00:00Z", "2024-02-29T00:00:00Z"}));
}

TEST(CronTest, RestrictedDayOfMonthAndWeekdayFireOnEither) {
    // October 2024: the 13th is a Sunday; Fridays are the 4th, 11th, 18th, 25th.
    EXPECT_EQ(next("0 0 13 * 5", "2024-10-01T00:00:00Z", 4),
              (Times{"2024-10-04T00:00:00Z", "2024-10-11T00:00:00Z", "2024-10-13T00:00:00Z", "2024-10-18T00:00:00Z"}));
}

TEST(CronTest, ADayFieldStartingWithStarIsUnrestrictedSoBothMustMatch) {
    // Vixie cron: "*/2" counts as unrestricted, so odd days that are Tuesdays. Tuesdays of
    // October 2024: 1, 8, 15; the 1st is not strictly after the start, the 8th is even.
    EXPECT_EQ(next("0 0 */2 * TUE", "2024-10-01T00:00:00Z"), Times{"2024-10-15T00:00:00Z"});
    // The same days written without the star are restricted: odd days OR Tuesdays.
    EXPECT_EQ(next("0 0 1-31/2 * TUE", "2024-10-01T00:00:00Z", 3),
              (Times{"2024-10-03T00:00:00Z", "2024-10-05T00:00:00Z", "2024-10-07T00:00:00Z"}));
    EXPECT_EQ(next("0 0 1-31/2 * TUE", "2024-10-07T00:00:00Z", 2),
              (Times{"2024-10-08T00:00:00Z", "2024-10-09T00:00:00Z"}));
    // A star weekday: the day of the month alone decides.
    EXPECT_EQ(next("0 0 13 * *", "2024-10-01T00:00:00Z"), Times{"2024-10-13T00:00:00Z"});
    // `?` is `*`.
    EXPECT_EQ(next("0 0 ? * MON", "2024-10-01T00:00:00Z"), Times{"2024-10-07T00:00:00Z"});
}

TEST(CronTest, SundayIsZeroAndSeven) {
    EXPECT_EQ(next("0 0 * * 7", "2024-10-01T00:00:00Z"), Times{"2024-10-06T00:00:00Z"});
    EXPECT_EQ(next("0 0 * * 0", "2024-10-01T00:00:00Z"), Times{"2024-10-06T00:00:00Z"});
    EXPECT_EQ(next("0 0 * * 5-7", "2024-10-01T00:00:00Z", 3),
              (Times{"2024-10-04T00:00:00Z", "2024-10-05T00:00:00Z", "2024-10-06T00:00:00Z"}));
}

TEST(CronTest, MonthAndWeekdayNamesInAnyCase) {
    // 1 July 2024 is a Monday.
    EXPECT_EQ(next("0 9 * JAN,jul Mon-Fri", "2024-06-30T00:00:00Z", 2),
              (Times{"2024-07-01T09:00:00Z", "2024-07-02T09:00:00Z"}));
    EXPECT_EQ(next("0 0 1 dec *", "2024-01-15T00:00:00Z"), Times{"2024-12-01T00:00:00Z"});
}

TEST(CronTest, StepsRangesAndLists) {
    EXPECT_EQ(next("*/15 * * * *", "2024-01-01T00:00:00Z", 3),
              (Times{"2024-01-01T00:15:00Z", "2024-01-01T00:30:00Z", "2024-01-01T00:45:00Z"}));
    EXPECT_EQ(next("10-50/20 * * * *", "2024-01-01T00:00:00Z", 4),
              (Times{"2024-01-01T00:10:00Z", "2024-01-01T00:30:00Z", "2024-01-01T00:50:00Z", "2024-01-01T01:10:00Z"}));
    EXPECT_EQ(next("5/20 * * * *", "2024-01-01T00:06:00Z", 2), (Times{"2024-01-01T00:25:00Z", "2024-01-01T00:45:00Z"}));
    EXPECT_EQ(next("0 9-10,15 * * *", "2024-01-01T09:30:00Z", 3),
              (Times{"2024-01-01T10:00:00Z", "2024-01-01T15:00:00Z", "2024-01-02T09:00:00Z"}));
    EXPECT_EQ(next("0 0 1-31/10 * *", "2024-01-01T00:00:00Z", 3),
              (Times{"2024-01-11T00:00:00Z", "2024-01-21T00:00:00Z", "2024-01-31T00:00:00Z"}));
}

TEST(CronTest, SecondsFieldComesFirst) {
    EXPECT_TRUE(cron("*/1 * * * * *").has_seconds());
    EXPECT_FALSE(cron("* * * * *").has_seconds());
    EXPECT_EQ(cron("*/1 * * * * *").next_after(at("2024-01-01T00:00:00Z") + 500), at("2024-01-01T00:00:01Z"));
    EXPECT_EQ(next("30 0 0 1 1 *", "2024-01-01T00:00:30Z"), Times{"2025-01-01T00:00:30Z"});
    EXPECT_EQ(next("*/20 * * * * *", "2024-01-01T00:00:41Z", 2),
              (Times{"2024-01-01T00:01:00Z", "2024-01-01T00:01:20Z"}));
}

TEST(CronTest, Macros) {
    EXPECT_EQ(next("@hourly", "2024-01-01T00:10:00Z"), Times{"2024-01-01T01:00:00Z"});
    EXPECT_EQ(next("@daily", "2024-01-01T00:10:00Z"), Times{"2024-01-02T00:00:00Z"});
    EXPECT_EQ(next("@midnight", "2024-01-01T00:10:00Z"), Times{"2024-01-02T00:00:00Z"});
    EXPECT_EQ(next("@weekly", "2024-10-01T00:00:00Z"), Times{"2024-10-06T00:00:00Z"});  // Sunday
    EXPECT_EQ(next("@monthly", "2024-01-31T00:00:00Z"), Times{"2024-02-01T00:00:00Z"});
    EXPECT_EQ(next("@yearly", "2024-06-01T00:00:00Z"), Times{"2025-01-01T00:00:00Z"});
    EXPECT_EQ(next("@ANNUALLY", "2024-06-01T00:00:00Z"), Times{"2025-01-01T00:00:00Z"});
}

TEST(CronTest, KeepsTheTextTrimmed) { EXPECT_EQ(cron("  */5  *\t* * *  ").text(), "*/5  *\t* * *"); }

TEST(CronTest, BadInputNamesTheFieldAndWhatIsAccepted) {
    EXPECT_NE(error_of("").find("a cron expression is required: 5 fields"), std::string::npos);
    EXPECT_NE(error_of("* * * *").find("got 4 fields"), std::string::npos);
    EXPECT_NE(error_of("* * * * * * *").find("got 7 fields"), std::string::npos);

    const std::string minute = error_of("60 * * * *");
    EXPECT_NE(minute.find("the minute field \"60\": 60 is out of range; accepted: 0-59"), std::string::npos) << minute;
    EXPECT_NE(error_of("* 24 * * *").find("the hour field \"24\": 24 is out of range; accepted: 0-23"),
              std::string::npos);
    EXPECT_NE(error_of("* * 0 * *").find("the day-of-month field \"0\": 0 is out of range; accepted: 1-31"),
              std::string::npos);
    EXPECT_NE(error_of("* * * 13 *").find("the month field \"13\": 13 is out of range; accepted: 1-12 or JAN-DEC"),
              std::string::npos);
    EXPECT_NE(error_of("* * * * 8").find("the day-of-week field \"8\": 8 is out of range; accepted: 0-7"),
              std::string::npos);
    EXPECT_NE(error_of("* * * * MON-FOO").find("\"FOO\" is not a number or a name"), std::string::npos);
    EXPECT_NE(error_of("* * * JANUARY *").find("\"JANUARY\" is not a number or a name"), std::string::npos);
    EXPECT_NE(error_of("x * * * *").find("\"x\" is not a whole number"), std::string::npos);
    EXPECT_NE(error_of("MON * * * *").find("the minute field \"MON\""),
              std::string::npos);  // names only where they belong
    EXPECT_NE(error_of("5-3 * * * *").find("the range \"5-3\" goes backwards"), std::string::npos);
    EXPECT_NE(error_of("*/0 * * * *").find("the step \"0\" in \"*/0\" must be a whole number >= 1"), std::string::npos);
    EXPECT_NE(error_of("*/x * * * *").find("must be a whole number >= 1"), std::string::npos);
    EXPECT_NE(error_of("1,,2 * * * *").find("an empty list item"), std::string::npos);
    EXPECT_NE(error_of("1- * * * *").find("a value is missing"), std::string::npos);
    EXPECT_NE(error_of("? * * * *").find("the minute field \"?\""), std::string::npos);  // `?` only in day fields
    EXPECT_NE(error_of("60 * * * * *").find("the second field \"60\""), std::string::npos);
    EXPECT_NE(error_of("0 0 L 2 *").find("the day-of-month field \"L\""), std::string::npos);
    EXPECT_NE(error_of("@reboot").find("@reboot is not supported"), std::string::npos);
    EXPECT_NE(error_of("@often").find("unknown macro \"@often\"; accepted:"), std::string::npos);
    EXPECT_NE(error_of("0 0 30 2 *").find("never fires"), std::string::npos);
    EXPECT_NE(error_of("0 0 31 4,6 *").find("never fires"), std::string::npos);
    // A restricted weekday rescues an impossible day: either one matching fires.
    EXPECT_TRUE(parse_cron("0 0 30 2 MON").expression);
}

TEST(CronTest, UtcText) {
    EXPECT_EQ(utc_text(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(utc_text(at("2024-02-29T23:59:59Z") + 999), "2024-02-29T23:59:59Z");
}

}  // namespace
}  // namespace workflow
