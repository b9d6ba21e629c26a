// SqliteStore: the contract suite on a temp file, and what is specific to SQLite: migrations,
// WAL, several stores (processes) on one file, busy handling.
#include "store/sqlite/sqlite_store.hpp"

#include "store_contract.hpp"
#include "temp_dir.hpp"

#include "common/uuid.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sql.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::test {
namespace {

using sqlite::Connection;
using sqlite::ConnectionRole;
using sqlite::SqliteOptions;
using sqlite::SqliteStore;
using sqlite::WriteStats;

std::unique_ptr<SqliteStore> OpenMigrated(const SqliteOptions& options) {
  auto store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.error().internal;
  if (!store.ok()) return nullptr;
  auto migrated = (*store)->Migrate();
  EXPECT_TRUE(migrated.ok()) << migrated.error().internal;
  return std::move(*store);
}

class SqliteHarness : public StoreHarness {
 public:
  SqliteHarness() : store_(OpenMigrated({(dir_.path() / "contacts.db").string()})) {}
  Store& store() override { return *store_; }
  std::unique_ptr<Store> OpenAnother() override {
    return OpenMigrated({(dir_.path() / "contacts.db").string()});
  }

 private:
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreBackend{
                             "Sqlite", [] { return std::make_unique<SqliteHarness>(); }}),
                         StoreBackendName);

// Reads one value from a fresh connection on `path`, as a bystander would see the file.
std::string QueryText(const std::string& path, const char* sql,
                      ConnectionRole role = ConnectionRole::kReader) {
  auto connection = Connection::Open({path, role});
  EXPECT_TRUE(connection.ok());
  if (!connection.ok()) return "";
  auto stmt = (*connection)->Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.error().internal;
  if (!stmt.ok()) return "";
  auto row = stmt->Next();
  EXPECT_TRUE(row.ok() && *row);
  return row.ok() && *row ? std::string(stmt->Text(0)) : "";
}

constexpr char kUserVersion[] = "PRAGMA user_version";
constexpr char kTableCount[] =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('orgs', 'api_keys', 'contacts', 'contact_keys', 'custom_fields', 'settings')";
constexpr char kJournalMode[] = "PRAGMA journal_mode";
constexpr char kSynchronous[] = "PRAGMA synchronous";

Org MakeOrg(const std::string& id) { return {id, "Org", "pro", 0, 1}; }

