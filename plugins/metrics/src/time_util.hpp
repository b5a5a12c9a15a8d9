// time_util.hpp: UTC time buckets, budget periods and ISO 8601 text, all in ms since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::metrics {

inline constexpr int64_t kHourMs = 3600 * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;

enum class Bucket { hour, day, week, month };
std::optional<Bucket> parse_bucket(std::string_view name);
std::string_view bucket_name(Bucket bucket);

// The start of the bucket holding `ts_ms`. Weeks start on Monday (ISO 8601).
int64_t bucket_start(Bucket bucket, int64_t ts_ms);
// The start of the bucket after the one starting at `start_ms`.
int64_t bucket_next(Bucket bucket, int64_t start_ms);

int64_t now_ms();

// "2026-11-23T10:00:00.000Z"
std::string iso8601(int64_t ts_ms);
// A time given as ms since the epoch (number or digits) or ISO 8601 UTC ("2026-11-23",
// "2026-11-23T10:00:00Z", with optional fraction). Nullopt when it is neither.
std::optional<int64_t> parse_time(std::string_view text);

}  // namespace switchboard::metrics
