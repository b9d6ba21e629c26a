// The change log's part of the Store contract: every committed change of a contact records one
// event in its transaction, a change that fails records none, and the log reads back in order.
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <vector>

namespace contactsd::store::test {
namespace {

const ChangeOrigin kAlice{"api_key", "key-alice", "req-1"};

std::vector<Event> AllEvents(Store& store, std::vector<std::string> tenants,
                             const std::string& type = "", const std::string& contact_id = "") {
  EventQuery query;
  query.tenants = std::move(tenants);
  query.limit = 1000;
  query.type = type;
  query.contact_id = contact_id;
  auto events = store.ListEvents(query);
  EXPECT_TRUE(events.ok()) << events.error().internal;
  return events.ok() ? *events : std::vector<Event>{};
}

std::vector<std::string> Types(const std::vector<Event>& events) {
  std::vector<std::string> types;
  for (const Event& e : events) types.push_back(e.type);
  return types;
}

Mutation WriteWithPrior(std::string doc, std::string prior, std::int64_t updated_at_ms) {
  return [=](const Contact&) -> Result<ContactWrite> {
    ContactWrite write;
    write.doc = doc;
    write.updated_at_ms = updated_at_ms;
    write.prior = prior;
    write.keys_unchanged = true;
    return write;
  };
}

TEST_P(StoreContractTest, EachChangeOfAContactRecordsItsEventInOrder) {
  CreateOrg("org-a");
  Contact created = NewContact("org-a", R"({"n":1})");
  ASSERT_TRUE(store().CreateContact(created, {}, {}, kAlice).ok());
  ASSERT_TRUE(store()
                  .UpdateContact("org-a", created.id,
                                 WriteWithPrior(R"({"n":2})", R"({"n":1})", 2'000), kAlice)
                  .ok());
  // A mutation that changes nothing records nothing.
  auto unchanged = store().UpdateContact(
      "org-a", created.id,
      [](const Contact&) -> Result<ContactWrite> {
        ContactWrite write;
        write.changed = false;
        return write;
      },
      kAlice);
  ASSERT_TRUE(unchanged.ok());
  ASSERT_TRUE(
      store().UpdateContact("org-a", created.id, Write(R"({"n":2})", {}, 3'000, 3'000, "k")).ok());
  ASSERT_TRUE(store().UpdateContact("org-a", created.id, Write(R"({"n":2})", {}, 4'000)).ok());

  std::vector<Event> events = AllEvents(store(), {"org-a"});
  ASSERT_EQ(Types(events), (std::vector<std::string>{"contact.created", "contact.updated",
                                                     "contact.archived", "contact.restored"}));
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].org_id, "org-a");
    EXPECT_EQ(events[i].contact.id, created.id);
    EXPECT_EQ(events[i].contact.version, static_cast<std::int64_t>(i + 1));
    if (i > 0) {
      EXPECT_LT(events[i - 1].position, events[i].position);
    }
  }
  EXPECT_EQ(events[0].origin.actor_id, "key-alice");
  EXPECT_EQ(events[0].origin.request_id, "req-1");
  EXPECT_EQ(events[0].contact.doc, R"({"n":1})");
  EXPECT_EQ(events[0].prior, "");
  EXPECT_EQ(events[0].occurred_at_ms, 1'000);
  EXPECT_EQ(events[1].contact.doc, R"({"n":2})");
  EXPECT_EQ(events[1].prior, R"({"n":1})");
  EXPECT_EQ(events[1].occurred_at_ms, 2'000);
  EXPECT_EQ(events[2].contact.archived_at_ms, 3'000);
  EXPECT_EQ(events[2].contact.archived_by, "k");
  EXPECT_EQ(events[2].origin.actor_type, "system");
  EXPECT_EQ(events[3].contact.archived_at_ms, std::nullopt);
  EXPECT_EQ(events[3].occurred_at_ms, 4'000);
}

TEST_P(StoreContractTest, AChangeThatFailsRecordsNoEvent) {
  CreateOrg("org-a");
  Contact first = CreateContact("org-a", "{}", {{"email", "a@x"}});
  Contact second = CreateContact("org-a", "{}", {{"email", "b@x"}});
  const std::size_t before = AllEvents(store(), {"org-a"}).size();
  auto refused =
      store().UpdateContact("org-a", first.id, [](const Contact&) -> Result<ContactWrite> {
        return Error::Validation({{"n", "invalid", "no"}});
      });
  EXPECT_FALSE(refused.ok());
  auto taken = store().UpdateContact("org-a", second.id, Write("{}", {{"email", "a@x"}}));
  EXPECT_EQ(ErrorOf(taken), ErrorCode::kConflict);
  auto duplicate = store().CreateContact(NewContact("org-a", "{}"), {{"email", "a@x"}});
  EXPECT_EQ(ErrorOf(duplicate), ErrorCode::kConflict);
  auto missing = store().UpdateContact("org-a", "no-such-id", Write("{}", {}));
  EXPECT_EQ(ErrorOf(missing), ErrorCode::kNotFound);
  EXPECT_EQ(AllEvents(store(), {"org-a"}).size(), before);
}

TEST_P(StoreContractTest, AsynchronousWritesRecordAnEventEachAndAFailedOneNone) {
  CreateOrg("org-a");
  constexpr int kWrites = 24;
  std::vector<Contact> contacts;
  for (int i = 0; i < kWrites; ++i) contacts.push_back(CreateContact("org-a", "{}"));
  std::vector<std::promise<bool>> answers(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    // Queued together (one batch on SQLite): the failing one rolls back to its savepoint alone.
    Mutation mutate = i == 7 ? Mutation([](const Contact&) -> Result<ContactWrite> {
      return Error::Conflict("no", "refused");
    })
                             : WriteWithPrior(R"({"i":)" + std::to_string(i) + "}", "{}", 5'000);
    store().UpdateContactAsync(
        "org-a", contacts[i].id, std::move(mutate), UpdateScope::kDocumentOnly, kAlice,
        [&answers, i](Result<Contact> done) { answers[i].set_value(done.ok()); });
  }
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(answers[i].get_future().get(), i != 7) << i;
  std::vector<Event> updates = AllEvents(store(), {"org-a"}, "contact.updated");
  EXPECT_EQ(updates.size(), kWrites - 1u);
  for (const Event& e : updates) EXPECT_NE(e.contact.id, contacts[7].id);
}

TEST_P(StoreContractTest, TheLogPagesByPositionFiltersAndKeepsTenantsApart) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Contact a1 = CreateContact("org-a", "{}");
  Contact b1 = CreateContact("org-b", "{}");
  Contact a2 = CreateContact("org-a", "{}");
  ASSERT_TRUE(store().UpdateContact("org-a", a1.id, Write(R"({"x":1})", {})).ok());

  std::vector<Event> all = AllEvents(store(), {"org-a"});
  ASSERT_EQ(all.size(), 3u);
  EventQuery page;
  page.tenants = {"org-a"};
  page.limit = 2;
  auto first = store().ListEvents(page);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  page.after = first->back().position;
  auto rest = store().ListEvents(page);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().position, all[2].position);
  page.after = rest->back().position;
  EXPECT_TRUE(store().ListEvents(page)->empty());

  EXPECT_EQ(AllEvents(store(), {"org-a"}, "contact.updated").size(), 1u);
  EXPECT_EQ(AllEvents(store(), {"org-a"}, "", a1.id).size(), 2u);
  EXPECT_TRUE(AllEvents(store(), {"org-a"}, "", b1.id).empty());
  std::vector<Event> b = AllEvents(store(), {"org-b"});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact.id, b1.id);
  // Two tenants' logs read as one, in log order.
  std::vector<Event> both = AllEvents(store(), {"org-a", "org-b"});
  ASSERT_EQ(both.size(), 4u);
  EXPECT_EQ(both[1].contact.id, b1.id);
  for (std::size_t i = 1; i < both.size(); ++i) {
    EXPECT_LT(both[i - 1].position, both[i].position);
  }

  HistoryQuery history;
  history.tenants = {"org-a"};
  history.contact_id = a1.id;
  history.limit = 1;
  auto newest = store().ListHistory(history);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().type, "contact.updated");
  history.before_seq = newest->front().position.seq;
  auto older = store().ListHistory(history);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ(older->front().type, "contact.created");
  history.tenants = {"org-b"};
  history.before_seq = 0;
  EXPECT_TRUE(store().ListHistory(history)->empty());
  (void)a2;
}

// A contact seen by two tenants (the catalogue's, unlocked by an org) has events in both logs:
// its history reads them as one, newest first, page after page, and the feed's contact filter
// oldest first from any position, whatever other contacts did in between.
TEST_P(StoreContractTest, AHistoryAcrossTwoLogsPagesWithoutGapOrRepeat) {
  CreateOrg("org-cat");
  CreateOrg("org-b");
  Contact seen = CreateContact("org-cat", R"({"n":0})");
  Contact other = CreateContact("org-cat", R"({"n":0})");
  for (int n = 1; n <= 6; ++n) {
    const std::int64_t at = 2'000 + n * 100;
    ASSERT_TRUE(store()
                    .UpdateContact("org-cat", seen.id,
                                   WriteWithPrior("{\"n\":" + std::to_string(n) + "}", "{}", at),
                                   kAlice)
                    .ok());
    ASSERT_TRUE(store()
                    .UpdateContact("org-cat", other.id,
                                   WriteWithPrior("{\"n\":" + std::to_string(n) + "}", "{}", at),
                                   kAlice)
                    .ok());
    if (n == 3) {
      ASSERT_TRUE(store().UnlockContact("org-b", seen, 0, at + 50, kAlice).ok());
    }
  }
  const std::vector<std::string> tenants = {"org-cat", "org-b"};
  // Created, 3 updates, the unlock, 3 updates: 8, oldest first.
  std::vector<Event> all = AllEvents(store(), tenants, "", seen.id);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[4].type, "contact.unlocked");
  EXPECT_EQ(all[4].org_id, "org-b");
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].contact.id, seen.id);
    if (i > 0) {
      EXPECT_LT(all[i - 1].position, all[i].position);
    }
  }
  for (int limit = 1; limit <= 3; ++limit) {
    HistoryQuery history;
    history.tenants = tenants;
    history.contact_id = seen.id;
    history.limit = limit;
    std::vector<std::int64_t> seqs;
    for (int pages = 0; pages < 20; ++pages) {
      auto page = store().ListHistory(history);
      ASSERT_TRUE(page.ok()) << page.error().internal;
      if (page->empty()) break;
      EXPECT_LE(page->size(), static_cast<std::size_t>(limit));
      for (const Event& e : *page) seqs.push_back(e.position.seq);
      history.before_seq = page->back().position.seq;
    }
    std::vector<std::int64_t> expected;
    for (auto it = all.rbegin(); it != all.rend(); ++it) expected.push_back(it->position.seq);
    EXPECT_EQ(seqs, expected) << "limit " << limit;
  }
  // The feed filtered to the contact, from each of its positions.
  for (std::size_t from = 0; from < all.size(); ++from) {
    EventQuery query;
    query.tenants = tenants;
    query.contact_id = seen.id;
    query.after = all[from].position;
    query.limit = 2;
    auto next = store().ListEvents(query);
    ASSERT_TRUE(next.ok());
    const std::size_t want = std::min<std::size_t>(2, all.size() - from - 1);
    ASSERT_EQ(next->size(), want) << "after event " << from;
    for (std::size_t i = 0; i < want; ++i) {
      EXPECT_EQ((*next)[i].position, all[from + 1 + i].position);
    }
  }
  // The org alone sees its own log's part: the unlock.
  EXPECT_EQ(Types(AllEvents(store(), {"org-b"}, "", seen.id)),
            (std::vector<std::string>{"contact.unlocked"}));
  EXPECT_EQ(AllEvents(store(), tenants, "contact.unlocked", seen.id).size(), 1u);
}

TEST_P(StoreContractTest, UnlocksCustomFieldsAndEntryDeletesRecordTheirEvents) {
  CreateOrg("org-a");
  Contact contact = CreateContact("org-a", R"({"lists":[1]})");
  ASSERT_TRUE(store().CreateCollectionEntry({"org-a", "lists", 0, "VIP", 1'000}, 10).ok());
  ASSERT_TRUE(
      store()
          .CreateCustomField({"org-a", "tier", "string", "[]", 1'500}, R"({"name":"tier"})", kAlice)
          .ok());
  EXPECT_EQ(ErrorOf(store().CreateCustomField({"org-a", "tier", "string", "[]", 1'600},
                                              R"({"name":"tier"})", kAlice)),
            ErrorCode::kConflict);
  // An unlock is recorded in the unlocking org's log, once.
  ASSERT_TRUE(store().UnlockContact("org-a", contact, 5, 2'000, kAlice).ok());
  ASSERT_TRUE(store().UnlockContact("org-a", contact, 5, 2'100, kAlice).ok());
  auto rewrite = [](const Contact&) -> Result<DocChange> {
    return DocChange{R"({"lists":[]})", R"({"lists":[1]})"};
  };
  auto deleted =
      store().DeleteCollectionEntry("org-a", "lists", 1, {"lists"}, 3'000, rewrite, kAlice);
  ASSERT_TRUE(deleted.ok()) << deleted.error().internal;
  ASSERT_EQ(*deleted, 1);

  std::vector<Event> events = AllEvents(store(), {"org-a"});
  ASSERT_EQ(Types(events), (std::vector<std::string>{"contact.created", "custom_field.created",
                                                     "contact.unlocked", "contact.updated"}));
  EXPECT_EQ(events[1].contact.id, "");
  EXPECT_EQ(events[1].contact.doc, R"({"name":"tier"})");
  EXPECT_EQ(events[1].occurred_at_ms, 1'500);
  EXPECT_EQ(events[2].contact.id, contact.id);
  EXPECT_EQ(events[2].occurred_at_ms, 2'000);
  EXPECT_EQ(events[3].contact.doc, R"({"lists":[]})");
  EXPECT_EQ(events[3].prior, R"({"lists":[1]})");
  EXPECT_EQ(events[3].contact.version, 2);
}

TEST_P(StoreContractTest, TheWatermarkMovesWhenAnotherStoreCommitsAnEvent) {
  CreateOrg("org-a");
  auto before = store().EventsWatermark();
  ASSERT_TRUE(before.ok()) << before.error().internal;
  auto other = harness().OpenAnother();
  ASSERT_NE(other, nullptr);
  Contact contact = NewContact("org-a", "{}");
  ASSERT_TRUE(other->CreateContact(contact, {}).ok());
  auto after = store().EventsWatermark();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(*after, *before);
  std::vector<Event> events = AllEvents(store(), {"org-a"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].contact.id, contact.id);
}

TEST_P(StoreContractTest, PruningDeletesTheOldestEventsAndRecordsEachTenantsHorizon) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Contact a = CreateContact("org-a", "{}");  // events at 1,000 (created_at of NewContact)
  Contact b = CreateContact("org-b", "{}");
  ASSERT_TRUE(store().UpdateContact("org-a", a.id, Write(R"({"x":1})", {}, 5'000)).ok());
  ASSERT_TRUE(store().UpdateContact("org-b", b.id, Write(R"({"x":1})", {}, 6'000)).ok());
  ASSERT_TRUE(store().UpdateContact("org-a", a.id, Write(R"({"x":2})", {}, 9'000)).ok());
  const std::vector<Event> before = AllEvents(store(), {"org-a"});
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(*store().EventHorizon({"org-a"}), 0);
  auto full = store().ReadEventLogState();
  ASSERT_TRUE(full.ok()) << full.error().internal;
  EXPECT_EQ(full->oldest_at_ms, 1'000);
  EXPECT_EQ(full->newest_at_ms, 9'000);
  EXPECT_EQ(full->newest_seq, before[2].position.seq);
  EXPECT_EQ(full->newest_seq - full->oldest_seq + 1, 5);  // nothing rolled back or erased
  EXPECT_EQ(full->pending_deliveries, 0);

  // Older than 5,500: the two creates and org-a's first update, one small batch at a time.
  auto first = store().PruneEvents(5'500, 2);
  ASSERT_TRUE(first.ok()) << first.error().internal;
  EXPECT_EQ(*first, 2);
  auto second = store().PruneEvents(5'500, 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(*store().PruneEvents(5'500, 2), 0);

  std::vector<Event> kept = AllEvents(store(), {"org-a"});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].position, before[2].position);
  EXPECT_EQ(AllEvents(store(), {"org-b"}).size(), 1u);
  EXPECT_EQ(*store().EventHorizon({"org-a"}), before[1].position.seq);
  EXPECT_GT(*store().EventHorizon({"org-b"}), 0);
  EXPECT_EQ(*store().EventHorizon({"org-a", "org-b"}),
            std::max(*store().EventHorizon({"org-a"}), *store().EventHorizon({"org-b"})));
  EXPECT_EQ(*store().EventHorizon({"org-c"}), 0);
  // The contacts themselves are untouched.
  EXPECT_EQ(store().GetContact("org-a", a.id)->version, 3);
  // The log's extent is what is left: org-b's update at 6,000 through org-a's at 9,000.
  auto pruned = store().ReadEventLogState();
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->oldest_at_ms, 6'000);
  EXPECT_EQ(pruned->newest_at_ms, 9'000);
  EXPECT_EQ(pruned->newest_seq, full->newest_seq);
  EXPECT_EQ(pruned->newest_seq - pruned->oldest_seq + 1, 2);
}

TEST_P(StoreContractTest, ErasureRemovesTheContactAndEveryEventOfItInEveryLog) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Contact erased = CreateContact("org-a", R"({"name":"secret"})", {{"email", "s@x"}});
  Contact kept = CreateContact("org-a", "{}");
  ASSERT_TRUE(store()
                  .UpdateContact("org-a", erased.id,
                                 Write(R"({"name":"still secret"})", {{"email", "s@x"}}, 2'000))
                  .ok());
  // Another org's log holds it too: its unlock.
  ASSERT_TRUE(store().UnlockContact("org-b", erased, 0, 2'500, kAlice).ok());
  ASSERT_EQ(AllEvents(store(), {"org-b"}).size(), 1u);

  ASSERT_TRUE(store().EraseContact("org-a", erased.id, 3'000, kAlice).ok());
  EXPECT_EQ(ErrorOf(store().GetContact("org-a", erased.id)), ErrorCode::kNotFound);
  EXPECT_EQ(store().EraseContact("org-a", erased.id, 3'100, kAlice).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().EraseContact("org-b", kept.id, 3'100, kAlice).error().code,
            ErrorCode::kNotFound);  // another tenant's contact
  std::vector<Event> log = AllEvents(store(), {"org-a"}, "", erased.id);
  ASSERT_EQ(Types(log), (std::vector<std::string>{"contact.erased"}));
  EXPECT_EQ(log[0].contact.doc, "{}");
  EXPECT_EQ(log[0].occurred_at_ms, 3'000);
  EXPECT_EQ(log[0].origin.actor_id, "key-alice");
  EXPECT_TRUE(AllEvents(store(), {"org-b"}).empty());
  EXPECT_EQ(AllEvents(store(), {"org-a"}, "", kept.id).size(), 1u);
  // Its unique key is free again.
  EXPECT_FALSE(KeyTaken("org-a", {"email", "s@x"}));
}

TEST_P(StoreContractTest, AnEventIsFoundByItsSeqInItsTenantsLogOnly) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  const Contact contact = CreateContact("org-a", R"({"n":1})");
  const Contact other = CreateContact("org-a", R"({"n":2})");
  const std::vector<Event> log = AllEvents(store(), {"org-a"}, "", contact.id);
  ASSERT_EQ(log.size(), 1u);
  const std::int64_t seq = log[0].position.seq;
  auto find = [&](std::vector<std::string> tenants, const std::string& contact_id,
                  std::int64_t at) {
    auto found = store().FindEvent(tenants, contact_id, at);
    EXPECT_TRUE(found.ok()) << found.error().internal;
    return found.ok() ? *found : std::nullopt;
  };
  auto by_contact = find({"org-a"}, contact.id, seq);
  ASSERT_TRUE(by_contact);
  EXPECT_EQ(by_contact->type, "contact.created");
  EXPECT_EQ(by_contact->contact.doc, R"({"n":1})");
  EXPECT_EQ(by_contact->position, log[0].position);
  auto of_any = find({"org-b", "org-a"}, "", seq);
  ASSERT_TRUE(of_any);
  EXPECT_EQ(of_any->contact.id, contact.id);
  EXPECT_FALSE(find({"org-b"}, "", seq));          // another tenant's log
  EXPECT_FALSE(find({"org-a"}, other.id, seq));    // another contact's event
  EXPECT_FALSE(find({"org-a"}, "", seq + 1'000));  // none
  ASSERT_TRUE(store().EraseContact("org-a", contact.id, 3'000, kAlice).ok());
  EXPECT_FALSE(find({"org-a"}, contact.id, seq));  // erased
}

TEST_P(StoreContractTest, DeletingAnOrgRemovesEverythingItOwnsAndItsKeys) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  ASSERT_TRUE(store().CreateApiKey({{"key-a", "org-a", "k", "sk_a", 1'000, {}}, "hash-a"}).ok());
  Contact a = CreateContact("org-a", "{}", {{"email", "a@x"}});
  Contact b = CreateContact("org-b", "{}", {{"email", "a@x"}});
  ASSERT_TRUE(store().CreateCustomField({"org-a", "tier", "string", "[]", 1'500}).ok());
  const std::uint64_t version = SettledCredentialsVersion(store());

  WebhookEndpoint hook;
  hook.org_id = "org-a";
  hook.id = "hook-a";
  hook.url = "https://example.com/hook";
  hook.events = {"*"};
  hook.secret = "whsec_AAAA";
  ASSERT_TRUE(store().CreateWebhook(hook, kMaxWebhooksPerOrg).ok());

  auto removed = store().DeleteOrg("org-a");
  ASSERT_TRUE(removed.ok()) << removed.error().internal;
  std::vector<std::pair<std::string, std::int64_t>> expected = {{"contacts", 1},
                                                                {"events", 2},
                                                                {"contact_keys", 1},
                                                                {"api_keys", 1},
                                                                {"custom_fields", 1},
                                                                {"collection_entries", 0},
                                                                {"collection_counters", 0},
                                                                {"unlocks", 0},
                                                                {"idempotency_answers", 0},
                                                                {"contact_terms", 0},
                                                                {"webhook_endpoints", 1},
                                                                {"webhook_deliveries", 0},
                                                                {"webhook_attempts", 0},
                                                                {"orgs", 1}};
  EXPECT_EQ(*removed, expected);
  EXPECT_EQ(ErrorOf(store().GetOrg("org-a")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(store().FindApiKeyByHash("hash-a")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(store().GetContact("org-a", a.id)), ErrorCode::kNotFound);
  EXPECT_TRUE(CredentialsVersionChanges(store(), version));
  EXPECT_TRUE(AllEvents(store(), {"org-a"}).empty());
  EXPECT_TRUE(store().GetContact("org-b", b.id).ok());
  EXPECT_EQ(AllEvents(store(), {"org-b"}).size(), 1u);
  EXPECT_EQ(ErrorOf(store().DeleteOrg("org-a")), ErrorCode::kNotFound);
}

std::vector<std::string> ListedByUpdate(Store& store, std::optional<std::int64_t> since,
                                        int limit) {
  std::vector<std::string> ids;
  ListQuery query;
  query.org_id = "org-a";
  query.limit = limit;
  query.updated_since_ms = since;
  query.after_updated.emplace();
  for (;;) {
    auto page = store.ListContacts(query);
    EXPECT_TRUE(page.ok()) << page.error().internal;
    if (!page.ok() || page->empty()) return ids;
    for (const Contact& c : *page) ids.push_back(c.id);
    query.after_updated = UpdatedPosition{page->back().updated_at_ms, page->back().id};
  }
}

TEST_P(StoreContractTest, TheUpdateOrderRunsFromPrunedContactsIntoTheLogWithoutAGap) {
  CreateOrg("org-a");
  std::vector<Contact> c;
  for (int i = 0; i < 5; ++i) c.push_back(CreateContact("org-a", "{}"));  // all at 1,000
  ASSERT_TRUE(store().UpdateContact("org-a", c[3].id, Write(R"({"x":1})", {}, 2'000)).ok());
  ASSERT_TRUE(store().UpdateContact("org-a", c[1].id, Write(R"({"x":1})", {}, 4'000)).ok());
  ASSERT_TRUE(store().UpdateContact("org-a", c[3].id, Write(R"({"x":2})", {}, 5'000)).ok());
  ASSERT_TRUE(
      store().UpdateContact("org-a", c[4].id, Write(R"({"x":1})", {}, 6'000, 6'000, "k")).ok());
  // (updated_at, id): c0 c2 (1,000), c1 (4,000), c3 (5,000), c4 (6,000, archived: left out).
  const std::vector<std::string> expected = {c[0].id, c[2].id, c[1].id, c[3].id};
  for (int limit : {1, 2, 10}) EXPECT_EQ(ListedByUpdate(store(), std::nullopt, limit), expected);
  // Retention deletes every event before 4,500: c0, c2 and c1 have none left, c3 has its last.
  ASSERT_TRUE(store().PruneEvents(4'500, 100).ok());
  for (int limit : {1, 2, 3, 10}) {
    EXPECT_EQ(ListedByUpdate(store(), std::nullopt, limit), expected) << limit;
  }
  EXPECT_EQ(ListedByUpdate(store(), 4'000, 1), (std::vector<std::string>{c[1].id, c[3].id}));
  EXPECT_EQ(ListedByUpdate(store(), 4'001, 2), (std::vector<std::string>{c[3].id}));
}

}  // namespace
}  // namespace contactsd::store::test
