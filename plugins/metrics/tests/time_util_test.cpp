// time_util_test.cpp: UTC buckets and ISO 8601 parsing.
#include <gtest/gtest.h>

#include "time_util.hpp"

namespace switchboard::metrics {
namespace {

int64_t t(const char* text) { return *parse_time(text); }

TEST(TimeUtil, BucketsStartAtUtcBoundaries) {
    const int64_t wednesday = t("2026-03-11T15:42:10.250Z");
    EXPECT_EQ(bucket_start(Bucket::hour, wednesday), t("2026-03-11T15:00:00Z"));
    EXPECT_EQ(bucket_start(Bucket::day, wednesday), t("2026-03-11"));
    EXPECT_EQ(bucket_start(Bucket::week, wednesday), t("2026-03-09"));  // Monday
    EXPECT_EQ(bucket_start(Bucket::week, t("2026-03-09")), t("2026-03-09"));
    EXPECT_EQ(bucket_start(Bucket::month, wednesday), t("2026-03-01"));
    EXPECT_EQ(bucket_next(Bucket::month, t("2026-12-01")), t("2027-01-01"));
    EXPECT_EQ(bucket_next(Bucket::month, t("2028-02-01")) - t("2028-02-01"), 29 * kDayMs);
}

TEST(TimeUtil, IsoTextRoundTrips) {
    EXPECT_EQ(iso8601(t("2026-03-11T15:42:10.250Z")), "2026-03-11T15:42:10.250Z");
    EXPECT_EQ(t("1970-01-01"), 0);
    EXPECT_EQ(t("1700000000000"), 1700000000000);
    EXPECT_EQ(t("2026-03-11T15:42:10+00:00"), t("2026-03-11T15:42:10Z"));
    EXPECT_FALSE(parse_time("2026-13-01").has_value());
    EXPECT_FALSE(parse_time("2026-03-11T15:42:10+02:00").has_value());
    EXPECT_FALSE(parse_time("tomorrow").has_value());
    EXPECT_FALSE(parse_time("").has_value());
}

}  // namespace
}  // namespace switchboard::metrics
