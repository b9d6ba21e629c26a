// Bearer JWTs (auth/jwt_verifier.*): the input is the token, as the Authorization header carries
// it (auth::CredentialFromHeader reads it out of "Bearer <token>" first). It is verified as it
// is by an HS256 verifier with a fixed secret and by an RS256 one with a fixed public key (a
// token that passes either is signed with their keys, which a fuzzer cannot do). To reach what
// follows the signature (the alg check, the claims, exp and nbf), the token is then verified
// once more with its signature replaced by the right HS256 one for its first two parts; and an
// input that is not a token at all (no '.') is taken as the claims of one, HS256-signed here,
// since a fuzzer finds JSON claims more easily than their base64url.
// What must hold: a token that passes has a non-empty account and subject.
#include "auth/api_key.hpp"
#include "auth/jwt_verifier.hpp"
#include "common/crypto.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace contactsd;

constexpr std::string_view kSecret = "fuzz-jwt-secret";
// A throwaway key pair's public half (the corpus' RS256 token was signed with its private half,
// which was not kept).
constexpr std::string_view kPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxUMZ+snSS3oIBbIrk/mK
sZCJ+bbQMZppohbv1mJjEe3Bs0QDMT7AW8k7WC2u/JEXMYZJxvljbDZEOBrJldSY
eXuokqSpyLPQSgfEbl3Y0Ik1TcyVbRniwulRNjpwoCvwxq37BRMUnnUopVer2fKn
WsfVZUYq4BKGiw8eA6JlyWx29HnXufDk9TQXnEWZjfhJjPGd1nT3WfNQHSqMzF+N
1Ux0RE9dQlUudxRv9SR3cXuy/RMjt9A+QhO75siQZZYaiz4FI4dgQCLeiZ/GY887
1b0xASgskIZ2YK14ctITYWgXdU7GcWwIn1ehWAytm86Pl6tP9yx2u4E/1DKMF8nl
pQIDAQAB
-----END PUBLIC KEY-----
)";
constexpr std::int64_t kNow = 1'800'000'000;  // what the seeds' exp and nbf are set around

void Check(const Result<auth::JwtClaims>& claims) {
  if (claims.ok() && (claims->account_id.empty() || claims->subject.empty())) {
    std::fprintf(stderr, "a verified token without an account or a subject\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auth::JwtVerifier hs256 = auth::JwtVerifier::Hs256(std::string(kSecret)).value();
  static const auth::JwtVerifier rs256 = auth::JwtVerifier::Rs256(std::string(kPublicKey)).value();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)auth::CredentialFromHeader("Bearer " + std::string(token));
  Check(hs256.Verify(token, kNow));
  Check(rs256.Verify(token, kNow));
  const std::size_t dot = token.rfind('.');
  std::string signed_part;
  if (dot != std::string_view::npos) {
    signed_part = token.substr(0, dot);
  } else {
    signed_part = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(token);
  }
  Check(hs256.Verify(signed_part + "." + Base64UrlEncode(HmacSha256(kSecret, signed_part)), kNow));
  return 0;
}
