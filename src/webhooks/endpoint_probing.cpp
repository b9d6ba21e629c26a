#include "webhooks/endpoint_probing.hpp"

#include <algorithm>
#include <cstddef>

namespace contactsd::webhooks {

void RecordSuccess(store::EndpointHealth& health, std::int64_t at_ms) {
  if (health.failures > 0) health.recovered = true;
  health.last_success_at_ms = std::max(health.last_success_at_ms, at_ms);
  health.failing_since_ms = 0;
  health.failures = 0;
  health.probe_after_ms = 0;
}

void RecordFailure(store::EndpointHealth& health, std::int64_t at_ms,
                   const RetrySchedule& schedule) {
  const std::vector<std::int64_t>& delays = schedule.delays_ms();
  ++health.failures;
  if (health.failing_since_ms == 0) health.failing_since_ms = at_ms;
  if (delays.empty()) return;  // (a schedule has one delay at least: RetrySchedule::Parse)
  const std::size_t step = std::min(static_cast<std::size_t>(health.failures), delays.size()) - 1;
  health.probe_after_ms = std::max(health.probe_after_ms, at_ms + delays[step]);
}

int AttemptBudget(const store::EndpointHealth& health, std::int64_t now_ms, int in_flight,
                  int max_in_flight) {
  if (health.failures == 0) return std::max(max_in_flight - in_flight, 0);
  return in_flight == 0 && now_ms >= health.probe_after_ms ? 1 : 0;
}

}  // namespace contactsd::webhooks
