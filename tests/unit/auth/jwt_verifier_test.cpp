#include "auth/jwt_verifier.hpp"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace contactsd::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// A token made with libjwt itself: `grants_json` as claims, signed with `alg` and `key`.
std::string Token(jwt_alg_t alg, std::string_view key, const char* grants_json) {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), grants_json), 0);
  const auto* key_bytes =
      key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data());
  EXPECT_EQ(jwt_set_alg(jwt.get(), alg, key_bytes, static_cast<int>(key.size())), 0);
  char* text = jwt_encode_str(jwt.get());
  std::string out = text ? text : "";
  std::free(text);
  return out;
}

TEST(JwtVerifier, AcceptsAValidHs256TokenAndReadsItsClaims) {
  auto v = JwtVerifier::Hs256("secret");
  ASSERT_TRUE(v.ok());
  auto claims = v->Verify(
      Token(JWT_ALG_HS256, "secret", R"({"account_id":"org-1","sub":"jane@example.com"})"), kNow);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->account_id, "org-1");
  EXPECT_EQ(claims->subject, "jane@example.com");
}

TEST(JwtVerifier, AScopeClaimGivesTheWidestOfOursItNames) {
  auto v = JwtVerifier::Hs256("secret");
  ASSERT_TRUE(v.ok());
  auto scope_of = [&](const char* claims) {
    return v->Verify(Token(JWT_ALG_HS256, "secret", claims), kNow);
  };
  auto none = scope_of(R"({"account_id":"o","sub":"s"})");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->scope, Scope::kAdmin);  // tokens from before scopes keep their rights
  auto read = scope_of(R"({"account_id":"o","sub":"s","scope":"read"})");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->scope, Scope::kRead);
  auto listed = scope_of(R"({"account_id":"o","sub":"s","scope":"openid write read"})");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->scope, Scope::kWrite);
  // An identity provider's own scopes say nothing of ours: the rights tokens had before.
  auto foreign = scope_of(R"({"account_id":"o","sub":"s","scope":"openid contacts:read"})");
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->scope, Scope::kAdmin);
  EXPECT_FALSE(scope_of(R"({"account_id":"o","sub":"s","scope":["admin"]})").ok());
}

TEST(JwtVerifier, RefusesATokenWithCriticalHeaderExtensions) {
  auto v = JwtVerifier::Hs256("secret");
  ASSERT_TRUE(v.ok());
  jwt_t* raw = nullptr;
  ASSERT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  ASSERT_EQ(jwt_add_grants_json(jwt.get(), R"({"account_id":"o","sub":"s"})"), 0);
  ASSERT_EQ(jwt_add_headers_json(jwt.get(), R"({"crit":["exp"]})"), 0);
  ASSERT_EQ(
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>("secret"), 6),
      0);
  char* text = jwt_encode_str(jwt.get());
  ASSERT_NE(text, nullptr);
  std::string token = text;
  std::free(text);
  auto claims = v->Verify(token, kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, ErrorCode::kUnauthenticated);
}

TEST(JwtVerifier, EnforcesExpAndNbfWithALittleLeeway) {
  auto v = JwtVerifier::Hs256("secret");
  auto at = [&](std::int64_t exp, std::int64_t nbf) {
    std::string grants = R"({"account_id":"o","sub":"u","exp":)" + std::to_string(exp) +
                         R"(,"nbf":)" + std::to_string(nbf) + "}";
    return v->Verify(Token(JWT_ALG_HS256, "secret", grants.c_str()), kNow).ok();
  };
  EXPECT_TRUE(at(kNow + 60, kNow - 60));
  EXPECT_TRUE(at(kNow - 10, kNow + 10));  // within 30 s of leeway
  EXPECT_FALSE(at(kNow - 31, kNow - 60));
  EXPECT_FALSE(at(kNow + 60, kNow + 31));
}

TEST(JwtVerifier, RefusesNoneOtherAlgorithmsWrongKeysAndMissingAccount) {
  auto v = JwtVerifier::Hs256("secret");
  const char* grants = R"({"account_id":"org-1","sub":"u"})";
  EXPECT_FALSE(v->Verify(Token(JWT_ALG_NONE, "", grants), kNow).ok());
  EXPECT_FALSE(v->Verify(Token(JWT_ALG_HS512, "secret", grants), kNow).ok());
  EXPECT_FALSE(v->Verify(Token(JWT_ALG_HS256, "other", grants), kNow).ok());
  EXPECT_FALSE(v->Verify(Token(JWT_ALG_HS256, "secret", R"({"sub":"x"})"), kNow).ok());
  EXPECT_FALSE(v->Verify(Token(JWT_ALG_HS256, "secret", R"({"account_id":"o"})"), kNow).ok());
  EXPECT_FALSE(
      v->Verify(Token(JWT_ALG_HS256, "secret", R"({"account_id":"o","sub":7})"), kNow).ok());
  EXPECT_FALSE(v->Verify("not.a.jwt", kNow).ok());
  EXPECT_FALSE(v->Verify("", kNow).ok());
  auto e = v->Verify(Token(JWT_ALG_HS256, "other", grants), kNow);
  EXPECT_EQ(e.error().code, ErrorCode::kUnauthenticated);
}

// Found by tests/fuzz/jwt_fuzzer: a numeric date beyond 64-bit seconds was undefined behaviour
// (1e300 cast to int64; 9223372036854775807 plus the leeway overflowed), which on x86 read a
// far-future exp as long past and refused the token. A date far out is read as far out: an
// exp there has not passed, an nbf there has not come.
TEST(JwtVerifier, NumericDatesFarOutOfRangeAreReadAsFarOut) {
  auto v = JwtVerifier::Hs256("secret");
  auto ok = [&](const std::string& dates) {
    const std::string grants = R"({"account_id":"o","sub":"u",)" + dates + "}";
    return v->Verify(Token(JWT_ALG_HS256, "secret", grants.c_str()), kNow).ok();
  };
  EXPECT_TRUE(ok(R"("exp":1e300)"));
  EXPECT_TRUE(ok(R"("exp":9223372036854775807)"));
  EXPECT_TRUE(ok(R"("exp":1.8e19,"nbf":-1e300)"));
  EXPECT_TRUE(ok(R"("nbf":-9223372036854775807)"));
  EXPECT_FALSE(ok(R"("exp":-1e300)"));
  EXPECT_FALSE(ok(R"("exp":-9223372036854775807)"));
  EXPECT_FALSE(ok(R"("nbf":1e300)"));
  EXPECT_FALSE(ok(R"("nbf":9223372036854775807)"));
}

TEST(JwtVerifier, Rs256NeedsAPemPublicKey) {
  EXPECT_FALSE(JwtVerifier::Rs256("not a key").ok());
  EXPECT_FALSE(JwtVerifier::Hs256("").ok());
}

}  // namespace
}  // namespace contactsd::auth
