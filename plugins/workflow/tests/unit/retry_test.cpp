// retry_test.cpp: backoff timing and which failures are retried.
#include "retry.hpp"

#include <gtest/gtest.h>

namespace workflow {
namespace {

TEST(Retry, ExponentialBackoffIsCapped) {
    RetryPolicy policy;
    policy.max_attempts = 10;
    policy.initial_interval_ms = 100;
    policy.backoff_factor = 2.0;
    policy.max_interval_ms = 1000;
    EXPECT_EQ(backoff_delay_ms(policy, 2), 100);  // before the first retry
    EXPECT_EQ(backoff_delay_ms(policy, 3), 200);
    EXPECT_EQ(backoff_delay_ms(policy, 4), 400);
    EXPECT_EQ(backoff_delay_ms(policy, 5), 800);
    EXPECT_EQ(backoff_delay_ms(policy, 6), 1000);  // capped
    EXPECT_EQ(backoff_delay_ms(policy, 60), 1000);
}

TEST(Retry, FactorOneIsConstant) {
    RetryPolicy policy;
    policy.initial_interval_ms = 250;
    policy.backoff_factor = 1.0;
    EXPECT_EQ(backoff_delay_ms(policy, 2), 250);
    EXPECT_EQ(backoff_delay_ms(policy, 9), 250);
}

TEST(Retry, JitterShrinksWithinBounds) {
    RetryPolicy policy;
    policy.initial_interval_ms = 1000;
    policy.jitter = 0.5;
    EXPECT_EQ(backoff_delay_ms(policy, 2, 0.0), 1000);
    EXPECT_EQ(backoff_delay_ms(policy, 2, 1.0), 500);
    EXPECT_EQ(backoff_delay_ms(policy, 2, 0.5), 750);
}

TEST(Retry, AttemptsAndNonRetryableKinds) {
    RetryPolicy policy;
    policy.max_attempts = 3;
    policy.non_retryable = {"call_error"};
    EXPECT_TRUE(should_retry(policy, 1, "tool_error"));
    EXPECT_TRUE(should_retry(policy, 2, "timeout"));
    EXPECT_FALSE(should_retry(policy, 3, "tool_error"));  // the third attempt was the last
    EXPECT_FALSE(should_retry(policy, 1, "call_error"));
    EXPECT_FALSE(should_retry(RetryPolicy{}, 1, "tool_error"));  // default: one attempt
}

}  // namespace
}  // namespace workflow
