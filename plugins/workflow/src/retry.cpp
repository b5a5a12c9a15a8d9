// retry.cpp: see retry.hpp.
#include "retry.hpp"

#include <algorithm>
#include <cmath>

namespace workflow {

int64_t backoff_delay_ms(const RetryPolicy& policy, int next_attempt, double random01) {
    const int retries_before = std::max(0, next_attempt - 2);
    const double grown =
        static_cast<double>(policy.initial_interval_ms) * std::pow(policy.backoff_factor, retries_before);
    const double capped = std::min(grown, static_cast<double>(policy.max_interval_ms));
    const double jittered = capped * (1.0 - std::clamp(policy.jitter, 0.0, 1.0) * std::clamp(random01, 0.0, 1.0));
    return static_cast<int64_t>(std::llround(jittered));
}

bool should_retry(const RetryPolicy& policy, int attempt, const std::string& error_kind) {
    if (attempt >= policy.max_attempts) return false;
    return std::find(policy.non_retryable.begin(), policy.non_retryable.end(), error_kind) ==
           policy.non_retryable.end();
}

}  // namespace workflow
