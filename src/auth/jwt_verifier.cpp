#include "auth/jwt_verifier.hpp"

#include "auth/jwt_handles.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

namespace contactsd::auth {
namespace {

constexpr std::size_t kMaxToken = 8192;
// Tolerance for clocks that disagree a little between the issuer and us.
constexpr std::int64_t kLeewaySeconds = 30;

// A numeric date claim, absent → nullopt; present but not a number → error. A date beyond
// 64-bit seconds is read as the farthest one there is (a double outside int64's range cannot
// be cast to it).
bool NumericDate(const boost::json::object& claims, std::string_view name,
                 std::optional<std::int64_t>& out) {
  const boost::json::value* v = claims.if_contains(name);
  if (!v) return true;
  if (v->is_int64()) {
    out = v->get_int64();
  } else if (v->is_uint64()) {
    out = static_cast<std::int64_t>(v->get_uint64() > INT64_MAX ? INT64_MAX : v->get_uint64());
  } else if (v->is_double()) {
    const double d = v->get_double();
    if (std::isnan(d)) return false;
    constexpr double kLimit = 9223372036854775808.0;  // 2^63
    out = d >= kLimit ? INT64_MAX : d < -kLimit ? INT64_MIN : static_cast<std::int64_t>(d);
  } else {
    return false;
  }
  return true;
}

// The widest of read, write and admin that a `scope` claim (a space-separated string) names.
std::optional<Scope> WidestScope(std::string_view rest) {
  std::optional<Scope> widest;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view word = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (auto scope = ParseScope(word); scope && (!widest || *scope > *widest)) widest = scope;
  }
  return widest;
}

}  // namespace

Result<JwtVerifier> JwtVerifier::Hs256(std::string secret) {
  if (secret.empty()) return Error::BadRequest("the JWT secret must not be empty");
  return JwtVerifier(Algorithm::kHs256, std::move(secret));
}

Result<JwtVerifier> JwtVerifier::Rs256(std::string public_key_pem) {
  if (public_key_pem.find("-----BEGIN PUBLIC KEY-----") == std::string::npos &&
      public_key_pem.find("-----BEGIN RSA PUBLIC KEY-----") == std::string::npos) {
    return Error::BadRequest("the JWT public key must be a PEM public key");
  }
  return JwtVerifier(Algorithm::kRs256, std::move(public_key_pem));
}

bool LooksLikeJwt(std::string_view credential) {
  int dots = 0;
  for (char c : credential) {
    if (c == '.') {
      ++dots;
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return dots == 2;
}

Result<JwtClaims> JwtVerifier::Verify(std::string_view token, std::int64_t now_s) const {
  if (token.size() > kMaxToken || !LooksLikeJwt(token)) return Error::Unauthenticated();
  std::string text(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                      static_cast<int>(key_.size()));
  JwtHandle jwt(raw);
  if (rc != 0 || !jwt) return Error::Unauthenticated();
  // libjwt verifies with whatever algorithm the token names, and accepts "none" unverified:
  // only the configured algorithm may pass (this also stops HS256 tokens "signed" with a
  // public RS256 key).
  // libjwt also reads "hs256" as HS256; the JOSE names are case-sensitive, so compare the
  // header's own text.
  const char* alg = jwt_get_header(jwt.get(), "alg");
  std::string_view expected = algorithm_ == Algorithm::kHs256 ? "HS256" : "RS256";
  if (alg == nullptr || expected != alg) return Error::Unauthenticated();
  JwtString headers(jwt_get_headers_json(jwt.get(), nullptr));
  if (!headers) return Error::Unauthenticated();
  boost::system::error_code header_ec;
  boost::json::value header = boost::json::parse(headers.get(), header_ec);
  if (header_ec || !header.is_object() || header.get_object().contains("crit")) {
    return Error::Unauthenticated();
  }

  JwtString grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return Error::Unauthenticated();
  boost::system::error_code ec;
  boost::json::value claims = boost::json::parse(grants.get(), ec);
  if (ec || !claims.is_object()) return Error::Unauthenticated();
  const boost::json::object& c = claims.get_object();

  std::optional<std::int64_t> exp, nbf;
  if (!NumericDate(c, "exp", exp) || !NumericDate(c, "nbf", nbf)) return Error::Unauthenticated();
  // The leeway moves `now_s` (a present date), never the claim, which may be INT64_MAX.
  if (exp && now_s - kLeewaySeconds >= *exp) return Error::Unauthenticated();
  if (nbf && now_s + kLeewaySeconds < *nbf) return Error::Unauthenticated();

  JwtClaims out;
  const boost::json::value* account = c.if_contains("account_id");
  if (account && account->is_string() && !account->get_string().empty()) {
    out.account_id = account->get_string();
  } else if (account && account->is_int64()) {
    out.account_id = std::to_string(account->get_int64());
  } else {
    return Error::Unauthenticated();
  }
  // `sub` names who acts (it is recorded as archived_by): a token without one is refused.
  const boost::json::value* sub = c.if_contains("sub");
  if (!sub || !sub->is_string() || sub->get_string().empty()) return Error::Unauthenticated();
  out.subject = sub->get_string();
  if (const boost::json::value* scope = c.if_contains("scope")) {
    if (!scope->is_string()) return Error::Unauthenticated();
    out.scope = WidestScope(scope->get_string()).value_or(Scope::kAdmin);
  }
  return out;
}

}  // namespace contactsd::auth
