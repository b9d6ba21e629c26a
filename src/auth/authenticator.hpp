// Authenticator: an Authorization header → the Principal it speaks for, or a 401.
// Every failure (missing, malformed, unknown, revoked) is the same error, so a caller learns
// nothing about which it was (an expired key included). A key seen before is answered from an
// ApiKeyCache that any revoke invalidates (Store::CredentialsVersion). Thread-safe.
#pragma once

#include "auth/api_key_cache.hpp"
#include "auth/jwt_verifier.hpp"
#include "common/principal.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

#include <string>

namespace contactsd::auth {

class Authenticator {
 public:
  // `jwt`: when set, bearer JWTs are accepted beside API keys (owned by the caller, outlives
  // this object).
  explicit Authenticator(store::Store& store, const JwtVerifier* jwt = nullptr)
      : store_(store), jwt_(jwt) {}

  // `authorization` is the header's value, or nullptr when the request had none.
  Result<Principal> Authenticate(const std::string* authorization) const;
  // Whether bearer JWTs are accepted beside API keys.
  bool accepts_jwt() const { return jwt_ != nullptr; }
  // Writes when each API key was last used, as seen since the last call (one store write for
  // all of them); the server calls it every little while and once when it stops.
  Status FlushKeyUses() const;

 private:
  Result<Principal> FromApiKey(std::string_view key) const;
  Result<Principal> FromJwt(std::string_view token) const;

  store::Store& store_;
  const JwtVerifier* jwt_;
  mutable ApiKeyCache api_keys_;  // a cache: filling it does not change what is answered
};

}  // namespace contactsd::auth
