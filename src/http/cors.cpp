#include "http/cors.hpp"

#include <algorithm>
#include <utility>

namespace contactsd::http {
namespace {

// What a browser app sends beyond the CORS-safelisted headers.
constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id";
// What it may read beyond the safelisted response headers.
constexpr std::string_view kExposeHeaders =
    "ETag, Location, X-Request-Id, Retry-After, WWW-Authenticate, Idempotent-Replayed, "
    "RateLimit, RateLimit-Policy";
// How long a browser may cache a preflight's answer, in seconds.
constexpr std::string_view kMaxAge = "600";

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins) {
  for (std::string& origin : origins) {
    if (origin == "*") {
      any_ = true;
    } else if (!origin.empty()) {
      origins_.push_back(std::move(origin));
    }
  }
}

bool CorsPolicy::Allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::AddPreflightHeaders(api::Response& answer, std::string_view origin,
                                     std::string_view allow) {
  answer.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  answer.headers.emplace_back("Vary", "Origin");
  answer.headers.emplace_back("Access-Control-Allow-Methods", std::string(allow));
  answer.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
  answer.headers.emplace_back("Access-Control-Max-Age", std::string(kMaxAge));
}

void CorsPolicy::AddResponseHeaders(api::Response& answer, std::string_view origin) {
  answer.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  answer.headers.emplace_back("Vary", "Origin");
  answer.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposeHeaders));
}

}  // namespace contactsd::http
