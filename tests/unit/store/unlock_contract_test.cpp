// The Store contract for unlocks and the catalogue's reserved tenant id, on every backend (the
// suite is instantiated in sqlite_store_test.cpp and postgres_store_test.cpp).
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::test {
namespace {

constexpr char kContactA[] = "01900000-0000-7000-8000-00000000000a";
constexpr char kContactB[] = "01900000-0000-7000-8000-00000000000b";

std::int64_t CreditsOf(Store& store, const std::string& org_id) {
  auto org = store.GetOrg(org_id);
  EXPECT_TRUE(org.ok());
  return org.ok() ? org->credits : -1;
}

void CreateOrgWithCredits(Store& store, const std::string& org_id, std::int64_t credits) {
  ASSERT_TRUE(store.CreateOrg({org_id, "Org " + org_id, "free", credits, 1'000}).ok());
}

TEST_P(StoreContractTest, TheCatalogueTenantIdIsNoOrgs) {
  auto created = store().CreateOrg({std::string(kCatalogueTenantId), "Sneaky", "free", 0, 1});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ErrorOf(store().GetOrg(kCatalogueTenantId)), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, AnUnlockSpendsTheCostOnceAndIsRecorded) {
  CreateOrgWithCredits(store(), "org-a", 10);
  auto first = store().UnlockContact("org-a", kContactA, 3, 5'000);
  ASSERT_TRUE(first.ok()) << first.error().message << first.error().internal;
  EXPECT_EQ(first->org_id, "org-a");
  EXPECT_EQ(first->contact_id, kContactA);
  EXPECT_EQ(first->credits_spent, 3);
  EXPECT_EQ(first->unlocked_at_ms, 5'000);
  EXPECT_EQ(CreditsOf(store(), "org-a"), 7);

  // Again, later and at another price: the first unlock stands, and nothing more is spent.
  auto again = store().UnlockContact("org-a", kContactA, 5, 9'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->credits_spent, 3);
  EXPECT_EQ(again->unlocked_at_ms, 5'000);
  EXPECT_EQ(CreditsOf(store(), "org-a"), 7);

  auto listed = store().ListUnlocks("org-a", {kContactA, kContactB});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].contact_id, kContactA);
  EXPECT_EQ((*listed)[0].credits_spent, 3);
  EXPECT_EQ((*listed)[0].unlocked_at_ms, 5'000);
}

TEST_P(StoreContractTest, TooFewCreditsSpendNothingAndRecordNothing) {
  CreateOrgWithCredits(store(), "org-a", 2);
  auto refused = store().UnlockContact("org-a", kContactA, 3, 5'000);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPaymentRequired);
  EXPECT_EQ(refused.error().error, "insufficient_credits");
  EXPECT_NE(refused.error().message.find("costs 3, the balance is 2"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(CreditsOf(store(), "org-a"), 2);
  auto listed = store().ListUnlocks("org-a", {kContactA});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  // Exactly enough is enough, down to zero.
  auto exact = store().UnlockContact("org-a", kContactA, 2, 6'000);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(CreditsOf(store(), "org-a"), 0);
}

TEST_P(StoreContractTest, AFreeUnlockIsRecordedEvenWithNoCredits) {
  CreateOrgWithCredits(store(), "org-a", 0);
  auto free = store().UnlockContact("org-a", kContactA, 0, 5'000);
  ASSERT_TRUE(free.ok());
  EXPECT_EQ(free->credits_spent, 0);
  auto listed = store().ListUnlocks("org-a", {kContactA});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST_P(StoreContractTest, AnUnlockByAnUnknownOrgIsNotFoundAndRecordsNothing) {
  EXPECT_EQ(ErrorOf(store().UnlockContact("nobody", kContactA, 1, 5'000)), ErrorCode::kNotFound);
  auto listed = store().ListUnlocks("nobody", {kContactA});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_P(StoreContractTest, UnlocksBelongToTheirOrg) {
  CreateOrgWithCredits(store(), "org-a", 5);
  CreateOrgWithCredits(store(), "org-b", 5);
  ASSERT_TRUE(store().UnlockContact("org-a", kContactA, 1, 5'000).ok());
  auto of_b = store().ListUnlocks("org-b", {kContactA});
  ASSERT_TRUE(of_b.ok());
  EXPECT_TRUE(of_b->empty());
  // org-b pays for its own unlock of the same contact.
  ASSERT_TRUE(store().UnlockContact("org-b", kContactA, 1, 6'000).ok());
  EXPECT_EQ(CreditsOf(store(), "org-a"), 4);
  EXPECT_EQ(CreditsOf(store(), "org-b"), 4);
}

TEST_P(StoreContractTest, ListUnlocksFindsEachAskedIdInOneCall) {
  CreateOrgWithCredits(store(), "org-a", 100);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back("01900000-0000-7000-8000-0000000001" + std::to_string(10 + i));
    if (i % 3 == 0) {
      ASSERT_TRUE(store().UnlockContact("org-a", ids.back(), 1, 5'000 + i).ok());
    }
  }
  // An id with JSON's special characters is just text.
  const std::string odd = "quote\"back\\slash";
  ASSERT_TRUE(store().UnlockContact("org-a", odd, 1, 9'000).ok());
  ids.push_back(odd);
  auto listed = store().ListUnlocks("org-a", ids);
  ASSERT_TRUE(listed.ok()) << listed.error().internal;
  std::vector<std::string> found;
  for (const Unlock& u : *listed) found.push_back(u.contact_id);
  std::sort(found.begin(), found.end());
  std::vector<std::string> expected = {odd};
  for (int i = 0; i < 30; i += 3) expected.push_back(ids[static_cast<std::size_t>(i)]);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(found, expected);
  auto none = store().ListUnlocks("org-a", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// Many threads on two store instances (as two processes would open the database) unlock the
// same contact for the same org at once: one pays, every call returns that one unlock.
TEST_P(StoreContractTest, ConcurrentUnlocksOfOneContactSpendOnce) {
  CreateOrgWithCredits(store(), "org-a", 10);
  std::unique_ptr<Store> another = harness().OpenAnother();
  ASSERT_NE(another, nullptr);
  constexpr int kThreads = 8;
  std::vector<Result<Unlock>> results(kThreads, Error::Internal("unset"));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store& s = i % 2 == 0 ? store() : *another;
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[static_cast<std::size_t>(i)] = s.UnlockContact("org-a", kContactA, 3, 5'000 + i);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message << " " << r.error().internal;
    EXPECT_EQ(r->unlocked_at_ms, results[0]->unlocked_at_ms);  // all see the one unlock
    EXPECT_EQ(r->credits_spent, 3);
  }
  EXPECT_EQ(CreditsOf(store(), "org-a"), 7);
}

// With credits for one unlock only, racing unlocks of two different contacts: one of them
// pays, the other is refused, and the balance never goes below zero.
TEST_P(StoreContractTest, RacingUnlocksOfTwoContactsNeverOverspend) {
  std::unique_ptr<Store> another = harness().OpenAnother();
  ASSERT_NE(another, nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string org = "org-" + std::to_string(round);
    CreateOrgWithCredits(store(), org, 3);
    Result<Unlock> a = Error::Internal("unset");
    Result<Unlock> b = Error::Internal("unset");
    std::atomic<int> ready{0};
    auto run = [&](Store& s, const char* contact, Result<Unlock>& out) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      out = s.UnlockContact(org, contact, 3, 5'000);
    };
    std::thread first([&] { run(store(), kContactA, a); });
    std::thread second([&] { run(*another, kContactB, b); });
    first.join();
    second.join();
    EXPECT_NE(a.ok(), b.ok()) << "round " << round;
    const Result<Unlock>& refused = a.ok() ? b : a;
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kPaymentRequired);
    EXPECT_EQ(CreditsOf(store(), org), 0);
    auto listed = store().ListUnlocks(org, {kContactA, kContactB});
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].contact_id, a.ok() ? kContactA : kContactB);
  }
}

}  // namespace
}  // namespace contactsd::store::test
