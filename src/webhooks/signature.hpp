// Standard Webhooks signing (https://www.standardwebhooks.com): the `webhook-signature` header
// of a delivery is "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) for each secret
// in force, space-separated, where a secret "whsec_<base64>" gives the key's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::webhooks {

// The header's value, or nullopt when a secret is not "whsec_" + base64 (never expected: the
// service makes them).
std::optional<std::string> SignatureHeader(const std::vector<std::string>& secrets,
                                           std::string_view id, std::int64_t timestamp_s,
                                           std::string_view body);

}  // namespace contactsd::webhooks
