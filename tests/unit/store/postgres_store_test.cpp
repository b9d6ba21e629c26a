// PostgresStore: the contract suite on a fresh schema per test, and what is specific to
// PostgreSQL: versioned migrations under an advisory lock, statements prepared once per
// connection, reconnecting after the server drops its connections, the pool, several stores
// (processes) on one database, and faults injected at the last step of a write.
// Needs CONTACTSD_TEST_PG_URL (see pg_test_schema.hpp); skipped without it.
#include "store/postgres/postgres_store.hpp"

#include "pg_test_schema.hpp"
#include "store_contract.hpp"

#include "common/uuid.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/migrations.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::test {
namespace {

using postgres::Connection;
using postgres::PostgresStore;
using postgres::Query;
using postgres::Sql;

std::unique_ptr<Store> OpenMigrated(const std::string& url) {
  auto store = OpenStore(url);
  EXPECT_TRUE(store.ok()) << store.error().message << " " << store.error().internal;
  return store.ok() ? std::move(*store) : nullptr;
}

class PostgresHarness : public StoreHarness {
 public:
  explicit PostgresHarness(const char* url) : schema_(url), store_(OpenMigrated(schema_.Url())) {}
  Store& store() override { return *store_; }
  std::unique_ptr<Store> OpenAnother() override { return OpenMigrated(schema_.Url()); }

 private:
  TestSchema schema_;  // declared first: dropped after the store has closed its connections
  std::unique_ptr<Store> store_;
};

void SkipWithoutServer() { GTEST_SKIP() << kNoPostgresServer; }

std::unique_ptr<StoreHarness> MakePostgresHarness() {
  const char* url = PostgresTestUrl();
  if (url == nullptr) {
    SkipWithoutServer();
    return nullptr;
  }
  return std::make_unique<PostgresHarness>(url);
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(StoreBackend{"Postgres", MakePostgresHarness}),
                         StoreBackendName);

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresTestUrl() == nullptr) GTEST_SKIP() << kNoPostgresServer;
    schema_.emplace(PostgresTestUrl());
  }
  TestSchema& schema() { return *schema_; }

 private:
  std::optional<TestSchema> schema_;
};

Org MakeOrg(const std::string& id) { return {id, "Org", "pro", 0, 1}; }

Contact MakeContact(const std::string& org_id, std::string doc, std::int64_t id_ms = 1'000) {
  return {org_id, NewUuidV7(id_ms), std::move(doc), 1, 1'000, 1'000, std::nullopt, ""};
}

// Adds one to the counter the document holds; the contact then holds `keys`.
Result<Contact> Increment(Store& store, const Contact& contact,
                          const std::vector<UniqueKey>& keys = {}) {
  return store.UpdateContact(contact.org_id, contact.id, [&](const Contact& current) {
    return Result<ContactWrite>(ContactWrite{
        true, std::to_string(std::stoi(current.doc) + 1), keys, 2'000, std::nullopt, "", {}});
  });
}

constexpr char kTableCount[] =
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND "
    "table_name IN ('orgs', 'api_keys', 'contacts', 'contact_keys', 'custom_fields', "
    "'settings')";
constexpr char kMigrationRows[] = "SELECT count(*) || ':' || max(version) FROM schema_migrations";

TEST_F(PostgresStoreTest, MigrationsAreRecordedOnceAndIdempotent) {
  auto store = OpenMigrated(schema().Url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
  EXPECT_TRUE(store->Migrate().ok());
  auto again = OpenMigrated(schema().Url());
  ASSERT_NE(again, nullptr);
  const std::string latest = std::to_string(postgres::LatestSchemaVersion());
  EXPECT_EQ(schema().Value(kMigrationRows), latest + ":" + latest);
  EXPECT_EQ(schema().Value(kTableCount), "6");
  EXPECT_TRUE(again->GetOrg("org-a").ok());
}

TEST_F(PostgresStoreTest, ConcurrentMigrationsOfAFreshSchemaAgree) {
  // Without the advisory lock, concurrent CREATE TABLEs of the same name fail.
  constexpr int kStores = 4;
  std::latch start(kStores);
  std::vector<std::unique_ptr<Store>> stores(kStores);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      stores[i] = OpenMigrated(schema().Url());
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kStores; ++i) {
    ASSERT_NE(stores[i], nullptr);
    EXPECT_TRUE(stores[i]->CreateOrg(MakeOrg("org-" + std::to_string(i))).ok());
  }
  const std::string latest = std::to_string(postgres::LatestSchemaVersion());
  EXPECT_EQ(schema().Value(kMigrationRows), latest + ":" + latest);
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefused) {
  ASSERT_NE(OpenMigrated(schema().Url()), nullptr);
  schema().Value("INSERT INTO schema_migrations (version) VALUES (999) RETURNING version");
  auto store = OpenStore(schema().Url());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.error().message, "Internal server error");
  EXPECT_NE(store.error().internal.find("newer"), std::string::npos) << store.error().internal;
}

TEST_F(PostgresStoreTest, DatabaseErrorTextStaysInternal) {
  // Not migrated: the tables are missing.
  auto store = PostgresStore::Open({schema().Url(), 2});
  auto org = store->GetOrg("org-a");
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.error().code, ErrorCode::kInternal);
  EXPECT_EQ(org.error().message, "Internal server error");
  EXPECT_NE(org.error().internal.find("orgs"), std::string::npos) << org.error().internal;
  // The failed statement was not marked prepared: once migrated, it works on the same pool.
  ASSERT_TRUE(store->Migrate().ok());
  ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
  EXPECT_TRUE(store->GetOrg("org-a").ok());
}

