#include "webhooks/retry_schedule.hpp"

#include <gtest/gtest.h>

namespace contactsd::webhooks {
namespace {

TEST(RetrySchedule, TheDefaultIsAboutTwentySevenHours) {
  const RetrySchedule schedule;
  std::int64_t total = 0;
  for (std::int64_t delay : schedule.delays_ms()) total += delay;
  EXPECT_EQ(schedule.delays_ms().size(), 7u);
  EXPECT_EQ(total, ((5 * 60 + 30 * 60 + 27 * 3600) + 5) * 1000);  // 5s 5m 30m 2h 5h 10h 10h
}

TEST(RetrySchedule, ParsesTheFlagsForm) {
  auto schedule = RetrySchedule::Parse("5s,5m,2h");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->delays_ms(), (std::vector<std::int64_t>{5'000, 300'000, 7'200'000}));
  for (const char* bad : {"", ",", "5s,", ",5s", "5s,,5m", "5x", "0s", "-5s", "5"}) {
    EXPECT_FALSE(RetrySchedule::Parse(bad)) << bad;
  }
}

TEST(RetrySchedule, GivesUpAfterTheLastDelay) {
  const RetrySchedule schedule({1000, 2000});
  EXPECT_EQ(schedule.DelayAfter(1, 0.0), 1000);
  EXPECT_EQ(schedule.DelayAfter(2, 0.0), 2000);
  EXPECT_FALSE(schedule.DelayAfter(3, 0.0));
  EXPECT_FALSE(schedule.DelayAfter(0, 0.0));
}

TEST(RetrySchedule, JitterSpreadsByAtMostATenth) {
  const RetrySchedule schedule({10'000});
  EXPECT_EQ(schedule.DelayAfter(1, 1.0), 11'000);
  EXPECT_EQ(schedule.DelayAfter(1, -1.0), 9'000);
  EXPECT_EQ(schedule.DelayAfter(1, 7.0), 11'000);  // clamped
}

}  // namespace
}  // namespace contactsd::webhooks
