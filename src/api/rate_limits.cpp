#include "api/rate_limits.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

namespace contactsd::api {
namespace {

// Past this many buckets in a stripe, the full ones (idle long enough to have refilled) go: a
// full bucket is what a missing one would be made as.
constexpr std::size_t kStripeBuckets = 4096;

std::optional<double> Number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

long long Seconds(double value) { return static_cast<long long>(std::ceil(value)); }

}  // namespace

std::optional<RatePolicy> ParseRatePolicy(std::string_view text) {
  const std::size_t comma = text.find(',');
  std::string_view rate = text.substr(0, comma);
  const std::size_t slash = rate.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto count = Number(rate.substr(0, slash));
  const std::string_view unit = rate.substr(slash + 1);
  const double per = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (!count || per == 0) return std::nullopt;
  RatePolicy policy{*count / per, std::max(1.0, std::floor(*count / per))};
  if (comma != std::string_view::npos) {
    std::string_view option = text.substr(comma + 1);
    constexpr std::string_view kBurst = "burst=";
    if (!option.starts_with(kBurst)) return std::nullopt;
    auto burst = Number(option.substr(kBurst.size()));
    if (!burst || *burst < 1 || std::floor(*burst) != *burst) return std::nullopt;
    policy.burst = *burst;
  }
  return policy;
}

RateLimits::RateLimits(std::optional<RatePolicy> per_tenant, std::optional<RatePolicy> per_key)
    : per_tenant_(per_tenant), per_key_(per_key) {}

RateLimits::Outcome RateLimits::TakeFrom(const RatePolicy& policy, const std::string& key,
                                         std::chrono::steady_clock::time_point now) {
  Stripe& stripe = stripes_[std::hash<std::string>{}(key) % stripes_.size()];
  std::lock_guard lock(stripe.mu);
  if (stripe.buckets.size() >= kStripeBuckets && !stripe.buckets.contains(key)) {
    std::erase_if(stripe.buckets, [&](const auto& entry) {
      const double idle = std::chrono::duration<double>(now - entry.second.refilled).count();
      return entry.second.tokens + idle * policy.per_second >= policy.burst;
    });
  }
  auto [it, made] = stripe.buckets.try_emplace(key, Bucket{policy.burst, now});
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens =
      std::min(policy.burst, bucket.tokens + std::max(0.0, elapsed) * policy.per_second);
  bucket.refilled = now;
  if (bucket.tokens < 1) return {false, bucket.tokens};
  bucket.tokens -= 1;
  return {true, bucket.tokens};
}

RateLimits::Decision RateLimits::Take(const Principal& who,
                                      std::chrono::steady_clock::time_point now) {
  Decision decision;
  std::string policies, states;
  double retry_after = 0;
  auto take = [&](std::string_view name, const RatePolicy& policy, const std::string& key) {
    const Outcome outcome = TakeFrom(policy, key, now);
    // The draft's fields: the quota (the burst) and its window (the time to refill it whole);
    // what is left and when the bucket is whole again.
    if (!policies.empty()) policies += ", ";
    policies += "\"" + std::string(name) + "\";q=" + std::to_string(Seconds(policy.burst)) +
                ";w=" + std::to_string(std::max(1LL, Seconds(policy.burst / policy.per_second)));
    if (!states.empty()) states += ", ";
    const double left = std::max(0.0, outcome.tokens);
    states += "\"" + std::string(name) + "\";r=" + std::to_string(static_cast<long long>(left)) +
              ";t=" + std::to_string(Seconds((policy.burst - left) / policy.per_second));
    if (!outcome.allowed) {
      decision.allowed = false;
      retry_after = std::max(retry_after, (1 - outcome.tokens) / policy.per_second);
    }
  };
  if (per_tenant_) take("tenant", *per_tenant_, "t:" + who.org_id);
  if (per_key_) take("key", *per_key_, "k:" + who.credential + ":" + who.subject);
  if (!policies.empty()) {
    decision.headers.emplace_back("RateLimit-Policy", std::move(policies));
    decision.headers.emplace_back("RateLimit", std::move(states));
  }
  if (!decision.allowed) {
    decision.headers.emplace_back("Retry-After",
                                  std::to_string(std::max(1LL, Seconds(retry_after))));
  }
  return decision;
}

}  // namespace contactsd::api
