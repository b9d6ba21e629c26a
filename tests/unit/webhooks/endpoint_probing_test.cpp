// Probing a failing endpoint: one attempt at a time, spaced by the retry schedule's delays as
// the failures add up, and the whole budget back after a success.
#include "webhooks/endpoint_probing.hpp"

#include <gtest/gtest.h>

namespace contactsd::webhooks {
namespace {

constexpr std::int64_t kAt = 1'800'000'000'000;

TEST(EndpointProbing, AHealthyEndpointHasItsShareLessWhatIsInFlight) {
  store::EndpointHealth health;
  EXPECT_EQ(AttemptBudget(health, kAt, 0, 16), 16);
  EXPECT_EQ(AttemptBudget(health, kAt, 10, 16), 6);
  EXPECT_EQ(AttemptBudget(health, kAt, 20, 16), 0);
}

TEST(EndpointProbing, AFailingEndpointIsProbedOneAtATimeAlongTheSchedule) {
  const RetrySchedule schedule({5'000, 60'000});
  store::EndpointHealth health;
  RecordFailure(health, kAt, schedule);
  EXPECT_EQ(health.failures, 1);
  EXPECT_EQ(health.failing_since_ms, kAt);
  EXPECT_EQ(health.probe_after_ms, kAt + 5'000);
  EXPECT_EQ(AttemptBudget(health, kAt + 4'999, 0, 16), 0);
  EXPECT_EQ(AttemptBudget(health, kAt + 5'000, 0, 16), 1);
  EXPECT_EQ(AttemptBudget(health, kAt + 5'000, 1, 16), 0);  // the probe is under way

  RecordFailure(health, kAt + 5'100, schedule);
  EXPECT_EQ(health.probe_after_ms, kAt + 65'100);
  RecordFailure(health, kAt + 65'200, schedule);  // past the schedule's end: its last delay
  EXPECT_EQ(health.probe_after_ms, kAt + 125'200);
  EXPECT_EQ(health.failing_since_ms, kAt);
  EXPECT_FALSE(health.recovered);

  RecordSuccess(health, kAt + 125'300);
  EXPECT_EQ(health.failures, 0);
  EXPECT_EQ(health.failing_since_ms, 0);
  EXPECT_EQ(health.probe_after_ms, 0);
  EXPECT_EQ(health.last_success_at_ms, kAt + 125'300);
  EXPECT_TRUE(health.recovered);  // its parked deliveries are due at once
  EXPECT_EQ(AttemptBudget(health, kAt + 125'300, 0, 16), 16);
}

TEST(EndpointProbing, ASuccessWhileHealthyRecoversNothing) {
  store::EndpointHealth health;
  RecordSuccess(health, kAt);
  EXPECT_FALSE(health.recovered);
  RecordSuccess(health, kAt - 10);  // recorded late
  EXPECT_EQ(health.last_success_at_ms, kAt);
}

}  // namespace
}  // namespace contactsd::webhooks
