#include "contacts/cursor.hpp"

#include "common/crypto.hpp"
#include "common/uuid.hpp"

namespace contactsd::contacts {
namespace {

constexpr std::size_t kMacBytes = 16;  // 128 bits of HMAC-SHA-256: forging is out of reach
constexpr std::size_t kMaxCursor = 128;

}  // namespace

std::string EncodeCursor(std::string_view last_id, std::string_view secret) {
  std::string payload(last_id);
  payload += HmacSha256(secret, last_id).substr(0, kMacBytes);
  return Base64UrlEncode(payload);
}

std::optional<std::string> DecodeCursor(std::string_view cursor, std::string_view secret) {
  std::string raw;
  if (cursor.size() > kMaxCursor || !Base64UrlDecode(cursor, raw) || raw.size() <= kMacBytes) {
    return std::nullopt;
  }
  std::string_view id(raw.data(), raw.size() - kMacBytes);
  std::string_view mac(raw.data() + id.size(), kMacBytes);
  if (!ConstantTimeEqual(mac, std::string_view(HmacSha256(secret, id)).substr(0, kMacBytes)) ||
      !IsUuid(id)) {
    return std::nullopt;
  }
  return std::string(id);
}

}  // namespace contactsd::contacts
