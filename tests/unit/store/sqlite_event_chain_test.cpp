// The SQLite change log's chains (store/sqlite/event_chain.hpp): a file written before them
// (schema version 4, an index per contact instead) is linked by the migration, and reads back
// the same history and feed as before, with new events joining the old chains.
#include "temp_dir.hpp"

#include "common/uuid.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/event_chain.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::store::test {
namespace {

using sqlite::Connection;
using sqlite::SqliteStore;

const ChangeOrigin kCli{"cli", "", "req"};

std::unique_ptr<SqliteStore> Open(const std::string& path) {
  auto store = SqliteStore::Open({path});
  EXPECT_TRUE(store.ok()) << store.error().internal;
  if (!store.ok()) return nullptr;
  auto migrated = (*store)->Migrate();
  EXPECT_TRUE(migrated.ok()) << migrated.error().internal;
  return std::move(*store);
}

Mutation SetDoc(std::string doc, std::int64_t at) {
  return [=](const Contact&) -> Result<ContactWrite> {
    ContactWrite write;
    write.doc = doc;
    write.updated_at_ms = at;
    write.prior = "{}";
    write.keys_unchanged = true;
    return write;
  };
}

std::vector<std::int64_t> HistorySeqs(Store& store, const std::vector<std::string>& tenants,
                                      const std::string& id) {
  HistoryQuery query;
  query.tenants = tenants;
  query.contact_id = id;
  query.limit = 2;
  std::vector<std::int64_t> seqs;
  for (;;) {
    auto page = store.ListHistory(query);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) return seqs;
    for (const Event& e : *page) seqs.push_back(e.position.seq);
    query.before_seq = page->back().position.seq;
  }
}

std::vector<std::int64_t> FeedSeqs(Store& store, const std::vector<std::string>& tenants,
                                   const std::string& id) {
  EventQuery query;
  query.tenants = tenants;
  query.contact_id = id;
  query.limit = 1000;
  auto events = store.ListEvents(query);
  EXPECT_TRUE(events.ok());
  std::vector<std::int64_t> seqs;
  if (events.ok()) {
    for (const Event& e : *events) seqs.push_back(e.position.seq);
  }
  return seqs;
}

// What version 4 was: no chain columns, an index on (org_id, contact_id) (and none of the
// later versions' tables).
constexpr char kBackToVersion4[] = R"sql(
DROP TABLE idempotency_answers;
DROP TABLE contact_terms;
DROP TABLE webhook_endpoints;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_attempts;
DROP INDEX events_erased;
CREATE INDEX events_by_contact ON events (org_id, contact_id);
ALTER TABLE events DROP COLUMN prev_seq;
ALTER TABLE contacts DROP COLUMN last_event_seq;
ALTER TABLE unlocks DROP COLUMN event_seq;
ALTER TABLE api_keys DROP COLUMN scope;
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE api_keys DROP COLUMN last_used_at;
PRAGMA user_version = 4;
)sql";

