// What a webhook endpoint may be: its URL (scheme, host, and the addresses the host resolves
// to: the server-side request forgery guard), its event patterns, its description. Pure checks
// but for the host name's resolution (getaddrinfo). Errors are 400 "validation_failed" with a
// detail naming the field and the rule.
#pragma once

#include "common/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::contacts {

struct WebhookPolicy {
  bool allow_private = false;  // --webhook-allow-private: loopback and private addresses too
  bool allow_http = false;     // --webhook-allow-http: http:// URLs too
};

inline constexpr std::size_t kMaxWebhookUrlBytes = 2048;
inline constexpr std::size_t kMaxWebhookDescriptionBytes = 500;
inline constexpr std::size_t kMaxWebhookPatterns = 32;

// The URL's rules: absolute http(s) URL, no credentials or fragment, a host whose every address
// may be reached under `policy` (a literal address is checked as is; a name is resolved now,
// and again by the sender at every connection, so a name that later resolves elsewhere is
// refused then).
Status CheckWebhookUrl(std::string_view url, const WebhookPolicy& policy);

// Each pattern is "*", "<group>.*" (e.g. "contact.*") or one of `known` types; at least one.
Status CheckEventPatterns(const std::vector<std::string>& patterns,
                          const std::vector<std::string>& known);

// Whether an event of `type` goes to an endpoint with these patterns.
bool PatternsMatch(const std::vector<std::string>& patterns, std::string_view type);

// A new signing secret: "whsec_" and the base64 of 32 random bytes (Standard Webhooks).
std::string NewWebhookSecret();

}  // namespace contactsd::contacts
