// When a failed delivery is tried again: a list of delays, one per failed attempt
// (--webhook-retry-schedule "5s,5m,30m,2h,5h,10h,10h": after the first failure 5 s, ... after
// the seventh 10 h; the eighth failure gives the delivery up).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace contactsd::webhooks {

class RetrySchedule {
 public:
  // The default: about 27 hours from the first attempt to the last.
  RetrySchedule();
  explicit RetrySchedule(std::vector<std::int64_t> delays_ms);

  // "5s,5m,30m" (durations as common/time.hpp reads them, at least one, at most 20); nullopt
  // for anything else.
  static std::optional<RetrySchedule> Parse(std::string_view text);

  // The delay before the next attempt after `failed` failed attempts (1 for the first), with
  // `jitter` in [-1, 1] spreading it by up to a tenth, so that deliveries that failed together
  // are not all retried at once; nullopt when the delivery is to be given up.
  std::optional<std::int64_t> DelayAfter(int failed, double jitter) const;

  const std::vector<std::int64_t>& delays_ms() const { return delays_ms_; }

 private:
  std::vector<std::int64_t> delays_ms_;
};

}  // namespace contactsd::webhooks