TEST(SqliteEventChain, AFileOfVersion4IsLinkedByTheMigration) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  const std::vector<std::string> both = {"org-cat", "org-b"};
  Contact a{"org-cat", NewUuidV7(1'000), "{}", 1, 1'000, 1'000, std::nullopt, ""};
  Contact b{"org-cat", NewUuidV7(1'001), "{}", 1, 1'001, 1'001, std::nullopt, ""};
  Contact gone{"org-cat", NewUuidV7(1'002), "{}", 1, 1'002, 1'002, std::nullopt, ""};
  std::vector<std::int64_t> history_a, history_b, feed_a, feed_gone;
  {
    auto store = Open(path);
    ASSERT_NE(store, nullptr);
    for (const std::string org : {"org-cat", "org-b"}) {
      ASSERT_TRUE(store->CreateOrg({org, "Org", "pro", 0, 1}).ok());
    }
    for (const Contact& c : {a, b, gone}) {
      ASSERT_TRUE(store->CreateContact(c, {}, {}, kCli).ok());
    }
    for (int n = 1; n <= 3; ++n) {
      ASSERT_TRUE(store->UpdateContact("org-cat", a.id, SetDoc("{\"n\":1}", 2'000 + n), kCli).ok());
      ASSERT_TRUE(store->UpdateContact("org-cat", b.id, SetDoc("{\"n\":1}", 2'000 + n), kCli).ok());
    }
    ASSERT_TRUE(store->UnlockContact("org-b", a, 0, 3'000, kCli).ok());
    ASSERT_TRUE(store->EraseContact("org-cat", gone.id, 3'100, kCli).ok());
    history_a = HistorySeqs(*store, both, a.id);
    history_b = HistorySeqs(*store, both, b.id);
    feed_a = FeedSeqs(*store, both, a.id);
    feed_gone = FeedSeqs(*store, both, gone.id);
    ASSERT_EQ(history_a.size(), 5u);  // created, 3 updates, unlocked
    ASSERT_EQ(history_b.size(), 4u);
    ASSERT_EQ(feed_gone.size(), 1u);  // contact.erased
  }
  {
    auto connection = Connection::Open({path});
    ASSERT_TRUE(connection.ok());
    auto back = (*connection)->ExecScript(kBackToVersion4);
    ASSERT_TRUE(back.ok()) << back.error().internal;
  }
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(HistorySeqs(*store, both, a.id), history_a);
  EXPECT_EQ(HistorySeqs(*store, both, b.id), history_b);
  EXPECT_EQ(FeedSeqs(*store, both, a.id), feed_a);
  EXPECT_EQ(FeedSeqs(*store, both, gone.id), feed_gone);
  // A new event joins the old chain, and erasing walks all of it.
  ASSERT_TRUE(store->UpdateContact("org-cat", b.id, SetDoc("{\"n\":2}", 4'000), kCli).ok());
  auto after = HistorySeqs(*store, both, b.id);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(std::vector<std::int64_t>(after.begin() + 1, after.end()), history_b);
  ASSERT_TRUE(store->EraseContact("org-cat", a.id, 5'000, kCli).ok());
  auto erased = FeedSeqs(*store, both, a.id);
  ASSERT_EQ(erased.size(), 1u);
  EventQuery all;
  all.tenants = both;
  all.limit = 1000;
  auto log = store->ListEvents(all);
  ASSERT_TRUE(log.ok());
  const std::vector<Event> events = std::move(log).value();
  for (const Event& e : events) {
    EXPECT_TRUE(e.contact.id != a.id || e.type == "contact.erased") << e.type;
  }
}

// The feed's contact filter walks a bounded number of the contact's events; past the bound it
// reads the tenant's log from the cursor instead, and answers the same pages.
TEST(SqliteEventChain, ALongChainIsReadFromTheLogWithTheSameAnswer) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateOrg({"org-a", "Org", "pro", 0, 1}).ok());
  Contact busy{"org-a", NewUuidV7(1'000), "{}", 1, 1'000, 1'000, std::nullopt, ""};
  Contact quiet{"org-a", NewUuidV7(1'001), "{}", 1, 1'001, 1'001, std::nullopt, ""};
  for (const Contact& c : {busy, quiet}) ASSERT_TRUE(store->CreateContact(c, {}, {}, kCli).ok());
  for (int n = 1; n <= 6; ++n) {
    ASSERT_TRUE(store->UpdateContact("org-a", busy.id, SetDoc("{\"n\":1}", 2'000 + n), kCli).ok());
    if (n % 2 == 0) {
      ASSERT_TRUE(
          store->UpdateContact("org-a", quiet.id, SetDoc("{\"n\":1}", 2'000 + n), kCli).ok());
    }
  }
  const std::vector<std::int64_t> all = FeedSeqs(*store, {"org-a"}, busy.id);
  ASSERT_EQ(all.size(), 7u);  // created, 6 updates

  auto reader = Connection::Open({path, sqlite::ConnectionRole::kReader});
  ASSERT_TRUE(reader.ok());
  EventQuery query;
  query.tenants = {"org-a"};
  query.contact_id = busy.id;
  query.limit = 2;
  auto walked = sqlite::event_chain::Feed(**reader, query, 3);
  ASSERT_TRUE(walked.ok());
  EXPECT_FALSE(walked->has_value());  // 7 events after the start: past a walk of 3
  query.after.seq = all[4];
  walked = sqlite::event_chain::Feed(**reader, query, 3);
  ASSERT_TRUE(walked.ok() && walked->has_value());
  EXPECT_EQ(**walked, (std::vector<std::int64_t>{all[5], all[6]}));

  for (const std::string type : {"", "contact.updated", "contact.created"}) {
    for (std::size_t from = 0; from <= all.size(); ++from) {
      query.type = type;
      query.after.seq = from == 0 ? 0 : all[from - 1];
      auto bounded = sqlite::change_log::ListEvents(**reader, query, 1);
      auto walked_all = sqlite::change_log::ListEvents(**reader, query);
      ASSERT_TRUE(bounded.ok() && walked_all.ok());
      std::vector<std::int64_t> a, b;
      for (const Event& e : *bounded) a.push_back(e.position.seq);
      for (const Event& e : *walked_all) b.push_back(e.position.seq);
      EXPECT_EQ(a, b) << "type '" << type << "' after event " << from;
      for (const Event& e : *bounded) EXPECT_EQ(e.contact.id, busy.id);
    }
  }
}

}  // namespace
}  // namespace contactsd::store::test
