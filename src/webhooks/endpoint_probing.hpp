// How many attempts an endpoint may have under way. A healthy endpoint has its share of the
// dispatcher's concurrency. After a failed attempt it is failing, and probed: one attempt at a
// time, the next no sooner than the retry schedule's delay for as many failures in a row (by
// default 5 s, 5 min, 30 min, ..., then every 10 h), until one succeeds. A dead receiver then
// costs an attempt per delay, not one per event; a success makes it healthy again, and its
// parked deliveries due at once (EndpointHealth::recovered).
#pragma once

#include "webhooks/retry_schedule.hpp"

#include "store/webhook_store.hpp"

#include <cstdint>

namespace contactsd::webhooks {

void RecordSuccess(store::EndpointHealth& health, std::int64_t at_ms);
void RecordFailure(store::EndpointHealth& health, std::int64_t at_ms,
                   const RetrySchedule& schedule);
// The attempts the endpoint may start at `now_ms`, with `in_flight` under way.
int AttemptBudget(const store::EndpointHealth& health, std::int64_t now_ms, int in_flight,
                  int max_in_flight);

}  // namespace contactsd::webhooks
