#include "auth/api_key_cache.hpp"

#include <gtest/gtest.h>

namespace contactsd::auth {
namespace {

Principal OrgA() { return {"org-a", "free", "key-1"}; }

TEST(ApiKeyCache, AnEntryIsFoundAtTheVersionItWasReadAt) {
  ApiKeyCache cache;
  EXPECT_FALSE(cache.Find("h1", 3).has_value());
  cache.Insert("h1", OrgA(), 3);
  auto found = cache.Find("h1", 3);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->org_id, "org-a");
  EXPECT_EQ(found->plan, "free");
  EXPECT_EQ(found->subject, "key-1");
  EXPECT_FALSE(cache.Find("h2", 3).has_value());
}

TEST(ApiKeyCache, ANewVersionHidesEveryEntryAndTheNextInsertDropsThem) {
  ApiKeyCache cache;
  cache.Insert("h1", OrgA(), 3);
  cache.Insert("h2", {"org-b", "pro", "key-2"}, 3);
  EXPECT_FALSE(cache.Find("h1", 4).has_value());  // some key was revoked since
  cache.Insert("h2", {"org-b", "pro", "key-2"}, 4);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.Find("h1", 4).has_value());
  EXPECT_TRUE(cache.Find("h2", 4).has_value());
}

TEST(ApiKeyCache, AnEntryReadAtAnOlderVersionIsNotKept) {
  // A lookup that started before a revoke and finished after another request refreshed the
  // cache must not bring a possibly revoked key back.
  ApiKeyCache cache;
  cache.Insert("h2", OrgA(), 5);
  cache.Insert("h1", OrgA(), 4);
  EXPECT_FALSE(cache.Find("h1", 5).has_value());
  EXPECT_FALSE(cache.Find("h1", 4).has_value());
  EXPECT_TRUE(cache.Find("h2", 5).has_value());
}

TEST(ApiKeyCache, AFullCacheStartsOver) {
  ApiKeyCache cache(2);
  cache.Insert("h1", OrgA(), 1);
  cache.Insert("h2", OrgA(), 1);
  cache.Insert("h3", OrgA(), 1);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Find("h3", 1).has_value());
  EXPECT_FALSE(cache.Find("h1", 1).has_value());
}

}  // namespace
}  // namespace contactsd::auth
