// EventPruner over a real SQLite store: on start it deletes every event older than the
// retention (in batches), keeps the rest and the contacts, and stops promptly when destroyed.
#include "contacts/event_pruner.hpp"

#include "store/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace contactsd::contacts {
namespace {

using namespace std::chrono_literals;

TEST(EventPruner, DeletesWhatIsPastTheRetentionAndKeepsTheRest) {
  store::test::TempDir dir;
  auto opened = store::OpenStore("sqlite:" + (dir.path() / "t.db").string());
  ASSERT_TRUE(opened.ok());
  store::Store& store = **opened;
  ASSERT_TRUE(store.CreateOrg({"org-a", "A", "free", 0, 1}).ok());
  // More old events than one batch, then two recent ones.
  const int old_events = EventPruner::kBatch + 20;
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
    EventPruner pruner(
        store, [] { return std::int64_t{100'000}; }, 50'000ms, 1h);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count() != 2u && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);  // polling for the condition, bounded
    }
  }  // stops although its next look is an hour away
  EXPECT_EQ(count(), 2u);
  EXPECT_EQ(*store.EventHorizon({"org-a"}), old_events);
  EXPECT_TRUE(store.GetContact("org-a", "c-0").ok());
}

}  // namespace
}  // namespace contactsd::contacts
