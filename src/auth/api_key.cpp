#include "auth/api_key.hpp"

#include "common/crypto.hpp"
#include "common/uuid.hpp"

namespace contactsd::auth {
namespace {

constexpr std::size_t kSecretChars = 40;      // ~238 bits
constexpr std::size_t kShownPrefix = 12;      // "sk_live_" + 4: enough to tell keys apart in a list
constexpr std::size_t kMaxCredential = 8192;  // room for RS256 JWTs with 4096-bit keys

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

IssuedApiKey IssueApiKey(std::string org_id, std::string name, std::int64_t now_ms, Scope scope,
                         std::optional<std::int64_t> expires_at_ms) {
  IssuedApiKey issued;
  issued.secret = std::string(kApiKeyPrefix) + RandomAlphanumeric(kSecretChars);
  store::ApiKey& key = issued.record.key;
  key.id = NewUuidV7(now_ms);
  key.org_id = std::move(org_id);
  key.name = std::move(name);
  key.prefix = issued.secret.substr(0, kShownPrefix);
  key.created_at_ms = now_ms;
  key.scope = std::string(ScopeName(scope));
  key.expires_at_ms = expires_at_ms;
  issued.record.key_hash = Sha256Hex(issued.secret);
  return issued;
}

std::optional<std::string_view> CredentialFromHeader(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.size() > 7 && IEquals(value.substr(0, 7), "bearer ")) {
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (IEquals(value, "bearer")) return std::nullopt;  // the scheme word alone
  if (value.empty() || value.size() > kMaxCredential ||
      value.find_first_of(" \t") != std::string_view::npos) {
    return std::nullopt;
  }
  return value;
}

}  // namespace contactsd::auth
