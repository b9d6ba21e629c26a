#include "http/cors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace contactsd::http {
namespace {

const std::string* Find(const api::Response& r, std::string_view name) {
  auto it = std::find_if(r.headers.begin(), r.headers.end(),
                         [&](const api::NameValue& h) { return h.first == name; });
  return it == r.headers.end() ? nullptr : &it->second;
}

TEST(Cors, OffByDefault) {
  const CorsPolicy off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.Allows("http://a.example"));
}

TEST(Cors, AllowsExactlyTheListedOrigins) {
  const CorsPolicy policy({"http://a.example", "https://b.example:8443"});
  EXPECT_TRUE(policy.enabled());
  EXPECT_TRUE(policy.Allows("http://a.example"));
  EXPECT_TRUE(policy.Allows("https://b.example:8443"));
  EXPECT_FALSE(policy.Allows("https://a.example"));  // another scheme is another origin
  EXPECT_FALSE(policy.Allows("http://a.example.evil"));
  EXPECT_FALSE(policy.Allows("null"));
  EXPECT_FALSE(policy.Allows(""));
}

TEST(Cors, StarAllowsAnyOrigin) {
  const CorsPolicy any({"*"});
  EXPECT_TRUE(any.Allows("http://anything.example"));
  EXPECT_FALSE(any.Allows(""));
}

TEST(Cors, PreflightAndResponseHeadersNameTheOriginAndNoCredentials) {
  api::Response preflight{204, {}, {}};
  CorsPolicy::AddPreflightHeaders(preflight, "http://a.example", "GET, HEAD, PATCH, OPTIONS");
  EXPECT_EQ(*Find(preflight, "Access-Control-Allow-Origin"), "http://a.example");
  EXPECT_EQ(*Find(preflight, "Vary"), "Origin");
  EXPECT_EQ(*Find(preflight, "Access-Control-Allow-Methods"), "GET, HEAD, PATCH, OPTIONS");
  const std::string& headers = *Find(preflight, "Access-Control-Allow-Headers");
  for (const char* h : {"Authorization", "Content-Type", "If-Match", "If-None-Match",
                        "Idempotency-Key", "X-Request-Id"}) {
    EXPECT_NE(headers.find(h), std::string::npos) << h;
  }
  EXPECT_NE(Find(preflight, "Access-Control-Max-Age"), nullptr);
  EXPECT_EQ(Find(preflight, "Access-Control-Allow-Credentials"), nullptr);

  api::Response answer{200, "{}", {}};
  CorsPolicy::AddResponseHeaders(answer, "http://a.example");
  EXPECT_EQ(*Find(answer, "Access-Control-Allow-Origin"), "http://a.example");
  const std::string& exposed = *Find(answer, "Access-Control-Expose-Headers");
  for (const char* h : {"ETag", "Location", "X-Request-Id", "Idempotent-Replayed"}) {
    EXPECT_NE(exposed.find(h), std::string::npos) << h;
  }
}

}  // namespace
}  // namespace contactsd::http
