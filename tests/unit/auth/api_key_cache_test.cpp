#include "auth/api_key_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(ApiKeyCache, UsesAreTakenOncePerKeyAtTheirLatestEvenAfterTheEntryWent) {
  ApiKeyCache cache(2);
  cache.Insert("h1", OrgA(), 1, 100);
  cache.Find("h1", 1, 300);
  cache.Find("h1", 1, 200);  // an earlier time from a slower thread does not go back
  auto uses = cache.TakeUses();
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0], (std::pair<std::string, std::int64_t>{"key-1", 300}));
  EXPECT_TRUE(cache.TakeUses().empty());  // nothing new since

  cache.Find("h1", 1, 400);
  cache.Insert("h2", {"org-b", "pro", "key-2"}, 2, 500);  // a new version drops h1's entry
  uses = cache.TakeUses();
  std::sort(uses.begin(), uses.end());
  EXPECT_EQ(uses,
            (std::vector<std::pair<std::string, std::int64_t>>{{"key-1", 400}, {"key-2", 500}}));
  cache.Find("h2", 2);  // a lookup without a time is not a use
  EXPECT_TRUE(cache.TakeUses().empty());
}

}  // namespace
}  // namespace contactsd::auth
