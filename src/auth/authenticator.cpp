#include "auth/authenticator.hpp"

#include "auth/api_key.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"

namespace contactsd::auth {

Result<Principal> Authenticator::Authenticate(const std::string* authorization) const {
  if (!authorization) return Error::Unauthenticated();
  auto credential = CredentialFromHeader(*authorization);
  if (!credential) return Error::Unauthenticated();
  if (jwt_ && !credential->starts_with(kApiKeyPrefix) && LooksLikeJwt(*credential)) {
    return FromJwt(*credential);
  }
  return FromApiKey(*credential);
}

Result<Principal> Authenticator::FromJwt(std::string_view token) const {
  auto claims = jwt_->Verify(token, NowMillis() / 1000);
  if (!claims.ok()) return std::move(claims).error();
  auto org = store_.GetOrg(claims->account_id);
  if (!org.ok()) {
    if (org.error().code == ErrorCode::kNotFound) return Error::Unauthenticated();
    return std::move(org).error();
  }
  Principal principal{org->id, org->plan, claims->subject, "jwt", {}};
  principal.scope = claims->scope;
  return principal;
}

Result<Principal> Authenticator::FromApiKey(std::string_view credential) const {
  // Hash whatever the credential looks like, so a well-formed unknown key and a malformed one
  // take the same path.
  std::string key_hash = Sha256Hex(credential);
  // Read before the lookup: a key revoked after it then fails at the next request.
  auto version = store_.CredentialsVersion();
  if (!version.ok()) return std::move(version).error();
  const std::int64_t now_ms = NowMillis();
  if (auto cached = api_keys_.Find(key_hash, *version, now_ms)) {
    if (cached->expires_at_ms && now_ms >= *cached->expires_at_ms) {
      return Error::Unauthenticated();
    }
    return std::move(*cached);
  }
  auto key = store_.FindApiKeyByHash(key_hash);
  if (!key.ok()) {
    if (key.error().code == ErrorCode::kNotFound) return Error::Unauthenticated();
    return std::move(key).error();
  }
  auto org = store_.GetOrg(key->org_id);
  if (!org.ok()) {
    if (org.error().code == ErrorCode::kNotFound) return Error::Unauthenticated();
    return std::move(org).error();
  }
  Principal principal{key->org_id, org->plan, key->id, "api_key", {}};
  // A scope this server does not know (written by a newer one) grants the least.
  principal.scope = ParseScope(key->scope).value_or(Scope::kRead);
  principal.expires_at_ms = key->expires_at_ms;
  if (principal.expires_at_ms && now_ms >= *principal.expires_at_ms) {
    return Error::Unauthenticated();
  }
  api_keys_.Insert(std::move(key_hash), principal, *version, now_ms);
  return principal;
}

Status Authenticator::FlushKeyUses() const {
  auto uses = api_keys_.TakeUses();
  return store_.TouchApiKeys(uses);
}

}  // namespace contactsd::auth
