#include "api/rate_limits.hpp"

#include <gtest/gtest.h>

namespace contactsd::api {
namespace {

using Clock = std::chrono::steady_clock;

TEST(RatePolicy, ReadsARateAndABurst) {
  auto policy = ParseRatePolicy("200/s,burst=400");
  ASSERT_TRUE(policy);
  EXPECT_DOUBLE_EQ(policy->per_second, 200);
  EXPECT_DOUBLE_EQ(policy->burst, 400);
  policy = ParseRatePolicy("120/m");  // burst: a second's worth, at least one
  ASSERT_TRUE(policy);
  EXPECT_DOUBLE_EQ(policy->per_second, 2);
  EXPECT_DOUBLE_EQ(policy->burst, 2);
  EXPECT_DOUBLE_EQ(ParseRatePolicy("60/h")->burst, 1);
  for (const char* bad : {"", "200", "200/d", "0/s", "-3/s", "nan/s", "inf/s", "5/s,burst=0",
                          "5/s,burst=2.5", "5/s,bust=2", "5/s,"}) {
    EXPECT_FALSE(ParseRatePolicy(bad)) << bad;
  }
}

TEST(RateLimits, ABucketEmptiesRefillsAndKeepsTenantsApart) {
  RateLimits limits(RatePolicy{2, 2}, std::nullopt);
  const Principal a{"org-a", "free", "key-a"}, b{"org-b", "free", "key-b"};
  const auto t0 = Clock::now();
  auto first = limits.Take(a, t0);
  EXPECT_TRUE(first.allowed);
  ASSERT_EQ(first.headers.size(), 2u);
  EXPECT_EQ(first.headers[0], (NameValue{"RateLimit-Policy", "\"tenant\";q=2;w=1"}));
  EXPECT_EQ(first.headers[1], (NameValue{"RateLimit", "\"tenant\";r=1;t=1"}));
  EXPECT_TRUE(limits.Take(a, t0).allowed);
  auto refused = limits.Take(a, t0);
  EXPECT_FALSE(refused.allowed);
  ASSERT_EQ(refused.headers.size(), 3u);
  EXPECT_EQ(refused.headers[2], (NameValue{"Retry-After", "1"}));
  EXPECT_TRUE(limits.Take(b, t0).allowed);  // another tenant's bucket
  EXPECT_FALSE(limits.Take(a, t0 + std::chrono::milliseconds(400)).allowed);  // 0.8 token
  EXPECT_TRUE(limits.Take(a, t0 + std::chrono::milliseconds(500)).allowed);   // 1 token back
}

TEST(RateLimits, AKeysBucketIsItsOwn) {
  RateLimits limits(std::nullopt, RatePolicy{1, 1});
  const Principal first{"org-a", "free", "key-1"}, second{"org-a", "free", "key-2"};
  const auto now = Clock::now();
  EXPECT_TRUE(limits.Take(first, now).allowed);
  EXPECT_FALSE(limits.Take(first, now).allowed);
  EXPECT_TRUE(limits.Take(second, now).allowed);
  EXPECT_FALSE(RateLimits(std::nullopt, std::nullopt).enabled());
}

}  // namespace
}  // namespace contactsd::api
