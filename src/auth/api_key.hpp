// API keys: "sk_live_" followed by 40 characters from the OS CSPRNG. Only the SHA-256 of a
// key is stored; the secret is shown once, when it is issued.
#pragma once

#include "common/principal.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace contactsd::auth {

inline constexpr std::string_view kApiKeyPrefix = "sk_live_";

struct IssuedApiKey {
  store::NewApiKey record;  // what the store keeps (hash, never the secret)
  std::string secret;       // the key itself, for the caller to show once
};

// `scope`: what it may do; `expires_at_ms`: when it stops working (nullopt: never).
IssuedApiKey IssueApiKey(std::string org_id, std::string name, std::int64_t now_ms,
                         Scope scope = Scope::kAdmin,
                         std::optional<std::int64_t> expires_at_ms = std::nullopt);

// The credential in an Authorization header value: "Bearer <key>" (scheme case-insensitive)
// or the bare key. nullopt when the value is empty, too long, or has stray spaces.
std::optional<std::string_view> CredentialFromHeader(std::string_view authorization);

}  // namespace contactsd::auth
