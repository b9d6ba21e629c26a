// Pruner over a real SQLite store: on start it deletes every event older than the retention
// (in batches), keeps the rest and the contacts, and stops promptly when destroyed; likewise
// the idempotency answers that expired.
#include "contacts/pruner.hpp"

#include "store/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace contactsd::contacts {
namespace {

using namespace std::chrono_literals;

TEST(Pruner, DeletesTheEventsPastTheRetentionAndKeepsTheRest) {
  store::test::TempDir dir;
  auto opened = store::OpenStore("sqlite:" + (dir.path() / "t.db").string());
  ASSERT_TRUE(opened.ok());
  store::Store& store = **opened;
  ASSERT_TRUE(store.CreateOrg({"org-a", "A", "free", 0, 1}).ok());
  // More old events than one batch, then two recent ones.
  const int old_events = Pruner::kBatch + 20;
  for (int i = 0; i < old_events + 2; ++i) {
    store::Contact c;
    c.org_id = "org-a";
    c.id = "c-" + std::to_string(i);
    c.doc = "{}";
    c.created_at_ms = c.updated_at_ms = i < old_events ? 1'000 : 90'000;
    ASSERT_TRUE(store.CreateContact(c, {}).ok());
  }
  auto count = [&] {
    store::EventQuery query;
    query.tenants = {"org-a"};
    query.limit = store::kMaxEventQueryLimit;
    return store.ListEvents(query)->size();
  };
  ASSERT_EQ(count(), static_cast<std::size_t>(old_events + 2));
  {
    // now = 100,000; retention 50,000: what occurred before 50,000 goes.
    Pruner pruner("events",
                  ExpiredEvents(
                      store, [] { return std::int64_t{100'000}; }, 50'000ms),
                  1h);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count() != 2u && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);  // polling for the condition, bounded
    }
  }  // stops although its next look is an hour away
  EXPECT_EQ(count(), 2u);
  EXPECT_EQ(*store.EventHorizon({"org-a"}), old_events);
  EXPECT_TRUE(store.GetContact("org-a", "c-0").ok());
}

TEST(Pruner, DeletesTheAnswersThatExpired) {
  store::test::TempDir dir;
  auto opened = store::OpenStore("sqlite:" + (dir.path() / "t.db").string());
  ASSERT_TRUE(opened.ok());
  store::Store& store = **opened;
  ASSERT_TRUE(store.CreateOrg({"org-a", "A", "free", 0, 1}).ok());
  // One batch of one create per answer: more expired answers than one prune batch, one live.
  const int expired = Pruner::kBatch + 5;
  for (int i = 0; i <= expired; ++i) {
    store::AnswerMaker answer = [i, expired](const std::vector<store::ContactOpResult>&) {
      store::StoredAnswer a;
      a.org_id = "org-a";
      a.key = "k-" + std::to_string(i);
      a.status = 201;
      a.created_at_ms = 1'000;
      a.expires_at_ms = i < expired ? 50'000 : 200'000;
      return Result<store::StoredAnswer>(a);
    };
    std::vector<store::ContactOp> ops(1);
    ops[0].create.contact.org_id = "org-a";
    ops[0].create.contact.id = "c-" + std::to_string(i);
    ops[0].create.contact.doc = "{}";
    ASSERT_TRUE(
        store.WriteContacts("org-a", std::move(ops), true, store::ChangeOrigin::System(), &answer)
            .ok());
  }
  auto live = [&](int i) {
    return store.FindAnswer("org-a", "k-" + std::to_string(i), 1'000)->has_value();
  };
  ASSERT_TRUE(live(0));
  {
    Pruner pruner("idempotency answers",
                  ExpiredAnswers(store, [] { return std::int64_t{100'000}; }), 1h);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (live(expired - 1) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);  // polling for the condition, bounded
    }
  }
  for (int i : {0, expired / 2, expired - 1}) EXPECT_FALSE(live(i)) << i;
  EXPECT_TRUE(live(expired));
}

}  // namespace
}  // namespace contactsd::contacts