TEST_F(PostgresStoreTest, EachStatementIsPreparedOncePerConnection) {
  ASSERT_NE(OpenMigrated(schema().Url()), nullptr);
  auto opened = Connection::Open(schema().Url());
  ASSERT_TRUE(opened.ok()) << opened.error().internal;
  Connection& connection = **opened;
  EXPECT_EQ(connection.prepared_count(), 0);
  ASSERT_TRUE(connection.Run(Query(Sql::kGetOrg).Text("a")).ok());
  ASSERT_TRUE(connection.Run(Query(Sql::kGetOrg).Text("b")).ok());
  EXPECT_EQ(connection.prepared_count(), 1);
  // Twice in one batch, first use of the second statement: each prepared once, in the batch.
  const std::vector<Query> batch = {Query(Sql::kGetSetting).Text("x"),
                                    Query(Sql::kGetSetting).Text("y"),
                                    Query(Sql::kGetOrg).Text("c")};
  auto results = connection.Run(batch);
  ASSERT_TRUE(results.ok()) << results.error().internal;
  EXPECT_EQ(results->size(), 3u);
  EXPECT_EQ(connection.prepared_count(), 2);
  EXPECT_TRUE(connection.idle());
}

TEST_F(PostgresStoreTest, AFailedStatementInABatchSkipsTheRestAndNamesItsIndex) {
  ASSERT_NE(OpenMigrated(schema().Url()), nullptr);
  auto opened = Connection::Open(schema().Url());
  ASSERT_TRUE(opened.ok());
  Connection& connection = **opened;
  const Org org = MakeOrg("org-a");
  auto insert_setting = [](const char* name) {
    return Query(Sql::kInsertSettingIfAbsent).Text(name).Text("v");
  };
  // BEGIN; a setting; a contact key twice (the second violates the primary key); COMMIT.
  const std::vector<Query> batch = {
      Query(Sql::kBegin), insert_setting("first"),
      Query(Sql::kInsertContactKey).Text("org-a").Text("email").Text("a@x.io").Text("c1"),
      Query(Sql::kInsertContactKey).Text("org-a").Text("email").Text("a@x.io").Text("c2"),
      Query(Sql::kCommit)};
  auto results = connection.Run(batch);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(connection.failure().index, 3);
  EXPECT_EQ(connection.failure().sqlstate, postgres::kUniqueViolation);
  EXPECT_TRUE(connection.usable());
  EXPECT_FALSE(connection.idle());  // the aborted transaction waits for ROLLBACK
  ASSERT_TRUE(connection.Run(Query(Sql::kRollback)).ok());
  EXPECT_TRUE(connection.idle());
  EXPECT_EQ(schema().Value("SELECT count(*) FROM settings"), "0");
  EXPECT_EQ(schema().Value("SELECT count(*) FROM contact_keys"), "0");
}

