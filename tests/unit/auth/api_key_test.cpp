#include "auth/api_key.hpp"

#include "common/crypto.hpp"

#include <gtest/gtest.h>

namespace contactsd::auth {
namespace {

TEST(ApiKey, IssuedKeyIsRandomPrefixedAndStoredOnlyAsItsHash) {
  auto a = IssueApiKey("org-1", "ci", 1000);
  auto b = IssueApiKey("org-1", "ci", 1000);
  EXPECT_TRUE(a.secret.starts_with("sk_live_"));
  EXPECT_GE(a.secret.size(), std::string("sk_live_").size() + 32);
  EXPECT_NE(a.secret, b.secret);
  EXPECT_NE(a.record.key.id, b.record.key.id);
  EXPECT_EQ(a.record.key_hash, Sha256Hex(a.secret));
  EXPECT_EQ(a.record.key.prefix, a.secret.substr(0, 12));
  EXPECT_EQ(a.record.key.org_id, "org-1");
  EXPECT_EQ(a.record.key.name, "ci");
  EXPECT_FALSE(a.record.key.revoked_at_ms);
}

TEST(ApiKey, CredentialFromBearerOrBareHeader) {
  EXPECT_EQ(CredentialFromHeader("Bearer sk_live_abc"), "sk_live_abc");
  EXPECT_EQ(CredentialFromHeader("bearer   sk_live_abc "), "sk_live_abc");
  EXPECT_EQ(CredentialFromHeader("sk_live_abc"), "sk_live_abc");
  EXPECT_FALSE(CredentialFromHeader(""));
  EXPECT_FALSE(CredentialFromHeader("Bearer"));
  EXPECT_FALSE(CredentialFromHeader("Bearer "));
  EXPECT_FALSE(CredentialFromHeader("Basic dXNlcjpwYXNz"));
  EXPECT_TRUE(CredentialFromHeader(std::string(8192, 'k')));  // an RS256 JWT can be long
  EXPECT_FALSE(CredentialFromHeader(std::string(8193, 'k')));
}

}  // namespace
}  // namespace contactsd::auth
