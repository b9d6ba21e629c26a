#include "contacts/cursor.hpp"

#include "common/crypto.hpp"
#include "common/uuid.hpp"

#include <charconv>

namespace contactsd::contacts {
namespace {

constexpr std::size_t kMacBytes = 16;  // 128 bits of HMAC-SHA-256: forging is out of reach
constexpr std::size_t kMaxCursor = 256;

}  // namespace

std::string SignCursor(std::string_view payload, std::string_view secret) {
  std::string signed_payload(payload);
  signed_payload += HmacSha256(secret, payload).substr(0, kMacBytes);
  return Base64UrlEncode(signed_payload);
}

std::optional<std::string> VerifyCursor(std::string_view cursor, std::string_view secret) {
  std::string raw;
  if (cursor.size() > kMaxCursor || !Base64UrlDecode(cursor, raw) || raw.size() <= kMacBytes) {
    return std::nullopt;
  }
  std::string_view payload(raw.data(), raw.size() - kMacBytes);
  std::string_view mac(raw.data() + payload.size(), kMacBytes);
  if (!ConstantTimeEqual(mac, std::string_view(HmacSha256(secret, payload)).substr(0, kMacBytes))) {
    return std::nullopt;
  }
  return std::string(payload);
}

std::string EncodeCursor(std::string_view last_id, std::string_view secret) {
  return SignCursor(last_id, secret);
}

std::optional<std::string> DecodeCursor(std::string_view cursor, std::string_view secret) {
  auto id = VerifyCursor(cursor, secret);
  if (!id || !IsUuid(*id)) return std::nullopt;
  return id;
}

std::string EncodeUpdateCursor(const store::UpdatedPosition& last, std::string_view secret) {
  return SignCursor("updated:" + std::to_string(last.updated_at_ms) + ":" + last.id, secret);
}

std::optional<store::UpdatedPosition> DecodeUpdateCursor(std::string_view cursor,
                                                         std::string_view secret) {
  auto payload = VerifyCursor(cursor, secret);
  constexpr std::string_view kKind = "updated:";
  if (!payload || !payload->starts_with(kKind)) return std::nullopt;
  std::string_view rest = std::string_view(*payload).substr(kKind.size());
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + colon, at);
  std::string_view id = rest.substr(colon + 1);
  if (ec != std::errc() || end != rest.data() + colon || !IsUuid(id)) return std::nullopt;
  return store::UpdatedPosition{at, std::string(id)};
}

}  // namespace contactsd::contacts
