// RateLimits: token buckets per tenant and per credential, off unless configured
// (`--rate-limit 200/s,burst=400`, `--key-rate-limit ...`). Each authenticated request takes one
// token from its tenant's bucket and its credential's; a request that finds either empty is
// answered 429 rate_limited with Retry-After, and every answer to an authenticated request carries
// the IETF httpapi draft's RateLimit-Policy and RateLimit fields. Buckets live in this process:
// with N servers behind a balancer, a tenant gets up to N times the rate (docs/operations.md).
//
// Thread-safe: buckets are spread over mutex-guarded stripes by their key's hash, so two
// tenants rarely wait for each other.
#pragma once

#include "api/request.hpp"
#include "common/principal.hpp"

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace contactsd::api {

struct RatePolicy {
  double per_second = 0;  // tokens added per second
  double burst = 0;       // the bucket's size: how many requests may come at once
};

// "200/s", "6000/m" or "100000/h", optionally ",burst=N" (default: one second's worth, at least
// 1). nullopt when malformed or not positive.
std::optional<RatePolicy> ParseRatePolicy(std::string_view text);

class RateLimits {
 public:
  RateLimits(std::optional<RatePolicy> per_tenant, std::optional<RatePolicy> per_key);

  bool enabled() const { return per_tenant_ || per_key_; }

  struct Decision {
    bool allowed = true;
    std::vector<NameValue> headers;  // RateLimit-Policy, RateLimit (and Retry-After when refused)
  };
  Decision Take(const Principal& who, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
  };
  struct Stripe {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;  // guarded by mu
  };
  struct Outcome {
    bool allowed;
    double tokens;  // left after this request
  };
  Outcome TakeFrom(const RatePolicy& policy, const std::string& key,
                   std::chrono::steady_clock::time_point now);

  std::optional<RatePolicy> per_tenant_;
  std::optional<RatePolicy> per_key_;
  std::array<Stripe, 64> stripes_;
};

}  // namespace contactsd::api
