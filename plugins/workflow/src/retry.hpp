// retry.hpp: the retry policy of a task and the backoff between attempts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace workflow {

struct RetryPolicy {
    int max_attempts = 1;  // total attempts, the first included
    int64_t initial_interval_ms = 1000;
    double backoff_factor = 2.0;
    int64_t max_interval_ms = 60000;
    double jitter = 0.0;                     // 0..1: the delay is scaled by a random factor in [1 - jitter, 1]
    std::vector<std::string> non_retryable;  // error kinds that end the task at once
};

// The wait before attempt `next_attempt` (2 for the first retry):
// min(initial * factor^(next_attempt - 2), max), scaled by (1 - jitter * random01).
int64_t backoff_delay_ms(const RetryPolicy& policy, int next_attempt, double random01 = 0.0);

// Whether a task whose attempt `attempt` failed with `error_kind` gets another attempt.
bool should_retry(const RetryPolicy& policy, int attempt, const std::string& error_kind);

}  // namespace workflow
