// JwtVerifier: checks a bearer JWT with libjwt against the one configured algorithm (HS256 with
// a shared secret, or RS256 with a PEM public key) and reads the claims contactsd uses.
// Refuses `alg: none`, any other algorithm, a bad signature, a token outside exp/nbf, one
// without `account_id` or `sub`, and one whose header lists `crit` extensions (RFC 7515
// §4.1.11: a recipient must refuse a token with critical extensions it does not understand,
// and contactsd understands none).
// Immutable after creation; thread-safe.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace contactsd::auth {

struct JwtClaims {
  std::string account_id;  // the org the token speaks for
  std::string subject;     // `sub`: the user (an email is typical); required
  // `scope`: OAuth's space-separated list; the widest of read, write and admin it names. No
  // claim, or one naming none of those (an identity provider's own scopes, such as
  // "contacts:read openid"): admin, so that tokens issued before scopes keep their rights.
  Scope scope = Scope::kAdmin;
};

class JwtVerifier {
 public:
  // Errors: BadRequest for an empty secret or a key that is not a PEM public key.
  static Result<JwtVerifier> Hs256(std::string secret);
  static Result<JwtVerifier> Rs256(std::string public_key_pem);

  // Every failure is Unauthenticated, whatever its cause. `now_s`: Unix seconds.
  Result<JwtClaims> Verify(std::string_view token, std::int64_t now_s) const;

 private:
  enum class Algorithm { kHs256, kRs256 };
  JwtVerifier(Algorithm algorithm, std::string key) : algorithm_(algorithm), key_(std::move(key)) {}

  Algorithm algorithm_;
  std::string key_;
};

// True when `credential` has the shape of a JWT (three base64url parts).
bool LooksLikeJwt(std::string_view credential);

}  // namespace contactsd::auth
