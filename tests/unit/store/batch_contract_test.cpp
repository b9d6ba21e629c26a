// The batch part of the Store contract (WriteContacts): operations in order, each seeing the
// ones before it; an atomic batch all or nothing; a non-atomic one undoing only what fails;
// every stored operation in the log; and the idempotency answer committed with the batch.
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::store::test {
namespace {

const ChangeOrigin kSync{"api_key", "key-sync", "req-batch"};

ContactOp CreateOp(Contact contact, std::vector<UniqueKey> keys) {
  ContactOp op;
  op.kind = ContactOp::Kind::kCreate;
  op.create.contact = std::move(contact);
  op.create.keys = std::move(keys);
  return op;
}

ContactOp UpdateByKeyOp(UniqueKey key, Mutation mutate) {
  ContactOp op;
  op.kind = ContactOp::Kind::kUpdate;
  op.key = std::move(key);
  op.mutate = std::move(mutate);
  return op;
}

ContactOp UpsertOp(UniqueKey key, Contact contact, Mutation mutate) {
  ContactOp op;
  op.kind = ContactOp::Kind::kUpsert;
  op.create.contact = std::move(contact);
  op.create.keys = {key};
  op.key = std::move(key);
  op.mutate = std::move(mutate);
  return op;
}

int EventCount(Store& store, const std::string& org_id) {
  EventQuery query;
  query.tenants = {org_id};
  query.limit = 1000;
  auto events = store.ListEvents(query);
  EXPECT_TRUE(events.ok());
  return events.ok() ? static_cast<int>(events->size()) : -1;
}

TEST_P(StoreContractTest, ABatchRunsItsOperationsInOrderAndLogsEach) {
  CreateOrg("org-a");
  std::vector<ContactOp> ops;
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":1})"), {{"email", "a@x.io"}}));
  // Addressed by the key the create before it took, in the same transaction.
  ops.push_back(UpdateByKeyOp({"email", "a@x.io"}, Write(R"({"v":2})", {{"email", "a@x.io"}})));
  ops.push_back(UpsertOp({"email", "b@x.io"}, NewContact("org-a", R"({"v":"b"})"),
                         Write(R"({"never":1})", {{"email", "b@x.io"}})));
  ops.push_back(UpsertOp({"email", "a@x.io"}, NewContact("org-a", R"({"never":1})"),
                         Write(R"({"v":3})", {{"email", "a@x.io"}})));
  auto results = store().WriteContacts("org-a", std::move(ops), true, kSync, nullptr);
  ASSERT_TRUE(results.ok()) << results.error().internal;
  ASSERT_EQ(results->size(), 4u);
  for (const auto& r : *results) ASSERT_TRUE(r.contact.ok()) << r.contact.error().message;
  EXPECT_TRUE((*results)[0].created);
  EXPECT_FALSE((*results)[1].created);
  EXPECT_TRUE((*results)[2].created);
  EXPECT_FALSE((*results)[3].created);
  const Contact& a = *(*results)[3].contact;
  EXPECT_EQ(a.id, (*results)[0].contact->id);
  EXPECT_EQ(a.version, 3);
  auto stored = store().GetContact("org-a", a.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->doc, R"({"v":3})");
  EXPECT_EQ(store().GetContact("org-a", (*results)[2].contact->id)->doc, R"({"v":"b"})");
  EXPECT_EQ(EventCount(store(), "org-a"), 4);
}

TEST_P(StoreContractTest, AnAtomicBatchStopsAtItsFirstFailureAndStoresNothing) {
  CreateOrg("org-a");
  const Contact holder = CreateContact("org-a", "{}", {{"email", "taken@x.io"}});
  const int events_before = EventCount(store(), "org-a");
  std::vector<ContactOp> ops;
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":1})"), {{"email", "new@x.io"}}));
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":2})"), {{"email", "taken@x.io"}}));
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":3})"), {{"email", "later@x.io"}}));
  auto results = store().WriteContacts("org-a", std::move(ops), true, kSync, nullptr);
  ASSERT_TRUE(results.ok()) << results.error().internal;
  ASSERT_EQ(results->size(), 2u);  // the third never ran
  ASSERT_FALSE((*results)[1].contact.ok());
  EXPECT_EQ((*results)[1].contact.error().error, "duplicate");
  ASSERT_EQ((*results)[1].contact.error().details.size(), 1u);
  EXPECT_EQ((*results)[1].contact.error().details[0].existing_id, holder.id);
  EXPECT_EQ(EventCount(store(), "org-a"), events_before);
  EXPECT_EQ(store().GetContact("org-a", (*results)[0].contact->id).error().code,
            ErrorCode::kNotFound);
  EXPECT_FALSE(KeyTaken("org-a", {"email", "new@x.io"}));
}