// Waits until the server has no backend left for `application_name`.
void AwaitBackendsGone(TestSchema& schema, const std::string& application_name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (schema.Value("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                      application_name + "'") != "0") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "backends not terminated";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerClosesItsConnections) {
  // What a server restart does to a pool: every idle connection is closed by the server.
  const std::string app = "contactsd_test_" + schema().name();
  auto store = OpenMigrated(schema().Url("pool=3&application_name=" + app));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateOrg(MakeOrg("org-a")).ok());
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {{"email", "a@x.io"}}).ok());
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(schema().Value("SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity "
                             "WHERE application_name = '" +
                             app + "'"),
              "t");
    AwaitBackendsGone(schema(), app);
    // Reads and writes alike go through, on new connections.
    auto org = store->GetOrg("org-a");
    ASSERT_TRUE(org.ok()) << org.error().internal;
    auto updated = Increment(*store, contact, {{"email", "a@x.io"}});
    ASSERT_TRUE(updated.ok()) << updated.error().internal;
    EXPECT_EQ(updated->version, 2 + round);
    Contact other = MakeContact("org-a", "{}", 2'000 + round);
    auto created = store->CreateContact(other, {{"email", "a@x.io"}});
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, ErrorCode::kConflict);
  }
}

TEST_F(PostgresStoreTest, ConnectsOnlyToAServerThatTakesWrites) {
  // A server that refuses writes (here by setting; a standby likewise) is skipped, as libpq
  // would skip it for the next host of a multi-host URL; the URL may still ask for any.
  const std::string read_only = "-c%20default_transaction_read_only%3Don";
  auto refused = Connection::Open(schema().Url("", read_only));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().internal.find("read-only"), std::string::npos)
      << refused.error().internal;
  EXPECT_TRUE(Connection::Open(schema().Url("target_session_attrs=any", read_only)).ok());
}

TEST_F(PostgresStoreTest, AWriteRefusedAsReadOnlyLosesTheConnection) {
  // A primary made read-only while it runs (a switchover): a write on a connection to it is
  // Unavailable, and the connection goes, so that the next one looks for the new primary.
  ASSERT_NE(OpenMigrated(schema().Url()), nullptr);
  auto opened = Connection::Open(schema().Url());
  ASSERT_TRUE(opened.ok()) << opened.error().internal;
  Connection& connection = **opened;
  ASSERT_TRUE(connection.Exec("SET default_transaction_read_only = on").ok());
  auto written = connection.Run(Query(Sql::kInsertSettingIfAbsent).Text("x").Text("v"));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(connection.failure().sqlstate, "25006");
  EXPECT_FALSE(connection.usable());
}

