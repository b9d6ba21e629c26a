// The Store contract: what every backend must do, checked through `Store&` alone.
#include "store_contract.hpp"

#include "common/uuid.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace contactsd::store::test {

void StoreContractTest::SetUp() {
  harness_ = GetParam().make();
  if (IsSkipped()) return;  // a backend without its server (PostgreSQL without a test URL)
  ASSERT_NE(harness_, nullptr);
}

void StoreContractTest::CreateOrg(const std::string& org_id) {
  ASSERT_TRUE(store().CreateOrg({org_id, "Org " + org_id, "pro", 100, 1'000}).ok());
}

Contact StoreContractTest::NewContact(const std::string& org_id, std::string doc, std::string id) {
  Contact contact;
  contact.org_id = org_id;
  contact.id = id.empty() ? NewUuidV7(next_id_ms_++) : std::move(id);
  contact.doc = std::move(doc);
  contact.created_at_ms = 1'000;
  contact.updated_at_ms = 1'000;
  return contact;
}

Contact StoreContractTest::CreateContact(const std::string& org_id, std::string doc,
                                         std::vector<UniqueKey> keys, std::string id) {
  auto created = store().CreateContact(NewContact(org_id, std::move(doc), std::move(id)), keys);
  EXPECT_TRUE(created.ok()) << created.error().message << " " << created.error().internal;
  return created.ok() ? *created : Contact{};
}

bool StoreContractTest::KeyTaken(const std::string& org_id, const UniqueKey& key) {
  auto probe = store().CreateContact(NewContact(org_id, "{}"), {key});
  if (!probe.ok()) {
    EXPECT_EQ(probe.error().code, ErrorCode::kConflict);
    return true;
  }
  auto archived = store().UpdateContact(org_id, probe->id, Write("{}", {}, 3'000, 3'000, "probe"));
  EXPECT_TRUE(archived.ok());
  return false;
}

Mutation Write(std::string doc, std::vector<UniqueKey> keys, std::int64_t updated_at_ms,
               std::optional<std::int64_t> archived_at_ms, std::string archived_by) {
  return [=](const Contact&) -> Result<ContactWrite> {
    ContactWrite write;
    write.doc = doc;
    write.unique_keys = keys;
    write.updated_at_ms = updated_at_ms;
    write.archived_at_ms = archived_at_ms;
    write.archived_by = archived_by;
    return write;
  };
}

// The credentials version, once settled: PostgreSQL's changes on every call until its
// listener is connected, which takes a moment after the first call.
std::uint64_t SettledCredentialsVersion(Store& store) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto first = store.CredentialsVersion();
    auto second = store.CredentialsVersion();
    EXPECT_TRUE(first.ok() && second.ok());
    if (!first.ok() || !second.ok()) return 0;
    if (*first == *second) return *first;
    EXPECT_LT(std::chrono::steady_clock::now(), deadline) << "the version never settles";
    if (std::chrono::steady_clock::now() >= deadline) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Polls until the version differs from `before` (a notification may take a moment to arrive).
bool CredentialsVersionChanges(Store& store, std::uint64_t before) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = store.CredentialsVersion();
    if (now.ok() && *now != before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

namespace {

std::vector<std::string> Ids(const std::vector<Contact>& contacts) {
  std::vector<std::string> ids;
  for (const Contact& contact : contacts) ids.push_back(contact.id);
  return ids;
}

void ExpectSameContact(const Contact& actual, const Contact& expected) {
  EXPECT_EQ(actual.org_id, expected.org_id);
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.doc, expected.doc);
  EXPECT_EQ(actual.version, expected.version);
  EXPECT_EQ(actual.created_at_ms, expected.created_at_ms);
  EXPECT_EQ(actual.updated_at_ms, expected.updated_at_ms);
  EXPECT_EQ(actual.archived_at_ms, expected.archived_at_ms);
  EXPECT_EQ(actual.archived_by, expected.archived_by);
}

// The first page of an org's contacts (members set by name, so new ListQuery members need no
// change here).
ListQuery FirstPage(std::string org_id, int limit, bool include_archived = false) {
  ListQuery query;
  query.org_id = std::move(org_id);
  query.limit = limit;
  query.include_archived = include_archived;
  return query;
}

// The stored contact equals `expected`.
void ExpectStored(Store& store, const Contact& expected) {
  auto stored = store.GetContact(expected.org_id, expected.id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ExpectSameContact(*stored, expected);
}

// `before` as the write of {"v":2} at 2,500 ms that several tests make leaves it: checks the
// contact the update answered and the one stored.
void ExpectWrittenV2(Store& store, const Contact& before, const Contact& answered) {
  Contact expected = before;
  expected.doc = R"({"v":2})";
  expected.version = before.version + 1;
  expected.updated_at_ms = 2'500;
  ExpectSameContact(answered, expected);
  ExpectStored(store, expected);
}

// ---- Orgs ----

TEST_P(StoreContractTest, OrgRoundTrips) {
  ASSERT_TRUE(store().CreateOrg({"org-a", "Acme", "free", 42, 1'234}).ok());
  auto org = store().GetOrg("org-a");
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->id, "org-a");
  EXPECT_EQ(org->name, "Acme");
  EXPECT_EQ(org->plan, "free");
  EXPECT_EQ(org->credits, 42);
  EXPECT_EQ(org->created_at_ms, 1'234);
}

TEST_P(StoreContractTest, UnknownOrgIsNotFound) {
  auto org = store().GetOrg("nope");
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateOrgIsConflictAndKeepsTheFirst) {
  CreateOrg("org-a");
  auto again = store().CreateOrg({"org-a", "Other", "free", 0, 5});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store().GetOrg("org-a")->name, "Org org-a");
}

// ---- API keys ----

NewApiKey MakeKey(std::string org_id, std::string id, std::string hash) {
  return {{std::move(id), std::move(org_id), "ci", "ck_abcd", 1'000, std::nullopt},
          std::move(hash)};
}

TEST_P(StoreContractTest, ApiKeyIsFoundByHashAndListedInItsOrgOnly) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-1", "hash-1")).ok());
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-b", "key-2", "hash-2")).ok());

  auto found = store().FindApiKeyByHash("hash-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "key-1");
  EXPECT_EQ(found->org_id, "org-a");
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->prefix, "ck_abcd");
  EXPECT_EQ(found->created_at_ms, 1'000);
  EXPECT_FALSE(found->revoked_at_ms.has_value());

  auto listed = store().ListApiKeys("org-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "key-1");
  EXPECT_EQ(ErrorOf(store().FindApiKeyByHash("hash-unknown")), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, AKeysScopeExpiryAndLastUseAreKept) {
  CreateOrg("org-a");
  NewApiKey scoped = MakeKey("org-a", "key-1", "hash-1");
  scoped.key.scope = "read";
  scoped.key.expires_at_ms = 9'000;
  ASSERT_TRUE(store().CreateApiKey(scoped).ok());
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-2", "hash-2")).ok());
  auto found = store().FindApiKeyByHash("hash-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->scope, "read");
  EXPECT_EQ(found->expires_at_ms, 9'000);
  EXPECT_FALSE(found->last_used_at_ms.has_value());

  // Later uses win, whatever order the flushes come in; an unknown id is skipped.
  ASSERT_TRUE(store().TouchApiKeys({{"key-1", 5'000}, {"key-unknown", 6'000}}).ok());
  ASSERT_TRUE(store().TouchApiKeys({{"key-1", 4'000}}).ok());
  ASSERT_TRUE(store().TouchApiKeys({}).ok());
  auto listed = store().ListApiKeys("org-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].last_used_at_ms, 5'000);
  EXPECT_EQ((*listed)[0].scope, "read");
  EXPECT_FALSE((*listed)[1].last_used_at_ms.has_value());
  EXPECT_EQ((*listed)[1].scope, "admin");  // the default: full rights
  EXPECT_FALSE((*listed)[1].expires_at_ms.has_value());
}

TEST_P(StoreContractTest, RevokedKeyIsNotFoundButStillListed) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-1", "hash-1")).ok());

  auto revoked = store().RevokeApiKey("key-1", 5'000);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->id, "key-1");
  EXPECT_EQ(revoked->revoked_at_ms, 5'000);
  EXPECT_EQ(ErrorOf(store().FindApiKeyByHash("hash-1")), ErrorCode::kNotFound);

  // Revoking again keeps the first revocation time.
  auto again = store().RevokeApiKey("key-1", 9'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revoked_at_ms, 5'000);

  auto listed = store().ListApiKeys("org-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].revoked_at_ms, 5'000);
}

TEST_P(StoreContractTest, RevokingAnUnknownKeyIsNotFound) {
  auto revoked = store().RevokeApiKey("no-such-key", 5'000);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, KeyOfAMissingOrgIsNotFound) {
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-gone", "key-1", "hash-1")).ok());
  EXPECT_EQ(ErrorOf(store().FindApiKeyByHash("hash-1")), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, CredentialsVersionStaysWhileNoKeyIsRevoked) {
  CreateOrg("org-a");
  const std::uint64_t before = SettledCredentialsVersion(store());
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-1", "hash-1")).ok());
  CreateContact("org-a", "{}");
  EXPECT_EQ(ErrorOf(store().RevokeApiKey("no-such-key", 5'000)), ErrorCode::kNotFound);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // room for a stray notification
  EXPECT_EQ(store().CredentialsVersion().value(), before);
}

TEST_P(StoreContractTest, CredentialsVersionChangesWhenAnotherProcessRevokesAKey) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-1", "hash-1")).ok());
  ASSERT_TRUE(store().CreateApiKey(MakeKey("org-a", "key-2", "hash-2")).ok());
  auto other = harness().OpenAnother();
  ASSERT_NE(other, nullptr);
  std::uint64_t before = SettledCredentialsVersion(store());
  ASSERT_TRUE(other->RevokeApiKey("key-1", 5'000).ok());
  EXPECT_TRUE(CredentialsVersionChanges(store(), before));
  // and again, through this store
  before = SettledCredentialsVersion(store());
  ASSERT_TRUE(store().RevokeApiKey("key-2", 6'000).ok());
  EXPECT_TRUE(CredentialsVersionChanges(store(), before));
}

// ---- Contacts: create, get, list ----

TEST_P(StoreContractTest, ContactRoundTripsWithItsDocumentByteForByte) {
  CreateOrg("org-a");
  Contact contact = NewContact("org-a", R"({ "name" : "Zoë 😀",  "n": 1.50 })");
  contact.version = 7;  // ignored: a new contact is version 1
  contact.created_at_ms = 11;
  contact.updated_at_ms = 12;
  auto created = store().CreateContact(contact, {});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->version, 1);

  auto got = store().GetContact("org-a", contact.id);
  ASSERT_TRUE(got.ok());
  contact.version = 1;
  ExpectSameContact(*got, contact);
  ExpectSameContact(*created, contact);
}

TEST_P(StoreContractTest, UnknownContactIsNotFound) {
  CreateOrg("org-a");
  auto got = store().GetContact("org-a", NewUuidV7(1));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(got.error().message, "Contact not found");
}

TEST_P(StoreContractTest, ListPagesByIdAndSkipsArchivedUnlessAsked) {
  CreateOrg("org-a");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateContact("org-a", "{}").id);
  ASSERT_TRUE(store().UpdateContact("org-a", ids[1], Write("{}", {}, 2'000, 2'000, "u")).ok());

  ListQuery query = FirstPage("org-a", 2);
  auto page1 = store().ListContacts(query);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(Ids(*page1), (std::vector<std::string>{ids[0], ids[2]}));

  query.after_id = ids[2];
  auto page2 = store().ListContacts(query);
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(Ids(*page2), (std::vector<std::string>{ids[3], ids[4]}));

  query.after_id = ids[4];
  auto page3 = store().ListContacts(query);
  ASSERT_TRUE(page3.ok());
  EXPECT_TRUE(page3->empty());

  ListQuery all = FirstPage("org-a", 50, true);
  auto everything = store().ListContacts(all);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(Ids(*everything), ids);
  EXPECT_EQ((*everything)[1].archived_at_ms, 2'000);
  EXPECT_EQ((*everything)[1].archived_by, "u");
  EXPECT_EQ((*everything)[1].version, 2);
}

TEST_P(StoreContractTest, AScanReadsEveryPageInTheSnapshotItBeganWith) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateContact("org-a", R"({"n":0})").id);
  CreateContact("org-b", "{}");
  auto scan = store().ScanContacts(FirstPage("org-a", 2));
  ASSERT_TRUE(scan.ok()) << scan.error().internal;
  auto page1 = (*scan)->Next();
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(Ids(*page1), (std::vector<std::string>{ids[0], ids[1]}));
  // Written while the scan runs: neither is in its later pages.
  ASSERT_TRUE(store().UpdateContact("org-a", ids[4], Write(R"({"n":1})", {})).ok());
  const std::string added = CreateContact("org-a", "{}").id;
  std::vector<Contact> rest;
  for (;;) {
    auto page = (*scan)->Next();
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (Contact& c : *page) rest.push_back(std::move(c));
  }
  EXPECT_EQ(Ids(rest), (std::vector<std::string>{ids[2], ids[3], ids[4]}));
  EXPECT_EQ(rest.back().doc, R"({"n":0})");
  EXPECT_EQ(rest.back().version, 1);
  scan->reset();  // gives its reader (or connection) back
  auto now = store().ListContacts(FirstPage("org-a", 50));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->size(), 6u);
  EXPECT_EQ(now->back().id, added);
}

TEST_P(StoreContractTest, ListLimitOutsideItsRangeIsRefused) {
  for (int limit : {0, 1001}) {
    EXPECT_EQ(ErrorOf(store().ListContacts(FirstPage("org-a", limit))), ErrorCode::kInternal)
        << limit;
  }
  auto largest = store().ListContacts(FirstPage("org-a", 1000));
  EXPECT_TRUE(largest.ok());
}

// ---- Document filters ----

DocFilter TextIs(std::string field, std::string text) {
  return {std::move(field), std::move(text), std::nullopt};
}
DocFilter IntegerIs(std::string field, std::int64_t value) { return {std::move(field), "", value}; }

TEST_P(StoreContractTest, ListFiltersMatchScalarsAndArrayItems) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  const std::string a =
      CreateContact("org-a", R"({"city":"Oslo","tags":["vip","new"],"score":5,"nums":[1,2]})").id;
  const std::string b =
      CreateContact("org-a", R"({"city":"Bergen","tags":["new"],"score":5.0,"nums":[3]})").id;
  const std::string c =
      CreateContact("org-a", R"({"city":"oslo","tags":[],"score":"5","nums":null})").id;
  const std::string d = CreateContact("org-a", R"({"tags":"vip","city":null})").id;
  // Strings with an escaped NUL match nothing and break nothing; an escaped backslash before
  // "u0000" is no NUL.
  const std::string e =
      CreateContact("org-a", R"({"tags":["a\u0000b","x\\u0000"],"city":"\\\u0000"})").id;
  CreateContact("org-b", R"({"city":"Oslo","tags":["vip","new"]})");

  auto list = [&](std::vector<DocFilter> filters, int limit = 50,
                  std::optional<std::string> after = std::nullopt, bool archived = false) {
    ListQuery query = FirstPage("org-a", limit, archived);
    query.after_id = std::move(after);
    query.filters = std::move(filters);
    auto page = store().ListContacts(query);
    EXPECT_TRUE(page.ok()) << page.error().internal;
    return page.ok() ? Ids(*page) : std::vector<std::string>{"<error>"};
  };
  using IdList = std::vector<std::string>;
  EXPECT_EQ(list({TextIs("city", "Oslo")}), IdList({a}));    // exact, case-sensitive
  EXPECT_EQ(list({TextIs("tags", "vip")}), IdList({a, d}));  // an array item, or the scalar
  EXPECT_EQ(list({TextIs("tags", "new")}), IdList({a, b}));
  EXPECT_EQ(list({IntegerIs("score", 5)}), IdList({a, b}));  // numbers only, 5.0 == 5
  EXPECT_EQ(list({TextIs("score", "5")}), IdList({c}));      // strings only
  EXPECT_EQ(list({IntegerIs("nums", 2)}), IdList({a}));
  EXPECT_EQ(list({IntegerIs("nums", 3)}), IdList({b}));
  EXPECT_EQ(list({TextIs("nope", "x")}), IdList({}));
  EXPECT_EQ(list({TextIs("tags", "ab")}), IdList({}));
  EXPECT_EQ(list({TextIs("tags", "x\\u0000")}), IdList({e}));
  EXPECT_EQ(list({TextIs("city", "Oslo"), TextIs("tags", "new")}), IdList({a}));  // all must hold
  EXPECT_EQ(list({TextIs("city", "Bergen"), TextIs("tags", "vip")}), IdList({}));
  EXPECT_EQ(list({TextIs("tags", "new"), TextIs("tags", "vip"), IntegerIs("score", 5)}),
            IdList({a}));

  // Pages, and archived contacts only when asked.
  EXPECT_EQ(list({TextIs("tags", "new")}, 1), IdList({a}));
  EXPECT_EQ(list({TextIs("tags", "new")}, 1, a), IdList({b}));
  ASSERT_TRUE(
      store()
          .UpdateContact("org-a", b,
                         Write(R"({"city":"Bergen","tags":["new"]})", {}, 2'000, 2'000, "u"))
          .ok());
  EXPECT_EQ(list({TextIs("tags", "new")}), IdList({a}));
  EXPECT_EQ(list({TextIs("tags", "new")}, 50, std::nullopt, true), IdList({a, b}));
}

// ---- Tenant isolation ----

TEST_P(StoreContractTest, AnotherTenantCannotSeeOrChangeAContact) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Contact contact = CreateContact("org-a", R"({"a":1})", {{"email", "a@x.io"}});

  EXPECT_EQ(ErrorOf(store().GetContact("org-b", contact.id)), ErrorCode::kNotFound);
  bool called = false;
  auto update = store().UpdateContact("org-b", contact.id, [&](const Contact&) {
    called = true;
    return Result<ContactWrite>(ContactWrite{true, "{}", {}, 9, std::nullopt, "", {}});
  });
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(called);
  auto listed = store().ListContacts(FirstPage("org-b", 50, true));
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  auto unchanged = store().GetContact("org-a", contact.id);
  ASSERT_TRUE(unchanged.ok());
  ExpectSameContact(*unchanged, contact);
}

TEST_P(StoreContractTest, TheSameKeyValueIsFineInTwoOrgs) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  CreateContact("org-a", "{}", {{"email", "same@x.io"}});
  auto other = store().CreateContact(NewContact("org-b", "{}"), {{"email", "same@x.io"}});
  EXPECT_TRUE(other.ok());
}

// ---- UpdateContact ----

TEST_P(StoreContractTest, UpdateReplacesTheDocumentAndBumpsTheVersion) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})");
  auto updated = store().UpdateContact("org-a", contact.id, [&](const Contact& current) {
    EXPECT_EQ(current.doc, R"({"v":1})");
    EXPECT_EQ(current.version, 1);
    return Result<ContactWrite>(ContactWrite{true, R"({"v":2})", {}, 2'500, std::nullopt, "", {}});
  });
  ASSERT_TRUE(updated.ok());
  ExpectWrittenV2(store(), contact, *updated);
}

// The asynchronous form answers what UpdateContact would (on SQLite from the writer thread,
// after the commit; on PostgreSQL at once, on the calling thread).
TEST_P(StoreContractTest, UpdateContactAsyncAnswersOnceAfterTheWriteIsStored) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})");
  std::promise<Result<Contact>> answer;
  std::atomic<int> calls = 0;
  store().UpdateContactAsync(
      "org-a", contact.id,
      [](const Contact& current) {
        EXPECT_EQ(current.version, 1);
        return Result<ContactWrite>(
            ContactWrite{true, R"({"v":2})", {}, 2'500, std::nullopt, "", {}});
      },
      UpdateScope::kAny, ChangeOrigin::System(),
      [&](Result<Contact> updated) {
        ++calls;
        answer.set_value(std::move(updated));
      });
  auto future = answer.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  Result<Contact> updated = future.get();
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  ExpectWrittenV2(store(), contact, *updated);
  EXPECT_EQ(calls, 1);

  std::promise<Result<Contact>> missing;
  store().UpdateContactAsync(
      "org-b", contact.id,  // another tenant: not found, nothing changes
      [](const Contact&) { return Result<ContactWrite>(ContactWrite{}); },
      UpdateScope::kDocumentOnly, ChangeOrigin::System(),
      [&](Result<Contact> result) { missing.set_value(std::move(result)); });
  Result<Contact> not_found = missing.get_future().get();
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.error().code, ErrorCode::kNotFound);
  ExpectStored(store(), *updated);  // unchanged by the other tenant's attempt
}

namespace {

// UpdateContactAsync with a scope, waited for.
Result<Contact> UpdateAndWait(Store& store, const std::string& org_id, const std::string& id,
                              Mutation mutate, UpdateScope scope) {
  std::promise<Result<Contact>> answer;
  store.UpdateContactAsync(org_id, id, std::move(mutate), scope, ChangeOrigin::System(),
                           [&](Result<Contact> updated) { answer.set_value(std::move(updated)); });
  return answer.get_future().get();
}

// Runs `increment` (one read-modify-write of the counter in contact `id`; true when it
// succeeded) 50 times on each of 8 threads at once, then checks that the counter and the
// version count every one exactly once: a lost update would show in both.
void ExpectEveryIncrementLands(Store& store, const std::string& id,
                               const std::function<bool()>& increment) {
  constexpr int kThreads = 8;
  constexpr int kUpdates = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kUpdates; ++i) {
        if (!increment()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto final_state = store.GetContact("org-a", id);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(final_state->version, 1 + kThreads * kUpdates);
  EXPECT_EQ(final_state->doc, std::to_string(kThreads * kUpdates));
}

// The counter + 1, as a write of the document alone.
Result<ContactWrite> Increment(const Contact& current) {
  ContactWrite write{true, std::to_string(std::stoi(current.doc) + 1), {}, 2'000, std::nullopt, "",
                     {}};
  write.keys_unchanged = true;
  return write;
}

}  // namespace

// A write of the document alone (PostgreSQL writes it optimistically) is stored like any
// other: the document, version + 1, the timestamp, the keys held before.
TEST_P(StoreContractTest, ADocumentOnlyWriteIsStoredAndKeepsTheKeys) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})", {{"email", "a@x.io"}});
  ContactWrite write{true, R"({"v":2})", {{"email", "a@x.io"}}, 2'500, std::nullopt, "", {}};
  write.keys_unchanged = true;
  auto updated = UpdateAndWait(
      store(), "org-a", contact.id, [&](const Contact&) { return Result<ContactWrite>(write); },
      UpdateScope::kDocumentOnly);
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  ExpectWrittenV2(store(), contact, *updated);
  EXPECT_TRUE(KeyTaken("org-a", {"email", "a@x.io"}));

  auto missing = UpdateAndWait(
      store(), "org-b", contact.id, [&](const Contact&) { return Result<ContactWrite>(write); },
      UpdateScope::kDocumentOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// A mutation that breaks its promise (its scope said document only, its write moves a key) is
// still written whole: the key moves with the document.
TEST_P(StoreContractTest, ADocumentOnlyScopeThatMovesAKeyStillMovesIt) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})", {{"email", "a@x.io"}});
  auto updated =
      UpdateAndWait(store(), "org-a", contact.id, Write(R"({"v":2})", {{"email", "b@x.io"}}, 2'500),
                    UpdateScope::kDocumentOnly);
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  EXPECT_EQ(updated->version, 2);
  EXPECT_FALSE(KeyTaken("org-a", {"email", "a@x.io"}));
  EXPECT_TRUE(KeyTaken("org-a", {"email", "b@x.io"}));
}

// Optimistic writes racing on one contact: every read-modify-write lands exactly once.
TEST_P(StoreContractTest, ConcurrentDocumentOnlyUpdatesLoseNothing) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", "0");
  ExpectEveryIncrementLands(store(), contact.id, [&] {
    return UpdateAndWait(store(), "org-a", contact.id, Increment, UpdateScope::kDocumentOnly).ok();
  });
}

// Where a write's read and its write are apart (PostgreSQL's optimistic write), a write that
// commits in between is not overwritten: the mutation runs again on the newer contact.
TEST_P(StoreContractTest, AWriteBetweenAnOptimisticReadAndItsWriteIsNotLost) {
  if (store().QueuesWrites()) {
    GTEST_SKIP() << "this store runs every mutation on its one writer: nothing comes between";
  }
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", "0");
  int runs = 0;
  auto updated = UpdateAndWait(
      store(), "org-a", contact.id,
      [&](const Contact& current) {
        // Another client's write lands after this read (on PostgreSQL through a second pooled
        // connection: the test stores have more than one).
        if (++runs == 1) {
          EXPECT_TRUE(store().UpdateContact("org-a", contact.id, Write("10", {})).ok());
        }
        ContactWrite write{
            true, std::to_string(std::stoi(current.doc) + 1), {}, 3'000, std::nullopt, "", {}};
        write.keys_unchanged = true;
        return Result<ContactWrite>(write);
      },
      UpdateScope::kDocumentOnly);
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(updated->doc, "11");
  EXPECT_EQ(updated->version, 3);
  auto stored = store().GetContact("org-a", contact.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->doc, "11");
  EXPECT_EQ(stored->version, 3);
}

// A write that says its keys are the ones held already changes the document and keeps them.
TEST_P(StoreContractTest, AWriteWithUnchangedKeysKeepsThem) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})", {{"email", "a@x.io"}});
  ContactWrite write{true, R"({"v":2})", {{"email", "a@x.io"}}, 2'500, std::nullopt, "", {}};
  write.keys_unchanged = true;
  auto updated = store().UpdateContact("org-a", contact.id,
                                       [&](const Contact&) { return Result<ContactWrite>(write); });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_TRUE(KeyTaken("org-a", {"email", "a@x.io"}));
  auto clash = store().CreateContact(NewContact("org-a", "{}"), {{"email", "a@x.io"}});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
}

TEST_P(StoreContractTest, UnchangedWriteKeepsTheVersion) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})");
  auto same = store().UpdateContact("org-a", contact.id, [](const Contact&) {
    return Result<ContactWrite>(ContactWrite{false, R"({"ignored":1})", {}, 9'999, 1, "x", {}});
  });
  ASSERT_TRUE(same.ok());
  ExpectSameContact(*same, contact);
  ExpectStored(store(), contact);
}

TEST_P(StoreContractTest, MutationErrorIsReturnedAsIsAndNothingChanges) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"v":1})", {{"email", "a@x.io"}});
  Error rule = Error::Validation({{"email", "invalid_format", "Not an email"}});
  auto failed = store().UpdateContact("org-a", contact.id,
                                      [&](const Contact&) -> Result<ContactWrite> { return rule; });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, rule.code);
  EXPECT_EQ(failed.error().error, rule.error);
  EXPECT_EQ(failed.error().message, rule.message);
  ASSERT_EQ(failed.error().details.size(), 1u);
  EXPECT_EQ(failed.error().details[0].field, "email");
  EXPECT_EQ(failed.error().details[0].code, "invalid_format");

  ExpectStored(store(), contact);
  EXPECT_TRUE(KeyTaken("org-a", {"email", "a@x.io"}));
}

TEST_P(StoreContractTest, KeyConflictOnUpdateIsNamedAndNothingChanges) {
  CreateOrg("org-a");
  Contact a = CreateContact("org-a", "{}", {{"email", "a@x.io"}});
  Contact b = CreateContact("org-a", R"({"b":1})", {{"email", "b@x.io"}, {"phone", "+100"}});

  // Drops phone +100, adds phone +200 (inserted before the clash), takes a's email.
  auto clash = store().UpdateContact("org-a", b.id,
                                     Write(R"({"b":2})", {{"phone", "+200"}, {"email", "a@x.io"}}));
  ASSERT_FALSE(clash.ok());
  const Error& error = clash.error();
  EXPECT_EQ(error.code, ErrorCode::kConflict);
  EXPECT_EQ(error.error, "duplicate");
  EXPECT_EQ(error.message, "email is already used by another contact");
  ASSERT_EQ(error.details.size(), 1u);
  EXPECT_EQ(error.details[0].field, "email");
  EXPECT_EQ(error.details[0].code, "duplicate");
  EXPECT_EQ(error.details[0].message, "email is already used by another contact");
  EXPECT_EQ(error.details[0].existing_id, a.id);  // the holder, so the client can recover

  ExpectStored(store(), b);
  EXPECT_TRUE(KeyTaken("org-a", {"email", "b@x.io"}));
  EXPECT_TRUE(KeyTaken("org-a", {"phone", "+100"}));
  EXPECT_FALSE(KeyTaken("org-a", {"phone", "+200"}));
}

TEST_P(StoreContractTest, AKeyFindsItsActiveHolderInItsTenantOnly) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  const UniqueKey email{"email", "a@x.io"};
  Contact a = CreateContact("org-a", "{}", {email});
  Contact b = CreateContact("org-b", "{}", {email});
  auto holder = [&](const std::string& org, const UniqueKey& key) -> std::optional<std::string> {
    auto found = store().FindContactByKey(org, key);
    EXPECT_TRUE(found.ok());
    return found.ok() && *found ? std::optional<std::string>((*found)->id) : std::nullopt;
  };
  auto found = store().FindContactByKey("org-a", email);
  ASSERT_TRUE(found.ok() && *found);
  ExpectSameContact(**found, a);  // the whole contact, as GetContact reads it
  EXPECT_EQ(holder("org-b", email), b.id);
  EXPECT_EQ(holder("org-a", {"email", "A@x.io"}), std::nullopt);  // as stored
  EXPECT_EQ(holder("org-a", {"external_id", "a@x.io"}), std::nullopt);
  // Archived: it holds no key, and the key is free for another.
  ASSERT_TRUE(store().UpdateContact("org-a", a.id, Write("{}", {email}, 2'000, 2'000, "u1")).ok());
  EXPECT_EQ(holder("org-a", email), std::nullopt);
  Contact c = CreateContact("org-a", "{}", {email});
  EXPECT_EQ(holder("org-a", email), c.id);
}

TEST_P(StoreContractTest, UpdateMovesKeys) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", "{}", {{"email", "old@x.io"}});
  ASSERT_TRUE(
      store().UpdateContact("org-a", contact.id, Write("{}", {{"email", "new@x.io"}})).ok());
  EXPECT_FALSE(KeyTaken("org-a", {"email", "old@x.io"}));
  EXPECT_TRUE(KeyTaken("org-a", {"email", "new@x.io"}));
  // Keeping a key it already holds is not a clash with itself.
  auto kept =
      store().UpdateContact("org-a", contact.id, Write(R"({"x":1})", {{"email", "new@x.io"}}));
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->version, 3);
}

TEST_P(StoreContractTest, CreateWithATakenKeyStoresNothing) {
  CreateOrg("org-a");
  Contact holder = CreateContact("org-a", "{}", {{"email", "a@x.io"}});
  Contact second = NewContact("org-a", "{}");
  auto clash = store().CreateContact(second, {{"phone", "+1"}, {"email", "a@x.io"}});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  ASSERT_FALSE(clash.error().details.empty());
  EXPECT_EQ(clash.error().details[0].field, "email");
  EXPECT_EQ(clash.error().details[0].existing_id, holder.id);
  EXPECT_EQ(ErrorOf(store().GetContact("org-a", second.id)), ErrorCode::kNotFound);
  EXPECT_FALSE(KeyTaken("org-a", {"phone", "+1"}));
}

TEST_P(StoreContractTest, ArchivingFreesKeysAndRestoringRetakesThem) {
  CreateOrg("org-a");
  const UniqueKey email{"email", "a@x.io"};
  Contact a = CreateContact("org-a", "{}", {email});

  // Archived: holds no keys, even when the write still lists them.
  auto archived = store().UpdateContact("org-a", a.id, Write("{}", {email}, 2'000, 2'000, "u1"));
  ASSERT_TRUE(archived.ok());
  EXPECT_EQ(archived->archived_at_ms, 2'000);
  EXPECT_EQ(archived->archived_by, "u1");
  Contact b = CreateContact("org-a", "{}", {email});

  // Restoring while b holds the key: conflict, a stays archived.
  auto restore = store().UpdateContact("org-a", a.id, Write("{}", {email}, 3'000));
  ASSERT_FALSE(restore.ok());
  EXPECT_EQ(restore.error().code, ErrorCode::kConflict);
  EXPECT_EQ(restore.error().details.at(0).field, "email");
  EXPECT_EQ(restore.error().details.at(0).existing_id, b.id);  // the active holder
  ExpectStored(store(), *archived);

  // Once b lets go, a can take it back.
  ASSERT_TRUE(store().UpdateContact("org-a", b.id, Write("{}", {})).ok());
  auto restored = store().UpdateContact("org-a", a.id, Write("{}", {email}, 4'000));
  ASSERT_TRUE(restored.ok());
  EXPECT_FALSE(restored->archived_at_ms.has_value());
  EXPECT_EQ(restored->archived_by, "");
  EXPECT_EQ(restored->version, 3);
  EXPECT_TRUE(KeyTaken("org-a", email));
}

TEST_P(StoreContractTest, ConcurrentUpdatesAreSerialized) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", "0");
  // A write that does not say its keys are unchanged: the locked path reads and rewrites them.
  auto increment_rereading_keys = [](const Contact& current) {
    auto write = Increment(current);
    write->keys_unchanged = false;
    return write;
  };
  ExpectEveryIncrementLands(store(), contact.id, [&] {
    return store().UpdateContact("org-a", contact.id, increment_rereading_keys).ok() &&
           store().GetContact("org-a", contact.id).ok();
  });
}

TEST_P(StoreContractTest, ConcurrentArchivesAndRestoresKeepTheKeysConsistent) {
  // Each write sees the keys its predecessor wrote: a restore takes the key back, an archive
  // frees it, whatever the interleaving, and no write trips over a key the contact itself holds.
  CreateOrg("org-a");
  const UniqueKey email{"email", "flip@x.io"};
  Contact contact = CreateContact("org-a", "{}", {email});
  constexpr int kThreads = 4;
  constexpr int kWrites = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        auto written = store().UpdateContact("org-a", contact.id, [&](const Contact& current) {
          const bool archive = t % 2 == 0;
          ContactWrite write;
          write.doc = current.doc;
          write.unique_keys = {email};
          write.updated_at_ms = 2'000;
          if (archive == current.archived_at_ms.has_value()) {
            write.changed = false;
          } else if (archive) {
            write.archived_at_ms = 2'000;
            write.archived_by = "u";
          }
          return Result<ContactWrite>(std::move(write));
        });
        if (!written.ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto final_state = store().GetContact("org-a", contact.id);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(KeyTaken("org-a", email), !final_state->archived_at_ms.has_value());
}

// ---- Custom fields ----

TEST_P(StoreContractTest, CustomFieldsAreListedPerOrgAndNamesAreUnique) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  ASSERT_TRUE(
      store().CreateCustomField({"org-a", "tier", "enum", R"(["gold","silver"])", 10}).ok());
  ASSERT_TRUE(store().CreateCustomField({"org-a", "age", "number", "[]", 20}).ok());
  ASSERT_TRUE(store().CreateCustomField({"org-b", "tier", "string", "[]", 30}).ok());

  auto duplicate = store().CreateCustomField({"org-a", "tier", "string", "[]", 40});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
  EXPECT_EQ(duplicate.error().error, "duplicate");
  EXPECT_EQ(duplicate.error().message, "Custom field 'tier' already exists");

  auto fields = store().ListCustomFields("org-a");
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 2u);
  const CustomField& tier = (*fields)[0];  // in creation order
  EXPECT_EQ(tier.org_id, "org-a");
  EXPECT_EQ(tier.name, "tier");
  EXPECT_EQ(tier.type, "enum");
  EXPECT_EQ(tier.options_json, R"(["gold","silver"])");
  EXPECT_EQ(tier.created_at_ms, 10);
  EXPECT_EQ((*fields)[1].name, "age");

  auto other = store().ListCustomFields("org-b");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].type, "string");
}

TEST_P(StoreContractTest, ACustomFieldsOptionsChangeUnlessAContactHoldsARemovedOne) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  CustomField tier{"org-a", "tier", "enum", R"(["gold","silver","it's \"x\""])", 10};
  ASSERT_TRUE(store().CreateCustomField(tier).ok());
  CreateContact("org-a", R"({"custom_fields":{"tier":"gold"}})");
  Contact archived = CreateContact("org-a", R"({"custom_fields":{"tier":"it's \"x\""}})");
  ASSERT_TRUE(
      store().UpdateContact("org-a", archived.id, Write(archived.doc, {}, 9'000, 9'000, "u")).ok());
  CreateContact("org-b", R"({"custom_fields":{"tier":"silver"}})");  // another tenant's

  // gold is held by one contact, the quoted option by an archived one: nothing changes.
  CustomField narrowed = tier;
  narrowed.options_json = R"(["silver"])";
  auto refused = store().UpdateCustomField(narrowed, "custom_fields", {"gold", "it's \"x\""}, "{}",
                                           20, ChangeOrigin::System());
  ASSERT_TRUE(refused.ok()) << refused.error().internal;
  EXPECT_EQ(*refused, 2);
  auto fields = store().ListCustomFields("org-a");
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->at(0).options_json, tier.options_json);

  // silver is held only in org-b: org-a's field may drop it.
  CustomField changed = tier;
  changed.options_json = R"(["gold","it's \"x\"","bronze"])";
  auto updated = store().UpdateCustomField(changed, "custom_fields", {"silver"}, "{}", 30,
                                           ChangeOrigin::System());
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  EXPECT_EQ(*updated, 0);
  fields = store().ListCustomFields("org-a");
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->at(0).options_json, changed.options_json);
  EXPECT_EQ(fields->at(0).created_at_ms, 10);

  CustomField missing{"org-a", "nope", "enum", "[]", 10};
  EXPECT_EQ(ErrorOf(store().UpdateCustomField(missing, "custom_fields", {}, "{}", 40,
                                              ChangeOrigin::System())),
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DeletingACustomFieldRewritesEveryContactHoldingAValue) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  ASSERT_TRUE(store().CreateCustomField({"org-a", "tier", "string", "[]", 10}).ok());
  ASSERT_TRUE(store().CreateCustomField({"org-b", "tier", "string", "[]", 10}).ok());
  Contact holds = CreateContact("org-a", R"({"custom_fields":{"tier":"gold","age":3}})");
  Contact null_value = CreateContact("org-a", R"({"custom_fields":{"tier":null}})");
  Contact other = CreateContact("org-a", R"({"custom_fields":{"age":3},"tier":"top-level"})");
  Contact foreign = CreateContact("org-b", R"({"custom_fields":{"tier":"gold"}})");

  std::vector<std::string> seen;
  auto rewrite = [&](const Contact& current) -> Result<DocChange> {
    seen.push_back(current.id);
    return DocChange{R"({"was":)" + current.doc + "}", "{}"};
  };
  auto deleted = store().DeleteCustomField("org-a", "tier", "custom_fields", "{}", 5'000, rewrite,
                                           ChangeOrigin::System());
  ASSERT_TRUE(deleted.ok()) << deleted.error().internal;
  EXPECT_EQ(*deleted, 2);
  std::vector<std::string> expected_seen = {holds.id, null_value.id};  // id order
  EXPECT_EQ(seen, expected_seen);
  for (Contact c : {holds, null_value}) {
    c.doc = R"({"was":)" + c.doc + "}";
    c.version += 1;
    c.updated_at_ms = 5'000;
    ExpectStored(store(), c);
  }
  ExpectStored(store(), other);
  ExpectStored(store(), foreign);
  auto fields = store().ListCustomFields("org-a");
  ASSERT_TRUE(fields.ok());
  EXPECT_TRUE(fields->empty());
  EXPECT_EQ(store().ListCustomFields("org-b")->size(), 1u);

  EXPECT_EQ(ErrorOf(store().DeleteCustomField("org-a", "tier", "custom_fields", "{}", 6'000,
                                              rewrite, ChangeOrigin::System())),
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ACustomFieldsRewriteErrorKeepsTheFieldAndEveryContact) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateCustomField({"org-a", "tier", "string", "[]", 10}).ok());
  Contact first = CreateContact("org-a", R"({"custom_fields":{"tier":"a"}})");
  Contact second = CreateContact("org-a", R"({"custom_fields":{"tier":"b"}})");
  int calls = 0;
  auto failing = [&](const Contact&) -> Result<DocChange> {
    if (++calls == 2) return Error::Internal("unreadable document");
    return DocChange{R"({"custom_fields":{}})", "{}"};
  };
  auto deleted = store().DeleteCustomField("org-a", "tier", "custom_fields", "{}", 5'000, failing,
                                           ChangeOrigin::System());
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().internal, "unreadable document");
  EXPECT_EQ(store().ListCustomFields("org-a")->size(), 1u);
  ExpectStored(store(), first);
  ExpectStored(store(), second);
}

// ---- Collections ----

CollectionEntry Entry(std::string org_id, std::string collection, std::string name,
                      std::int64_t created_at_ms = 1'000) {
  return {std::move(org_id), std::move(collection), 0, std::move(name), created_at_ms};
}

// Creates an entry (at most 1000 per collection); fails the test on error. Returns its id.
std::int64_t AddEntry(Store& store, const std::string& org_id, const std::string& collection,
                      const std::string& name = "n") {
  auto created = store.CreateCollectionEntry(Entry(org_id, collection, name), 1000);
  EXPECT_TRUE(created.ok()) << created.error().message << " " << created.error().internal;
  return created.ok() ? created->id : 0;
}

std::vector<std::int64_t> EntryIds(Store& store, const std::string& org_id,
                                   const std::string& collection) {
  auto entries = store.ListCollectionEntries(org_id, collection);
  EXPECT_TRUE(entries.ok());
  std::vector<std::int64_t> ids;
  for (const auto& e : entries.ok() ? *entries : std::vector<CollectionEntry>{}) {
    ids.push_back(e.id);
  }
  return ids;
}

// The rewrite a service would make of a document that holds one list: none.
const DocRewrite kEmptyLists = [](const Contact&) -> Result<DocChange> {
  return DocChange{R"({"lists":[]})", "{}"};
};

using IdList = std::vector<std::int64_t>;

TEST_P(StoreContractTest, EntryIdsCountFromOnePerOrgAndCollectionAndAreNeverReused) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  auto vip = store().CreateCollectionEntry(Entry("org-a", "lists", "VIP", 1'234), 1000);
  ASSERT_TRUE(vip.ok()) << vip.error().internal;
  EXPECT_EQ(vip->id, 1);
  EXPECT_EQ(vip->org_id, "org-a");
  EXPECT_EQ(vip->collection, "lists");
  EXPECT_EQ(vip->name, "VIP");
  EXPECT_EQ(vip->created_at_ms, 1'234);
  EXPECT_EQ(AddEntry(store(), "org-a", "lists", "Clients"), 2);
  EXPECT_EQ(AddEntry(store(), "org-a", "labels"), 1);  // another collection counts apart
  EXPECT_EQ(AddEntry(store(), "org-b", "lists"), 1);   // and so does another org

  // The highest id deleted: the next one is still new.
  ASSERT_TRUE(
      store().DeleteCollectionEntry("org-a", "lists", 2, {"lists"}, 5'000, kEmptyLists).ok());
  EXPECT_EQ(AddEntry(store(), "org-a", "lists", "Later"), 3);

  auto listed = store().ListCollectionEntries("org-a", "lists");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, 1);
  EXPECT_EQ((*listed)[0].name, "VIP");
  EXPECT_EQ((*listed)[0].created_at_ms, 1'234);
  EXPECT_EQ((*listed)[1].id, 3);
  EXPECT_EQ((*listed)[1].name, "Later");
  EXPECT_EQ(EntryIds(store(), "org-b", "lists"), IdList({1}));
  EXPECT_EQ(EntryIds(store(), "org-b", "labels"), IdList({}));
}

TEST_P(StoreContractTest, EntriesPerCollectionAreCapped) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateCollectionEntry(Entry("org-a", "lists", "a"), 2).ok());
  ASSERT_TRUE(store().CreateCollectionEntry(Entry("org-a", "lists", "b"), 2).ok());
  auto third = store().CreateCollectionEntry(Entry("org-a", "lists", "c"), 2);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kConflict);
  EXPECT_EQ(third.error().error, "limit_reached");
  EXPECT_EQ(EntryIds(store(), "org-a", "lists"), IdList({1, 2}));
  EXPECT_TRUE(store().CreateCollectionEntry(Entry("org-a", "labels", "other"), 2).ok());
  // A refused create used no id.
  ASSERT_TRUE(store().DeleteCollectionEntry("org-a", "lists", 1, {}, 5'000, kEmptyLists).ok());
  auto after = store().CreateCollectionEntry(Entry("org-a", "lists", "c"), 2);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->id, 3);
}

TEST_P(StoreContractTest, MissingReferencesAreThoseNotInTheOrgsCollection) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  AddEntry(store(), "org-a", "lists");                              // 1
  AddEntry(store(), "org-a", "lists");                              // 2
  AddEntry(store(), "org-a", "labels");                             // 1
  for (int i = 0; i < 5; ++i) AddEntry(store(), "org-b", "lists");  // 1..5, org-b's

  auto missing = store().MissingReferences("org-a", {{"lists", "lists", {2, 5, 1, 9}},
                                                     {"labels", "labels", {1}},
                                                     {"tags", "labels", {2}},
                                                     {"empty", "lists", {}}});
  ASSERT_TRUE(missing.ok()) << missing.error().internal;
  EXPECT_EQ(*missing,
            (std::vector<Reference>{{"lists", "lists", {5, 9}}, {"tags", "labels", {2}}}));
  auto none = store().MissingReferences("org-a", {{"lists", "lists", {1, 2}}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto nothing = store().MissingReferences("org-a", {});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
}

void ExpectMissingReferenceError(const Error& error, const std::string& field,
                                 const std::string& message) {
  EXPECT_EQ(error.code, ErrorCode::kValidation);
  EXPECT_EQ(error.error, "validation_failed");
  ASSERT_EQ(error.details.size(), 1u);
  EXPECT_EQ(error.details[0].field, field);
  EXPECT_EQ(error.details[0].code, "not_found");
  EXPECT_EQ(error.details[0].message, message);
}

TEST_P(StoreContractTest, CreateWithAMissingReferenceStoresNothing) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  AddEntry(store(), "org-a", "lists");
  AddEntry(store(), "org-b", "lists");
  AddEntry(store(), "org-b", "lists");

  Contact bad = NewContact("org-a", R"({"lists":[1,2]})");
  auto refused = store().CreateContact(bad, {{"email", "a@x.io"}}, {{"lists", "lists", {1, 2}}});
  ASSERT_FALSE(refused.ok());
  ExpectMissingReferenceError(refused.error(), "lists", "no such id in lists: 2");
  EXPECT_EQ(ErrorOf(store().GetContact("org-a", bad.id)), ErrorCode::kNotFound);
  EXPECT_FALSE(KeyTaken("org-a", {"email", "a@x.io"}));

  Contact good = NewContact("org-a", R"({"lists":[1]})");
  auto created = store().CreateContact(good, {}, {{"lists", "lists", {1}}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  ExpectStored(store(), *created);
}

TEST_P(StoreContractTest, UpdateWithAMissingReferenceChangesNothing) {
  CreateOrg("org-a");
  AddEntry(store(), "org-a", "labels");
  Contact contact = CreateContact("org-a", R"({"labels":[]})", {{"email", "a@x.io"}});
  auto refused = store().UpdateContact("org-a", contact.id, [](const Contact&) {
    ContactWrite write;
    write.doc = R"({"labels":[1,7,8]})";
    write.updated_at_ms = 2'000;
    write.references = {{"labels", "labels", {1, 7, 8}}};
    return Result<ContactWrite>(std::move(write));
  });
  ASSERT_FALSE(refused.ok());
  ExpectMissingReferenceError(refused.error(), "labels", "no such id in labels: 7, 8");
  ExpectStored(store(), contact);
  EXPECT_TRUE(KeyTaken("org-a", {"email", "a@x.io"}));

  auto updated = store().UpdateContact("org-a", contact.id, [](const Contact&) {
    ContactWrite write;
    write.doc = R"({"labels":[1]})";
    write.unique_keys = {{"email", "a@x.io"}};
    write.updated_at_ms = 2'000;
    write.references = {{"labels", "labels", {1}}};
    return Result<ContactWrite>(std::move(write));
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->doc, R"({"labels":[1]})");
  EXPECT_EQ(updated->version, 2);
}

TEST_P(StoreContractTest, DeletingAnEntryRewritesTheContactsThatHeldIt) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  AddEntry(store(), "org-a", "lists");  // 1
  AddEntry(store(), "org-a", "lists");  // 2
  AddEntry(store(), "org-b", "lists");  // org-b's 1
  Contact holds = CreateContact("org-a", R"({"lists":[1,2]})");
  Contact scalar = CreateContact("org-a", R"({"main":2,"lists":[]})");
  Contact other = CreateContact("org-a", R"({"lists":[1],"main":1})");
  Contact archived = CreateContact("org-a", R"({"lists":[2]})");
  auto archiving =
      store().UpdateContact("org-a", archived.id, Write(R"({"lists":[2]})", {}, 9'000, 9'000, "u"));
  ASSERT_TRUE(archiving.ok());
  archived = *archiving;
  Contact foreign = CreateContact("org-b", R"({"lists":[2]})");

  std::vector<std::string> seen;
  auto rewrite = [&](const Contact& current) -> Result<DocChange> {
    seen.push_back(current.id);
    return DocChange{R"({"was":)" + current.doc + "}", "{}"};  // no longer holding the id
  };
  auto deleted =
      store().DeleteCollectionEntry("org-a", "lists", 2, {"lists", "main"}, 5'000, rewrite);
  ASSERT_TRUE(deleted.ok()) << deleted.error().internal;
  EXPECT_EQ(*deleted, 3);
  // Each field in turn, in id order: `scalar` through "main", the others through "lists".
  std::vector<std::string> expected_seen = {holds.id, archived.id, scalar.id};
  EXPECT_EQ(seen, expected_seen);
  EXPECT_EQ(EntryIds(store(), "org-a", "lists"), IdList({1}));
  EXPECT_EQ(EntryIds(store(), "org-b", "lists"), IdList({1}));

  auto expect_rewritten = [&](Contact c, std::int64_t updated_at) {
    c.doc = R"({"was":)" + c.doc + "}";
    c.version += 1;
    c.updated_at_ms = updated_at;
    ExpectStored(store(), c);
  };
  expect_rewritten(holds, 5'000);
  expect_rewritten(scalar, 5'000);
  expect_rewritten(archived, 9'000);  // never moves back in time; stays archived
  ExpectStored(store(), other);
  ExpectStored(store(), foreign);
}

TEST_P(StoreContractTest, DeletingAnUnknownOrForeignEntryIsNotFound) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  AddEntry(store(), "org-b", "lists");
  Contact contact = CreateContact("org-b", R"({"lists":[1]})");
  for (auto [org, collection, id] : {std::tuple{"org-a", "lists", 1},
                                     {"org-b", "lists", 2},
                                     {"org-b", "labels", 1},
                                     {"org-b", "lists", -1}}) {
    auto deleted =
        store().DeleteCollectionEntry(org, collection, id, {"lists"}, 5'000, kEmptyLists);
    EXPECT_EQ(ErrorOf(deleted), ErrorCode::kNotFound) << org << " " << collection << " " << id;
  }
  EXPECT_EQ(EntryIds(store(), "org-b", "lists"), IdList({1}));
  ExpectStored(store(), contact);
}

TEST_P(StoreContractTest, ARewriteErrorKeepsTheEntryAndEveryContact) {
  CreateOrg("org-a");
  AddEntry(store(), "org-a", "lists");
  Contact first = CreateContact("org-a", R"({"lists":[1]})");
  Contact second = CreateContact("org-a", R"({"lists":[1]})");
  int calls = 0;
  auto failing = [&](const Contact&) -> Result<DocChange> {
    if (++calls == 2) return Error::Internal("unreadable document");
    return DocChange{R"({"lists":[]})", "{}"};
  };
  auto deleted = store().DeleteCollectionEntry("org-a", "lists", 1, {"lists"}, 5'000, failing);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().internal, "unreadable document");
  EXPECT_EQ(EntryIds(store(), "org-a", "lists"), IdList({1}));
  ExpectStored(store(), first);
  ExpectStored(store(), second);
}

TEST_P(StoreContractTest, DeletingAnEntryRewritesContactsPastOnePage) {
  CreateOrg("org-a");
  AddEntry(store(), "org-a", "lists");
  constexpr int kContacts = 520;  // the backends rewrite 500 per page
  for (int i = 0; i < kContacts; ++i) {
    CreateContact("org-a", i % 2 == 0 ? R"({"lists":[1]})" : R"({"lists":[]})");
  }
  auto deleted = store().DeleteCollectionEntry("org-a", "lists", 1, {"lists"}, 5'000, kEmptyLists);
  ASSERT_TRUE(deleted.ok()) << deleted.error().internal;
  EXPECT_EQ(*deleted, kContacts / 2);
  auto all = store().ListContacts(FirstPage("org-a", 1000, true));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kContacts));
  for (int i = 0; i < kContacts; ++i) {
    const Contact& c = (*all)[static_cast<std::size_t>(i)];
    EXPECT_EQ(c.doc, R"({"lists":[]})") << i;
    EXPECT_EQ(c.version, i % 2 == 0 ? 2 : 1) << i;
  }
}

TEST_P(StoreContractTest, NoContactKeepsTheIdOfAnEntryDeletedWhileWritesAddIt) {
  // Writers keep putting fresh entry ids into contacts while a deleter removes the entries:
  // every write either lands before the delete (which then rewrites it) or is refused.
  CreateOrg("org-a");
  constexpr int kEntries = 40;
  constexpr int kContacts = 4;
  for (int i = 0; i < kEntries; ++i) AddEntry(store(), "org-a", "lists");
  std::vector<std::string> ids;
  for (int i = 0; i < kContacts; ++i) ids.push_back(CreateContact("org-a", R"({"lists":[]})").id);

  std::atomic<int> failures = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (std::int64_t id = 1; id <= kEntries; ++id) {
      if (!store()
               .DeleteCollectionEntry("org-a", "lists", id, {"lists"}, 5'000, kEmptyLists)
               .ok()) {
        ++failures;
      }
    }
  });
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (std::int64_t id = 1; id <= kEntries; ++id) {
        const std::string& contact = ids[static_cast<std::size_t>((id + w) % kContacts)];
        auto written = store().UpdateContact("org-a", contact, [id](const Contact&) {
          ContactWrite write;
          write.doc = R"({"lists":[)" + std::to_string(id) + "]}";
          write.updated_at_ms = 2'000;
          write.references = {{"lists", "lists", {id}}};
          return Result<ContactWrite>(std::move(write));
        });
        if (written.ok()) continue;
        if (written.error().code == ErrorCode::kValidation) {
          ++refused;
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(EntryIds(store(), "org-a", "lists"), IdList({}));
  for (const std::string& id : ids) {
    auto stored = store().GetContact("org-a", id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->doc, R"({"lists":[]})") << "refused writes: " << refused.load();
  }
}

// ---- Server secret ----

TEST_P(StoreContractTest, ServerSecretIsStableAcrossCallsAndInstances) {
  auto first = store().ServerSecret();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 32u);
  EXPECT_EQ(*store().ServerSecret(), *first);
  std::unique_ptr<Store> another = harness().OpenAnother();
  ASSERT_NE(another, nullptr);
  auto from_another = another->ServerSecret();
  ASSERT_TRUE(from_another.ok());
  EXPECT_EQ(*from_another, *first);
}

TEST_P(StoreContractTest, ServerSecretIsAgreedWhenInstancesRace) {
  std::unique_ptr<Store> another = harness().OpenAnother();
  ASSERT_NE(another, nullptr);
  Result<std::string> a = Error::Internal("unset");
  Result<std::string> b = Error::Internal("unset");
  std::thread first([&] { a = store().ServerSecret(); });
  std::thread second([&] { b = another->ServerSecret(); });
  first.join();
  second.join();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

}  // namespace
}  // namespace contactsd::store::test