TEST_P(StoreContractTest, ALargeAtomicBatchOfCreatesStoresAllOrNothing) {
  // 1,200 creates: on PostgreSQL more than one pipelined round trip (500 creates each); the
  // failure is in the last one, so the rounds before it must be undone too.
  CreateOrg("org-a");
  CreateContact("org-a", "{}", {{"email", "taken@x.io"}});
  auto batch = [&](bool with_taken_key) {
    std::vector<ContactOp> ops;
    for (int i = 0; i < 1200; ++i) {
      const std::string email =
          with_taken_key && i == 1100 ? "taken@x.io" : "n" + std::to_string(i) + "@x.io";
      ops.push_back(
          CreateOp(NewContact("org-a", R"({"i":)" + std::to_string(i) + "}"), {{"email", email}}));
    }
    return ops;
  };
  const int events_before = EventCount(store(), "org-a");
  auto failed = store().WriteContacts("org-a", batch(true), true, kSync, nullptr);
  ASSERT_TRUE(failed.ok()) << failed.error().internal;
  ASSERT_EQ(failed->size(), 1101u);
  EXPECT_EQ(failed->back().contact.error().error, "duplicate");
  EXPECT_EQ(EventCount(store(), "org-a"), events_before);
  EXPECT_FALSE(KeyTaken("org-a", {"email", "n0@x.io"}));
  EXPECT_FALSE(KeyTaken("org-a", {"email", "n1000@x.io"}));

  auto stored = store().WriteContacts("org-a", batch(false), true, kSync, nullptr);
  ASSERT_TRUE(stored.ok()) << stored.error().internal;
  ASSERT_EQ(stored->size(), 1200u);
  for (const ContactOpResult& r : *stored) {
    ASSERT_TRUE(r.contact.ok());
    EXPECT_TRUE(r.created);
    EXPECT_EQ(r.contact->version, 1);
  }
  // Every one stored: the active contacts are the holder and the 1,200 (the probes are archived).
  std::size_t active = 0;
  ListQuery page;
  page.org_id = "org-a";
  page.limit = 1000;
  for (;;) {
    auto contacts = store().ListContacts(page);
    ASSERT_TRUE(contacts.ok());
    active += contacts->size();
    if (contacts->size() < 1000) break;
    page.after_id = contacts->back().id;
  }
  EXPECT_EQ(active, 1201u);
  auto last = store().GetContact("org-a", stored->back().contact->id);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->doc, R"({"i":1199})");
}

TEST_P(StoreContractTest, ANonAtomicBatchUndoesOnlyTheOperationsThatFail) {
  CreateOrg("org-a");
  CreateContact("org-a", "{}", {{"email", "taken@x.io"}});
  const int events_before = EventCount(store(), "org-a");
  std::vector<ContactOp> ops;
  // A create whose second key is taken: its first key must not stay behind.
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":1})"),
                         {{"external_id", "e1"}, {"email", "taken@x.io"}}));
  ops.push_back(CreateOp(NewContact("org-a", R"({"v":2})"), {{"email", "ok@x.io"}}));
  ops.push_back(UpdateByKeyOp({"email", "nobody@x.io"}, Write("{}", {})));
  auto results = store().WriteContacts("org-a", std::move(ops), false, kSync, nullptr);
  ASSERT_TRUE(results.ok()) << results.error().internal;
  ASSERT_EQ(results->size(), 3u);
  ASSERT_FALSE((*results)[0].contact.ok());
  EXPECT_EQ((*results)[0].contact.error().error, "duplicate");
  ASSERT_TRUE((*results)[1].contact.ok());
  ASSERT_FALSE((*results)[2].contact.ok());
  EXPECT_EQ((*results)[2].contact.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(EventCount(store(), "org-a"), events_before + 1);  // the one create
  EXPECT_FALSE(KeyTaken("org-a", {"external_id", "e1"}));
  EXPECT_TRUE(KeyTaken("org-a", {"email", "ok@x.io"}));
}

