#include "webhooks/signature.hpp"

#include "common/crypto.hpp"

namespace contactsd::webhooks {

std::optional<std::string> SignatureHeader(const std::vector<std::string>& secrets,
                                           std::string_view id, std::int64_t timestamp_s,
                                           std::string_view body) {
  std::string signed_content;
  signed_content.reserve(id.size() + body.size() + 24);
  signed_content.append(id).append(".").append(std::to_string(timestamp_s)).append(".");
  signed_content.append(body);
  std::string header;
  std::string key;
  for (std::string_view secret : secrets) {
    constexpr std::string_view kPrefix = "whsec_";
    if (!secret.starts_with(kPrefix) || !Base64Decode(secret.substr(kPrefix.size()), key)) {
      return std::nullopt;
    }
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += Base64Encode(HmacSha256(key, signed_content));
  }
  return header;
}

}  // namespace contactsd::webhooks
