#include "webhooks/retry_schedule.hpp"

#include "common/time.hpp"

#include <algorithm>

namespace contactsd::webhooks {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::size_t kMaxRetries = 20;

}  // namespace

RetrySchedule::RetrySchedule()
    : delays_ms_{5 * kSecond, 5 * kMinute, 30 * kMinute, 2 * kHour,
                 5 * kHour,   10 * kHour,  10 * kHour} {}

RetrySchedule::RetrySchedule(std::vector<std::int64_t> delays_ms)
    : delays_ms_(std::move(delays_ms)) {}

std::optional<RetrySchedule> RetrySchedule::Parse(std::string_view text) {
  std::vector<std::int64_t> delays;
  while (!text.empty() || delays.empty()) {
    const std::size_t comma = std::min(text.find(','), text.size());
    auto delay = ParseDuration(text.substr(0, comma));
    if (!delay || *delay <= 0 || delays.size() == kMaxRetries) return std::nullopt;
    delays.push_back(*delay);
    if (comma == text.size()) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // a trailing comma
  }
  return RetrySchedule(std::move(delays));
}

std::optional<std::int64_t> RetrySchedule::DelayAfter(int failed, double jitter) const {
  if (failed < 1 || static_cast<std::size_t>(failed) > delays_ms_.size()) return std::nullopt;
  const auto base = static_cast<double>(delays_ms_[static_cast<std::size_t>(failed) - 1]);
  const double spread = std::clamp(jitter, -1.0, 1.0) * base / 10;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(base + spread));
}

}  // namespace contactsd::webhooks