TEST_P(StoreContractTest, AnAnswerCommitsWithItsBatchAndOnlyOncePerKey) {
  CreateOrg("org-a");
  AnswerMaker answer = [](const std::vector<ContactOpResult>& results) -> Result<StoredAnswer> {
    StoredAnswer a;
    a.org_id = "org-a";
    a.key = "k-1";
    a.fingerprint = "POST /contacts 1234";
    a.status = 201;
    a.headers = R"([["ETag","\"1\""]])";
    a.body = results.front().contact->id;
    a.created_at_ms = 1'000;
    a.expires_at_ms = 5'000;
    return a;
  };
  std::vector<ContactOp> ops;
  ops.push_back(CreateOp(NewContact("org-a", "{}"), {}));
  auto first = store().WriteContacts("org-a", std::move(ops), true, kSync, &answer);
  ASSERT_TRUE(first.ok()) << first.error().internal;
  auto found = store().FindAnswer("org-a", "k-1", 4'999);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->status, 201);
  EXPECT_EQ((*found)->body, (*first)[0].contact->id);
  EXPECT_EQ((*found)->headers, R"([["ETag","\"1\""]])");
  EXPECT_EQ((*found)->fingerprint, "POST /contacts 1234");
  // Not another tenant's, not once expired.
  EXPECT_FALSE(store().FindAnswer("org-b", "k-1", 1'000)->has_value());
  EXPECT_FALSE(store().FindAnswer("org-a", "k-1", 5'000)->has_value());

  // The key in use: the second batch is rolled back whole.
  std::vector<ContactOp> again;
  again.push_back(CreateOp(NewContact("org-a", R"({"second":1})"), {{"email", "s@x.io"}}));
  auto second = store().WriteContacts("org-a", std::move(again), true, kSync, &answer);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().error, "idempotency_key_in_use");
  EXPECT_FALSE(KeyTaken("org-a", {"email", "s@x.io"}));

  // A failing answer maker rolls the batch back too.
  AnswerMaker failing = [](const std::vector<ContactOpResult>&) -> Result<StoredAnswer> {
    return Error::Internal("render failed");
  };
  std::vector<ContactOp> third;
  third.push_back(CreateOp(NewContact("org-a", "{}"), {{"email", "t@x.io"}}));
  EXPECT_FALSE(store().WriteContacts("org-a", std::move(third), false, kSync, &failing).ok());
  EXPECT_FALSE(KeyTaken("org-a", {"email", "t@x.io"}));

  // Pruning removes what expired, and only that.
  auto pruned = store().PruneAnswers(4'000, 100);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 0);
  pruned = store().PruneAnswers(5'000, 100);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  EXPECT_FALSE(store().FindAnswer("org-a", "k-1", 1'000)->has_value());
}

TEST_P(StoreContractTest, AnExpiredAnswerGivesWayToANewOne) {
  CreateOrg("org-a");
  auto maker = [](std::int64_t now, std::string body) -> AnswerMaker {
    return [=](const std::vector<ContactOpResult>&) -> Result<StoredAnswer> {
      StoredAnswer a;
      a.org_id = "org-a";
      a.key = "k";
      a.fingerprint = "f";
      a.status = 200;
      a.body = body;
      a.created_at_ms = now;
      a.expires_at_ms = now + 100;
      return a;
    };
  };
  for (auto [now, body] : {std::pair{1'000, "old"}, std::pair{2'000, "new"}}) {
    AnswerMaker answer = maker(now, body);
    std::vector<ContactOp> ops;
    ops.push_back(CreateOp(NewContact("org-a", "{}"), {}));
    ASSERT_TRUE(store().WriteContacts("org-a", std::move(ops), true, kSync, &answer).ok());
  }
  auto found = store().FindAnswer("org-a", "k", 2'050);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->body, "new");
}

}  // namespace
}  // namespace contactsd::store::test