TEST_F(PostgresStoreTest, AnIdleConnectionTheServerEndedIsNotReused) {
  // The server's goodbye (a FATAL, then the end of the stream) is read before reuse.
  const std::string app = "contactsd_idle_" + schema().name();
  auto opened = Connection::Open(schema().Url("application_name=" + app));
  ASSERT_TRUE(opened.ok()) << opened.error().internal;
  Connection& connection = **opened;
  EXPECT_TRUE(connection.CheckAlive());
  EXPECT_EQ(schema().Value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                           "application_name = '" +
                           app + "'"),
            "1");
  AwaitBackendsGone(schema(), app);
  EXPECT_FALSE(connection.CheckAlive());
  EXPECT_FALSE(connection.usable());
  auto read = connection.Run(Query(Sql::kGetOrg).Text("a"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresStoreTest, APoolOfOneServesManyThreads) {
  const std::string app = "contactsd_test_" + schema().name();
  auto store = OpenMigrated(schema().Url("pool=1&application_name=" + app));
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());
  constexpr int kThreads = 4;
  constexpr int kUpdates = 20;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kUpdates; ++i) {
        if (!Increment(*store, contact).ok()) ++failures;
        if (!store->GetContact("org-a", contact.id).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->GetContact("org-a", contact.id)->version, 1 + kThreads * kUpdates);
  EXPECT_EQ(schema().Value("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                           app + "'"),
            "1");
}

TEST_F(PostgresStoreTest, TwoStoresOnOneDatabaseLoseNoUpdateAndShareUniqueKeys) {
  auto a = OpenMigrated(schema().Url());
  auto b = OpenMigrated(schema().Url());
  ASSERT_TRUE(a && b);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(a->CreateContact(contact, {}).ok());
  constexpr int kThreadsPerStore = 4;
  constexpr int kUpdates = 25;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (Store* store : {a.get(), b.get()}) {
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

  // Racing creates of one email through the two stores: exactly one wins each round.
  for (int round = 0; round < 10; ++round) {
    const UniqueKey email{"email", "race" + std::to_string(round) + "@x.io"};
    std::latch start(2);
    std::vector<Result<Contact>> results(2, Error::Internal("unset"));
    std::vector<std::thread> racers;
    for (int i = 0; i < 2; ++i) {
      racers.emplace_back([&, i] {
        Store& store = i == 0 ? *a : *b;
        Contact mine = MakeContact("org-a", "{}", 10'000 + round * 2 + i);
        start.arrive_and_wait();
        results[i] = store.CreateContact(mine, {email});
      });
    }
    for (auto& racer : racers) racer.join();
    const int wins = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
    ASSERT_EQ(wins, 1) << "round " << round;
    const Result<Contact>& loser = results[0].ok() ? results[1] : results[0];
    EXPECT_EQ(loser.error().code, ErrorCode::kConflict);
    ASSERT_EQ(loser.error().details.size(), 1u);
    EXPECT_EQ(loser.error().details[0].field, "email");
  }
}

TEST_F(PostgresStoreTest, KeysSwappedAtOnceByTwoStoresConflictWithoutDeadlockErrors) {
  // Each write frees its key and takes the other's, both rows locked before either writes.
  // Depending on timing the server sees a deadlock (and aborts one transaction, which is
  // retried) or not; either way both end in Conflict (each key is still held by the other
  // contact), the same answer as serialized writers, never Unavailable.
  auto a = OpenMigrated(schema().Url());
  auto b = OpenMigrated(schema().Url());
  ASSERT_TRUE(a && b);
  const UniqueKey x{"email", "x@x.io"}, y{"email", "y@x.io"};
  Contact first = MakeContact("org-a", "0", 1'000), second = MakeContact("org-a", "0", 1'001);
  ASSERT_TRUE(a->CreateContact(first, {x}).ok());
  ASSERT_TRUE(a->CreateContact(second, {y}).ok());
  std::latch both_locked(2);
  std::vector<Result<Contact>> results(2, Error::Internal("unset"));
  auto swap = [&](int i, Store& store, const Contact& contact, const UniqueKey& take) {
    bool waited = false;
    results[i] = store.UpdateContact("org-a", contact.id, [&](const Contact&) {
      if (!waited) {  // only on the first run: a retried run must not wait again
        waited = true;
        both_locked.arrive_and_wait();
      }
      return Result<ContactWrite>(ContactWrite{true, "1", {take}, 2'000, std::nullopt, "", {}});
    });
  };
  std::thread one([&] { swap(0, *a, first, y); });
  std::thread two([&] { swap(1, *b, second, x); });
  one.join();
  two.join();
  for (const auto& result : results) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kConflict) << result.error().internal;
  }
  EXPECT_EQ(a->GetContact("org-a", first.id)->version, 1);
  EXPECT_EQ(a->GetContact("org-a", second.id)->version, 1);
}

// Waits until some session of the test server waits for a lock.
void AwaitLockWaiter(TestSchema& schema) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (schema.Value("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") ==
         "0") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "nobody waits for a lock";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(PostgresStoreTest, ADeadlockVictimIsRetriedFromTheStart) {
  // Another session holds key k (uncommitted) while the store, holding the contact's row lock,
  // waits to insert k; then that session asks for the row lock: a deadlock, and the store's
  // transaction is the one aborted (40P01). The store runs the whole update again, which
  // succeeds once the other session rolls back. PostgreSQL aborts the waiter whose
  // deadlock_timeout fires first once the cycle exists (each waiter checks once), so the
  // store's is 3 s, ample for the other session to start waiting on a loaded 2-core machine,
  // and the other's a minute.
  auto store = OpenMigrated(schema().Url("", "-c%20deadlock_timeout%3D3s"));
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());
  auto other = Connection::Open(schema().Url("", "-c%20deadlock_timeout%3D60s"));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)
                  ->Exec("BEGIN; INSERT INTO contact_keys VALUES "
                         "('org-a', 'email', 'k@x.io', 'someone-else')")
                  .ok());
  std::atomic<int> runs = 0;
  Result<Contact> result = Error::Internal("unset");
  std::thread writer([&] {
    result = store->UpdateContact("org-a", contact.id, [&](const Contact& current) {
      ++runs;
      return Result<ContactWrite>(ContactWrite{true,
                                               std::to_string(std::stoi(current.doc) + 1),
                                               {{"email", "k@x.io"}},
                                               2'000,
                                               std::nullopt,
                                               "",
                                               {}});
    });
  });
  AwaitLockWaiter(schema());  // the store waits for the other session's key
  const std::string lock_row = "SELECT 1 FROM contacts WHERE id = '" + contact.id + "' FOR UPDATE";
  std::thread closer([&] {
    // Blocks until the store's transaction is aborted, then gives everything up.
    EXPECT_TRUE((*other)->Exec(lock_row.c_str()).ok());
    EXPECT_TRUE((*other)->Exec("ROLLBACK").ok());
  });
  writer.join();
  closer.join();
  ASSERT_TRUE(result.ok()) << result.error().internal;
  EXPECT_EQ(result->version, 2);
  EXPECT_EQ(result->doc, "1");
  // At least one retry; more when a retry took the row lock back before the other session got
  // it (a second deadlock, under load), but never beyond the store's 3 retries.
  EXPECT_GE(runs.load(), 2);
  EXPECT_LE(runs.load(), 4);
  Contact rival = MakeContact("org-a", "{}", 3'000);
  EXPECT_EQ(ErrorOf(store->CreateContact(rival, {{"email", "k@x.io"}})), ErrorCode::kConflict);
}

// Fault injection at the last step of a write: a trigger makes the contacts row write fail
// after the unique keys were already changed in the same transaction.
TEST_F(PostgresStoreTest, AFailureAtTheLastStepLeavesNothingChanged) {
  auto store = OpenMigrated(schema().Url("pool=1"));
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {{"email", "old@x.io"}}).ok());
  schema().Value(
      "CREATE FUNCTION fail_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.doc = 'boom' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$");
  schema().Value(
      "CREATE TRIGGER fail_boom BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW "
      "EXECUTE FUNCTION fail_boom()");
  auto expect_injected = [](const Error& error) {
    EXPECT_EQ(error.code, ErrorCode::kInternal);
    EXPECT_EQ(error.message, "Internal server error");
    EXPECT_NE(error.internal.find("injected"), std::string::npos) << error.internal;
  };
  int probes = 0;
  auto key_free = [&](const UniqueKey& key) {
    return store->CreateContact(MakeContact("org-a", "{}", 5'000 + probes++), {key}).ok();
  };

  auto update = store->UpdateContact("org-a", contact.id, [](const Contact&) {
    return Result<ContactWrite>(
        ContactWrite{true, "boom", {{"email", "new@x.io"}}, 2'000, std::nullopt, "", {}});
  });
  ASSERT_FALSE(update.ok());
  expect_injected(update.error());
  auto stored = store->GetContact("org-a", contact.id);  // the pool's one connection, reused
  ASSERT_TRUE(stored.ok()) << stored.error().internal;
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->doc, "0");
  EXPECT_FALSE(key_free({"email", "old@x.io"}));
  EXPECT_TRUE(key_free({"email", "new@x.io"}));

  Contact failing = MakeContact("org-a", "boom", 9'000);
  auto create = store->CreateContact(failing, {{"phone", "+1"}});
  ASSERT_FALSE(create.ok());
  expect_injected(create.error());
  EXPECT_EQ(ErrorOf(store->GetContact("org-a", failing.id)), ErrorCode::kNotFound);
  EXPECT_TRUE(key_free({"phone", "+1"}));
}

TEST_F(PostgresStoreTest, ARowLockedByAnotherSessionIsWaitedFor) {
  auto store = OpenMigrated(schema().Url());
  ASSERT_NE(store, nullptr);
  Contact contact = MakeContact("org-a", "0");
  ASSERT_TRUE(store->CreateContact(contact, {}).ok());
  auto other = Connection::Open(schema().Url());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN; SELECT 1 FROM contacts FOR UPDATE").ok());
  std::atomic<bool> done = false;
  std::thread writer([&] {
    EXPECT_TRUE(Increment(*store, contact).ok());
    done = true;
  });
  // Wait until the writer's backend is seen waiting for a row lock, from a third session.
  auto watcher = Connection::Open(schema().Url());
  ASSERT_TRUE(watcher.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool waiting = false;
  while (!waiting && std::chrono::steady_clock::now() < deadline) {
    auto rows = (*watcher)->Exec(
        "SELECT 1 FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'");
    ASSERT_TRUE(rows.ok());
    waiting = !rows->empty();
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(waiting) << "the writer never waited for the lock";
  EXPECT_FALSE(done.load());  // waiting for the lock, not failing
  // Reads do not wait for row locks.
  EXPECT_EQ(store->GetContact("org-a", contact.id)->version, 1);
  ASSERT_TRUE((*other)->Exec("COMMIT").ok());
  writer.join();
  EXPECT_EQ(store->GetContact("org-a", contact.id)->version, 2);
}

}  // namespace
}  // namespace contactsd::store::test