Contact MakeContact(const std::string& org_id, std::string doc) {
  return {org_id, NewUuidV7(1'000), std::move(doc), 1, 1'000, 1'000, std::nullopt, ""};
}

// Adds one to the counter the document holds; the contact then holds `keys`.
Result<Contact> Increment(Store& store, const Contact& contact,
                          const std::vector<UniqueKey>& keys = {}) {
  return store.UpdateContact(contact.org_id, contact.id, [&](const Contact& current) {
    return Result<ContactWrite>(ContactWrite{
        true, std::to_string(std::stoi(current.doc) + 1), keys, 2'000, std::nullopt, "", {}});
  });
}

// ?q= reads the terms' primary key for the prefix's range and each match's contact by its key:
// no step of its plan scans a table, however large the tenant.
TEST(SqliteStore, TheSearchReadsIndexesOnly) {
  TempDir dir;
  const std::string path = (dir.path() / "plan.db").string();
  ASSERT_NE(OpenMigrated({path}), nullptr);
  auto connection = Connection::Open({path, ConnectionRole::kReader});
  ASSERT_TRUE(connection.ok());
  // Prepare caches by the text's address: the text lives as long as the connection.
  static const std::string kExplain =
      std::string("EXPLAIN QUERY PLAN ") + sqlite::sql::kListBySearch;
  auto plan = (*connection)->Prepare(kExplain.c_str());
  ASSERT_TRUE(plan.ok()) << plan.error().internal;
  plan->Bind(1, "org").Bind(2, "").Bind(3, std::int64_t{51}).Bind(4, "ada").Bind(5, "adb");
  plan->Bind(6, std::int64_t{0});
  std::vector<std::string> steps;
  while (true) {
    auto row = plan->Next();
    ASSERT_TRUE(row.ok());
    if (!*row) break;
    steps.emplace_back(plan->Text(3));
  }
  ASSERT_FALSE(steps.empty());
  bool reads_terms = false;
  for (const std::string& step : steps) {
    EXPECT_EQ(step.find("SCAN t"), std::string::npos) << step;
    EXPECT_EQ(step.find("SCAN c"), std::string::npos) << step;
    reads_terms = reads_terms || step.find("SEARCH t USING PRIMARY KEY") != std::string::npos;
  }
  EXPECT_TRUE(reads_terms);
}

TEST(SqliteStore, MigrateIsIdempotent) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = OpenMigrated({path});
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
  EXPECT_TRUE(store->Migrate().ok());
  EXPECT_TRUE(store->Migrate().ok());
  auto again = OpenMigrated({path});
  ASSERT_NE(again, nullptr);

  EXPECT_EQ(QueryText(path, kUserVersion), std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(QueryText(path, kTableCount), "6");
  EXPECT_TRUE(again->GetOrg("org-a").ok());
}

TEST(SqliteStore, ConcurrentMigrationsOfANewFileAgree) {
  for (int round = 0; round < 10; ++round) {
    TempDir dir;
    const std::string path = (dir.path() / "db.sqlite").string();
    constexpr int kStores = 3;
    std::latch start(kStores);
    std::vector<std::unique_ptr<SqliteStore>> stores(kStores);
    std::vector<std::thread> threads;
    for (int i = 0; i < kStores; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        stores[i] = OpenMigrated({path});
      });
    }
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < kStores; ++i) {
      ASSERT_NE(stores[i], nullptr) << "round " << round;
      EXPECT_TRUE(stores[i]->CreateOrg(MakeOrg("org-" + std::to_string(i))).ok());
    }
    EXPECT_EQ(QueryText(path, kUserVersion), std::to_string(sqlite::LatestSchemaVersion()));
    EXPECT_EQ(QueryText(path, kTableCount), "6");
  }
}

TEST(SqliteStore, NewerSchemaIsRefused) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  {
    auto connection = Connection::Open({path});
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->ExecScript("PRAGMA user_version = 999").ok());
  }
  auto store = SqliteStore::Open({path});
  ASSERT_TRUE(store.ok());
  auto migrated = (*store)->Migrate();
  ASSERT_FALSE(migrated.ok());
  EXPECT_EQ(migrated.error().code, ErrorCode::kInternal);
  EXPECT_EQ(migrated.error().message, "Internal server error");  // sqlite text stays internal
}

TEST(SqliteStore, UsesWalAndTheRequestedSynchronousLevel) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  ASSERT_NE(OpenMigrated({path}), nullptr);
  EXPECT_EQ(QueryText(path, kJournalMode), "wal");
  // 2 = FULL, 1 = NORMAL.
  EXPECT_EQ(QueryText(path, kSynchronous, ConnectionRole::kWriter), "2");
  auto normal = Connection::Open({path, ConnectionRole::kWriter, false});
  ASSERT_TRUE(normal.ok());
  auto stmt = (*normal)->Prepare(kSynchronous);
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Next());
  EXPECT_EQ(stmt->Int64(0), 1);
}

// With FULL, the writer's commits are visible before the WalSyncer has synced them: a page of
// events (what the feed and the webhooks hand out) past what is known to be on disk waits for a
// sync first, and only then. Another process's commits (here a second store on the file) are
// in the same WAL, so that sync covers them too.
TEST(SqliteStore, EventsAreHandedOutOnlyOnceSynced) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = OpenMigrated({path});
  auto other = OpenMigrated({path});
  ASSERT_NE(store, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->CreateOrg({"org-a", "A", "free", 0, 1}).ok());
  ASSERT_TRUE(other->CreateContact(MakeContact("org-a", "0"), {}).ok());
  auto syncs = [&] { return store->Metrics().sync_seconds->Take().count; };
  EventQuery query;
  query.tenants = {"org-a"};
  query.limit = 10;
  const auto before = syncs();
  auto page = store->ListEvents(query);
  ASSERT_TRUE(page.ok()) << page.error().internal;
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(syncs(), before + 1);
  ASSERT_TRUE(store->ListEvents(query).ok());
  query.after.seq = page->front().position.seq;
  ASSERT_TRUE(store->ListEvents(query).ok());  // empty
  EXPECT_EQ(syncs(), before + 1);              // nothing past what is known to be on disk
  ASSERT_TRUE(other->CreateContact(MakeContact("org-a", "1"), {}).ok());
  ASSERT_EQ(store->ListEvents(query)->size(), 1u);
  EXPECT_EQ(syncs(), before + 2);
}

TEST(SqliteStore, ReaderConnectionsRefuseWrites) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  ASSERT_NE(OpenMigrated({path}), nullptr);
  auto reader = Connection::Open({path, ConnectionRole::kReader});
  ASSERT_TRUE(reader.ok());
  auto write = (*reader)->ExecScript("INSERT INTO settings (name, value) VALUES ('x', 'y')");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kInternal);
}

TEST(SqliteStore, ReopenedStoreSeesEarlierWrites) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  Contact contact = MakeContact("org-a", "0");
  {
    auto store = OpenMigrated({path});
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
    ASSERT_TRUE(store->CreateContact(contact, {{"email", "a@x.io"}}).ok());
    ASSERT_TRUE(Increment(*store, contact, {{"email", "a@x.io"}}).ok());
  }
  auto store = OpenMigrated({path});
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetOrg("org-a").ok());
  auto stored = store->GetContact("org-a", contact.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->doc, "1");
  Contact rival = MakeContact("org-a", "{}");
  rival.id = NewUuidV7(2'000);
  auto clash = store->CreateContact(rival, {{"email", "a@x.io"}});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
}

TEST(SqliteStore, ARevokeByAnotherProcessChangesTheCredentialsVersionAtOnce) {
  // SQLite's version is read from the file, so unlike PostgreSQL's notifications there is no
  // delay at all: the very next call sees the revoke.
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = OpenMigrated({path});
  auto other = OpenMigrated({path});
  ASSERT_TRUE(store && other);
  ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
  ASSERT_TRUE(
      store->CreateApiKey({{"key-1", "org-a", "ci", "sk_live_ab", 1'000, std::nullopt}, "hash-1"})
          .ok());
  const std::uint64_t before = store->CredentialsVersion().value();
  EXPECT_EQ(before, 0u);  // nothing was ever revoked
  ASSERT_TRUE(store->CreateContact(MakeContact("org-a", "{}"), {}).ok());
  EXPECT_EQ(store->CredentialsVersion().value(), before);  // other writes do not count
  ASSERT_TRUE(other->RevokeApiKey("key-1", 2'000).ok());
  EXPECT_EQ(store->CredentialsVersion().value(), before + 1);
  ASSERT_TRUE(other->RevokeApiKey("key-1", 3'000).ok());  // already revoked: nothing changes
  EXPECT_EQ(store->CredentialsVersion().value(), before + 1);
}

TEST(SqliteStore, TwoStoresOnOneFileSerializeTheirWriters) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto a = OpenMigrated({path});
  auto b = OpenMigrated({path});
  ASSERT_TRUE(a && b);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(a->CreateContact(contact, {}).ok());
  constexpr int kThreadsPerStore = 4;
  constexpr int kUpdates = 25;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (SqliteStore* store : {a.get(), b.get()}) {
    for (int t = 0; t < kThreadsPerStore; ++t) {
      threads.emplace_back([&, store] {
        for (int i = 0; i < kUpdates; ++i) {
          if (!Increment(*store, contact).ok()) ++failures;
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto stored = b->GetContact("org-a", contact.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 1 + 2 * kThreadsPerStore * kUpdates);
  EXPECT_EQ(stored->doc, std::to_string(2 * kThreadsPerStore * kUpdates));
}

TEST(SqliteStore, ReadsDoNotWaitForTheWriter) {
  TempDir dir;
  auto store = OpenMigrated({(dir.path() / "db.sqlite").string()});
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());
  // Inside the write transaction (write lock held), a read on the same store still answers,
  // with the last committed state.
  auto updated = store->UpdateContact("org-a", contact.id, [&](const Contact&) {
    auto during = store->GetContact("org-a", contact.id);
    EXPECT_TRUE(during.ok() && during->version == 1);
    return Result<ContactWrite>(ContactWrite{true, "1", {}, 2, std::nullopt, "", {}});
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(store->GetContact("org-a", contact.id)->version, 2);
}

// Group commit through the store: writes from many threads at once all succeed, are all
// visible afterwards, and share transactions.
TEST(SqliteStore, ConcurrentWritesAllSucceedAndShareCommits) {
  TempDir dir;
  auto store = OpenMigrated({(dir.path() / "db.sqlite").string()});
  ASSERT_NE(store, nullptr);
  Contact shared = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(shared, {}).ok());
  constexpr int kThreads = 32;
  constexpr int kUpdates = 20;
  std::vector<Contact> own;
  for (int t = 0; t < kThreads; ++t) own.push_back(MakeContact("org-a", "0"));
  const WriteStats before = store->write_stats();

  std::atomic<int> failures = 0;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const std::vector<UniqueKey> keys = {{"email", "t" + std::to_string(t) + "@x.io"}};
      if (!store->CreateContact(own[t], keys).ok()) ++failures;
      for (int i = 0; i < kUpdates; ++i) {
        if (!Increment(*store, own[t], keys).ok()) ++failures;
        if (!Increment(*store, shared).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  for (int t = 0; t < kThreads; ++t) {
    auto stored = store->GetContact("org-a", own[t].id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->version, 1 + kUpdates);
    EXPECT_EQ(stored->doc, std::to_string(kUpdates));
  }
  auto stored = store->GetContact("org-a", shared.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 1 + kThreads * kUpdates);  // no update lost or merged
  EXPECT_EQ(stored->doc, std::to_string(kThreads * kUpdates));

  const WriteStats after = store->write_stats();
  const std::uint64_t writes = after.writes - before.writes;
  const std::uint64_t transactions = after.transactions - before.transactions;
  EXPECT_EQ(writes, std::uint64_t{kThreads} * (1 + 2 * kUpdates));
  // With 32 writers and a disk sync per commit, writes pile up behind every COMMIT.
  EXPECT_LT(transactions, writes / 2) << transactions << " transactions for " << writes;
}

// Holds the store's writer inside an update of `contact` until `n` writes queue behind it, so
// that those n share the next transaction. Returns once the holding write runs.
std::thread HoldWriterUntilQueued(SqliteStore& store, const Contact& contact, std::size_t n) {
  auto running = std::make_shared<std::atomic<bool>>(false);
  std::thread holder([&store, contact, n, running] {
    auto held = store.UpdateContact(contact.org_id, contact.id, [&](const Contact& current) {
      *running = true;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (store.write_stats().queued < n && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return Result<ContactWrite>(
          ContactWrite{true, current.doc + "+", {}, 3'000, std::nullopt, "", {}});
    });
    EXPECT_TRUE(held.ok());
  });
  while (!*running) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return holder;
}

TEST(SqliteStore, AConflictInABatchIsItsOwnErrorAndItsBatchMatesCommit) {
  TempDir dir;
  auto store = OpenMigrated({(dir.path() / "db.sqlite").string()});
  ASSERT_NE(store, nullptr);
  Contact holder_contact = MakeContact("org-a", "h");
  Contact owner = MakeContact("org-a", "owner");
  Contact other = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(holder_contact, {}).ok());
  ASSERT_TRUE(store->CreateContact(owner, {{"email", "taken@x.io"}}).ok());
  ASSERT_TRUE(store->CreateContact(other, {}).ok());
  Contact rival = MakeContact("org-a", "rival");
  Contact fresh = MakeContact("org-a", "fresh");
  const WriteStats before = store->write_stats();

  std::thread holder = HoldWriterUntilQueued(*store, holder_contact, 3);
  Result<Contact> clash = Error::Internal("not run");
  Result<Contact> created = Error::Internal("not run");
  Result<Contact> updated = Error::Internal("not run");
  std::thread t1([&] { clash = store->CreateContact(rival, {{"email", "taken@x.io"}}); });
  std::thread t2([&] { created = store->CreateContact(fresh, {{"email", "fresh@x.io"}}); });
  std::thread t3([&] { updated = Increment(*store, other, {{"email", "other@x.io"}}); });
  t1.join();
  t2.join();
  t3.join();
  holder.join();

  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  ASSERT_EQ(clash.error().details.size(), 1u);
  EXPECT_EQ(clash.error().details[0].field, "email");
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(store->write_stats().transactions - before.transactions, 2u);

  // The stored state: the rival is absent, its batch-mates are there, keys as they should be.
  EXPECT_EQ(ErrorOf(store->GetContact("org-a", rival.id)), ErrorCode::kNotFound);
  EXPECT_EQ(store->GetContact("org-a", fresh.id)->doc, "fresh");
  EXPECT_EQ(store->GetContact("org-a", other.id)->doc, "1");
  EXPECT_EQ(store->GetContact("org-a", holder_contact.id)->doc, "h+");
  Contact probe = MakeContact("org-a", "probe");
  auto taken = store->CreateContact(probe, {{"email", "taken@x.io"}});
  EXPECT_EQ(ErrorOf(taken), ErrorCode::kConflict);  // still the owner's
  auto other_key = store->CreateContact(probe, {{"email", "other@x.io"}});
  EXPECT_EQ(ErrorOf(other_key), ErrorCode::kConflict);  // taken by the batched update
}

// Fault injection at the last step of a write: a trigger makes the contacts row write fail
// after the unique keys were already changed in the same transaction.
TEST(SqliteStore, AFailureAtTheLastStepLeavesNothingChanged) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = OpenMigrated({path});
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {{"email", "old@x.io"}}).ok());
  {
    auto admin = Connection::Open({path});
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE(
        (*admin)
            ->ExecScript("CREATE TRIGGER fail_update BEFORE UPDATE ON contacts "
                         "WHEN NEW.doc = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END;"
                         "CREATE TRIGGER fail_insert BEFORE INSERT ON contacts "
                         "WHEN NEW.doc = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END;")
            .ok());
  }
  auto expect_injected = [](const Error& error) {
    EXPECT_EQ(error.code, ErrorCode::kInternal);
    EXPECT_EQ(error.message, "Internal server error");
    EXPECT_NE(error.internal.find("injected"), std::string::npos) << error.internal;
  };
  // Probes whether a key is free by creating (and keeping) a contact that holds it.
  int probes = 0;
  auto key_free = [&](const UniqueKey& key) {
    Contact probe = MakeContact("org-a", "{}");
    probe.id = NewUuidV7(5'000 + probes++);
    return store->CreateContact(probe, {key}).ok();
  };

  auto update = store->UpdateContact("org-a", contact.id, [](const Contact&) {
    return Result<ContactWrite>(
        ContactWrite{true, "boom", {{"email", "new@x.io"}}, 2'000, std::nullopt, "", {}});
  });
  ASSERT_FALSE(update.ok());
  expect_injected(update.error());
  auto stored = store->GetContact("org-a", contact.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->doc, "0");
  EXPECT_FALSE(key_free({"email", "old@x.io"}));
  EXPECT_TRUE(key_free({"email", "new@x.io"}));

  Contact failing = MakeContact("org-a", "boom");
  failing.id = NewUuidV7(9'000);
  auto create = store->CreateContact(failing, {{"phone", "+1"}});
  ASSERT_FALSE(create.ok());
  expect_injected(create.error());
  EXPECT_EQ(ErrorOf(store->GetContact("org-a", failing.id)), ErrorCode::kNotFound);
  EXPECT_TRUE(key_free({"phone", "+1"}));
}

TEST(SqliteStore, ALockHeldPastTheBusyTimeoutIsUnavailable) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  SqliteOptions options{path};
  options.busy_timeout_ms = 100;
  auto store = OpenMigrated(options);
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());

  auto other_process = Connection::Open({path});
  ASSERT_TRUE(other_process.ok());
  ASSERT_TRUE((*other_process)->ExecScript("BEGIN IMMEDIATE").ok());
  auto blocked = Increment(*store, contact);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(blocked.error().message.find("lock"), std::string::npos);  // sqlite text is internal
  EXPECT_NE(blocked.error().internal.find("locked"), std::string::npos);
  // Reads go on while another process writes.
  EXPECT_TRUE(store->GetContact("org-a", contact.id).ok());
  ASSERT_TRUE((*other_process)->ExecScript("ROLLBACK").ok());

  auto unblocked = Increment(*store, contact);
  ASSERT_TRUE(unblocked.ok());
  EXPECT_EQ(unblocked->version, 2);
}

TEST(SqliteStore, WalStaysBoundedUnderSteadyWrites) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  SqliteOptions options{path};
  options.synchronous_full = false;  // the WAL's size is the point here, not durability
  auto store = OpenMigrated(options);
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());

  // A statement abandoned after its first row must not pin a snapshot (which would stop
  // checkpoints from recycling the WAL).
  auto bystander = Connection::Open({path, ConnectionRole::kReader});
  ASSERT_TRUE(bystander.ok());
  {
    auto stmt = (*bystander)->Prepare("SELECT id FROM contacts");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->Next());
  }

  const std::string padding(3'000, 'x');
  for (int i = 0; i < 3'000; ++i) {
    auto updated = store->UpdateContact("org-a", contact.id, [&](const Contact&) {
      return Result<ContactWrite>(
          ContactWrite{true, padding + std::to_string(i), {}, i, std::nullopt, "", {}});
    });
    ASSERT_TRUE(updated.ok());
    ASSERT_TRUE(store->GetContact("org-a", contact.id).ok());
  }
  // With no snapshot pinned, a checkpoint can copy back every frame and truncate the WAL to
  // nothing. (The WAL's size at some instant says less: it depends on how far the checkpoint
  // thread has got on a busy machine, and a test of it failed 3 runs in 10.) A pinned snapshot
  // would leave frames behind, the WAL would never reset, and this would time out.
  auto checkpointer = Connection::Open({path, ConnectionRole::kWriter});
  ASSERT_TRUE(checkpointer.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool truncated = false;
  while (!truncated && std::chrono::steady_clock::now() < deadline) {
    auto stmt = (*checkpointer)->Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->Next());
    const bool busy = stmt->Int64(0) != 0;  // another checkpoint or a reader held it off
    truncated = !busy && std::filesystem::file_size(path + "-wal") == 0;
    if (!truncated) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(truncated) << "the WAL could not be checkpointed and truncated: a snapshot is pinned";
}

// The WAL is copied back into the file by the checkpoint thread once it passes
// kCheckpointPages, long before the writer's own checkpoint (kWriterCheckpointPages) would run:
// the database file grows while the store only commits.
TEST(SqliteStore, TheCheckpointThreadCopiesTheWalBackEarly) {
  TempDir dir;
  const std::string path = (dir.path() / "db.sqlite").string();
  auto store = OpenMigrated({path});
  ASSERT_NE(store, nullptr);
  const auto file_size_before = std::filesystem::file_size(path);
  const std::string padding(6'000, 'x');
  auto wal_pages = [&] { return std::filesystem::file_size(path + "-wal") / 4096; };
  std::uintmax_t written = 0;
  while (wal_pages() < std::uintmax_t{sqlite::kCheckpointPages} + 50) {
    ASSERT_TRUE(store->CreateContact(MakeContact("org-a", padding), {}).ok());
    written += padding.size();
  }
  ASSERT_LT(wal_pages(), std::uintmax_t{sqlite::kWriterCheckpointPages});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::file_size(path) < file_size_before + written &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(std::filesystem::file_size(path), file_size_before + written);
}

}  // namespace
}  // namespace contactsd::store::test
