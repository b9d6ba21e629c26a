// The webhook part of the Store contract (store/webhook_store.hpp): endpoints per tenant and
// their limit, a new endpoint at the log's head, the stream leases, a stream commit's
// compare-and-move with its attempts and parked deliveries, the claim's order, leases and
// one-at-a-time per contact, the outcomes (states, the attempt log), the endpoint's health,
// retries and test deliveries, retention, and deleting an endpoint with all of it.
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::test {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kLease = 30'000;
constexpr char kOwner[] = "process-a";

WebhookEndpoint Endpoint(const std::string& org_id, const std::string& id,
                         std::vector<std::string> events = {"*"}) {
  WebhookEndpoint endpoint;
  endpoint.org_id = org_id;
  endpoint.id = id;
  endpoint.url = "https://hooks.example.com/" + id;
  endpoint.description = "endpoint " + id;
  endpoint.events = std::move(events);
  endpoint.secret = "whsec_" + id;
  endpoint.created_at_ms = 1'000;
  endpoint.updated_at_ms = 1'000;
  return endpoint;
}

NewDelivery Delivery(const std::string& event_id, const std::string& contact_id = "") {
  return {event_id, contact_id, R"({"id":")" + event_id + R"("})"};
}

DeliveryFilter TakeAll() {
  return [](const DueDelivery&) { return true; };
}

// (endpoint id, ord) of each delivery, in the order given.
std::vector<std::pair<std::string, std::int64_t>> Ords(const std::vector<DueDelivery>& due) {
  std::vector<std::pair<std::string, std::int64_t>> ords;
  for (const DueDelivery& d : due) ords.emplace_back(d.endpoint_id, d.ord);
  return ords;
}

std::vector<std::string> EventIds(const std::vector<DueDelivery>& due) {
  std::vector<std::string> ids;
  for (const DueDelivery& d : due) ids.push_back(d.event_id);
  return ids;
}

AttemptResult Attempt(std::int64_t at_ms, int status, bool delivered,
                      std::optional<std::int64_t> next_attempt_at_ms = std::nullopt) {
  AttemptResult result;
  result.at_ms = at_ms;
  result.status = status;
  result.error = status == 0 ? "connection refused" : "";
  result.latency_ms = 42;
  result.delivered = delivered;
  result.next_attempt_at_ms = next_attempt_at_ms;
  return result;
}

DeliveryOutcome Outcome(const DueDelivery& due, std::int64_t at_ms, int status, bool delivered,
                        std::optional<std::int64_t> next_attempt_at_ms = std::nullopt) {
  return {due.org_id, due.endpoint_id, due.ord,
          Attempt(at_ms, status, delivered, next_attempt_at_ms)};
}

class Webhooks {
 public:
  explicit Webhooks(Store& store) : store_(store) {}

  // Creates the endpoint, leases it to kOwner, and reads it back (with its log position).
  WebhookEndpoint Create(const WebhookEndpoint& endpoint) {
    auto created = store_.CreateWebhook(endpoint, kMaxWebhooksPerOrg);
    EXPECT_TRUE(created.ok()) << created.error().message << " " << created.error().internal;
    auto leased = store_.LeaseWebhookStreams(kOwner, kNow, kNow + 1'000 * kLease);
    EXPECT_TRUE(leased.ok()) << leased.error().internal;
    return Get(endpoint.org_id, endpoint.id);
  }

  WebhookEndpoint Get(const std::string& org_id, const std::string& id) {
    auto found = store_.GetWebhook(org_id, id);
    EXPECT_TRUE(found.ok()) << found.error().message << " " << found.error().internal;
    return found.ok() ? *found : WebhookEndpoint{};
  }

  // Commits the endpoint's stream from where it is stored to a position past it, with these
  // events (in order), as kOwner at kNow. Returns whether it was applied.
  bool Commit(const std::string& org_id, const std::string& id, std::vector<StreamedEvent> events) {
    const WebhookEndpoint endpoint = Get(org_id, id);
    DispatchRecord record;
    record.owner = kOwner;
    record.now_ms = kNow;
    record.streams.push_back({org_id,
                              id,
                              endpoint.cursor,
                              {endpoint.cursor.txid, endpoint.cursor.seq + 1},
                              std::move(events)});
    auto applied = store_.RecordDispatch(record);
    EXPECT_TRUE(applied.ok()) << applied.error().internal;
    return applied.ok() && applied->size() == 1 && (*applied)[0];
  }

  // Parks the deliveries, unattempted and due at kNow (held back by the stream).
  void Park(const std::string& org_id, const std::string& id, std::vector<NewDelivery> deliveries) {
    std::vector<StreamedEvent> held;
    for (NewDelivery& delivery : deliveries) held.push_back({std::move(delivery), std::nullopt});
    EXPECT_TRUE(Commit(org_id, id, std::move(held)));
  }

  std::vector<DueDelivery> Claim(std::int64_t now_ms, int limit = 100,
                                 const DeliveryFilter& take = TakeAll()) {
    auto claimed = store_.ClaimDeliveries(kOwner, now_ms, now_ms + kLease, limit, take);
    EXPECT_TRUE(claimed.ok()) << claimed.error().internal;
    return claimed.ok() ? *claimed : std::vector<DueDelivery>{};
  }

  void Record(std::vector<DeliveryOutcome> outcomes, std::vector<EndpointHealth> health = {},
              std::int64_t now_ms = kNow) {
    DispatchRecord record;
    record.owner = kOwner;
    record.now_ms = now_ms;
    record.outcomes = std::move(outcomes);
    record.health = std::move(health);
    auto recorded = store_.RecordDispatch(record);
    ASSERT_TRUE(recorded.ok()) << recorded.error().internal;
  }

  std::vector<DeliveryAttempt> Attempts(const std::string& org_id, const std::string& id,
                                        std::optional<AttemptPosition> before = std::nullopt,
                                        int limit = kMaxDeliveryLogPage) {
    auto attempts = store_.ListDeliveryAttempts(org_id, id, before, limit);
    EXPECT_TRUE(attempts.ok()) << attempts.error().internal;
    return attempts.ok() ? *attempts : std::vector<DeliveryAttempt>{};
  }

 private:
  Store& store_;
};

TEST_P(StoreContractTest, WebhooksAreCreatedListedReadUpdatedAndDeleted) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Webhooks hooks(store());
  WebhookEndpoint first = Endpoint("org-a", "wh-1", {"contact.updated", "contact.*"});
  first.enabled = false;
  hooks.Create(first);
  hooks.Create(Endpoint("org-a", "wh-2"));
  hooks.Create(Endpoint("org-b", "wh-3"));

  auto listed = store().ListWebhooks("org-a");
  ASSERT_TRUE(listed.ok()) << listed.error().internal;
  ASSERT_EQ(listed->size(), 2u);
  const WebhookEndpoint& stored = (*listed)[0];
  EXPECT_EQ(stored.org_id, "org-a");
  EXPECT_EQ(stored.id, "wh-1");
  EXPECT_EQ(stored.url, "https://hooks.example.com/wh-1");
  EXPECT_EQ(stored.description, "endpoint wh-1");
  EXPECT_EQ(stored.events, (std::vector<std::string>{"contact.updated", "contact.*"}));
  EXPECT_FALSE(stored.enabled);
  EXPECT_EQ(stored.secret, "whsec_wh-1");
  EXPECT_EQ(stored.previous_secret, "");
  EXPECT_EQ(stored.previous_secret_until_ms, 0);
  EXPECT_EQ(stored.created_at_ms, 1'000);
  EXPECT_EQ(stored.updated_at_ms, 1'000);
  EXPECT_EQ(stored.last_success_at_ms, 0);
  EXPECT_EQ(stored.failing_since_ms, 0);
  EXPECT_EQ(stored.disabled_reason, "");
  EXPECT_EQ((*listed)[1].id, "wh-2");
  EXPECT_TRUE((*listed)[1].enabled);

  auto updated = store().UpdateWebhook("org-a", "wh-1", [](WebhookEndpoint& e) {
    e.url = "https://other.example.com/in";
    e.description = "";
    e.events = {"*"};
    e.enabled = true;
    e.previous_secret = e.secret;
    e.previous_secret_until_ms = 9'000;
    e.secret = "whsec_new";
    e.updated_at_ms = 2'000;
    e.disabled_reason = "too many failures";
    return Status{};
  });
  ASSERT_TRUE(updated.ok()) << updated.error().internal;
  EXPECT_EQ(updated->url, "https://other.example.com/in");
  const WebhookEndpoint read = hooks.Get("org-a", "wh-1");
  EXPECT_EQ(read.url, "https://other.example.com/in");
  EXPECT_EQ(read.description, "");
  EXPECT_EQ(read.events, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(read.enabled);
  EXPECT_EQ(read.secret, "whsec_new");
  EXPECT_EQ(read.previous_secret, "whsec_wh-1");
  EXPECT_EQ(read.previous_secret_until_ms, 9'000);
  EXPECT_EQ(read.created_at_ms, 1'000);
  EXPECT_EQ(read.updated_at_ms, 2'000);
  EXPECT_EQ(read.disabled_reason, "too many failures");

  ASSERT_TRUE(store().DeleteWebhook("org-a", "wh-1").ok());
  EXPECT_EQ(ErrorOf(store().GetWebhook("org-a", "wh-1")), ErrorCode::kNotFound);
  EXPECT_EQ(store().DeleteWebhook("org-a", "wh-1").error().code, ErrorCode::kNotFound);
  listed = store().ListWebhooks("org-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "wh-2");
  EXPECT_EQ(store().ListWebhooks("org-b")->size(), 1u);
}

TEST_P(StoreContractTest, WebhookOfAnotherTenantIsNotFound) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  EXPECT_EQ(ErrorOf(store().GetWebhook("org-b", "wh-1")), ErrorCode::kNotFound);
  bool changed = false;
  auto update = store().UpdateWebhook("org-b", "wh-1", [&](WebhookEndpoint& e) {
    changed = true;
    e.url = "https://evil.example.com/";
    return Status{};
  });
  EXPECT_EQ(ErrorOf(update), ErrorCode::kNotFound);
  EXPECT_FALSE(changed);
  EXPECT_EQ(store().DeleteWebhook("org-b", "wh-1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().EnqueueDelivery("org-b", "wh-1", Delivery("evt_t"), kNow).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(store().ListWebhooks("org-b")->empty());
  EXPECT_EQ(hooks.Get("org-a", "wh-1").url, "https://hooks.example.com/wh-1");
  EXPECT_TRUE(hooks.Claim(kNow).empty());
}

TEST_P(StoreContractTest, WebhookUpdateWritesTheSettingsAndNeverTheDispatchersColumns) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  const WebhookEndpoint created = hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1")});
  const std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 1u);
  hooks.Record({Outcome(due[0], kNow + 5, 200, true)},
               {{"org-a", "wh-1", kNow + 5, 0, 0, 0, false}});

  // A change that fails leaves everything as it was.
  auto refused = store().UpdateWebhook("org-a", "wh-1", [](WebhookEndpoint& e) {
    e.url = "https://changed.example.com/";
    return Status(Error::BadRequest("no", "invalid"));
  });
  EXPECT_EQ(ErrorOf(refused), ErrorCode::kBadRequest);
  EXPECT_EQ(hooks.Get("org-a", "wh-1").url, "https://hooks.example.com/wh-1");

  // A replay sets the log position back; the dispatcher's columns are not the change's.
  auto replayed = store().UpdateWebhook("org-a", "wh-1", [&](WebhookEndpoint& e) {
    e.cursor = created.cursor;
    e.last_success_at_ms = 1;
    e.failing_since_ms = 7;
    e.failures = 3;
    e.lease_owner = "someone";
    return Status{};
  });
  ASSERT_TRUE(replayed.ok()) << replayed.error().internal;
  const WebhookEndpoint read = hooks.Get("org-a", "wh-1");
  EXPECT_EQ(read.cursor, created.cursor);
  EXPECT_EQ(read.last_success_at_ms, kNow + 5);
  EXPECT_EQ(read.failing_since_ms, 0);
  EXPECT_EQ(read.failures, 0);
  EXPECT_EQ(read.lease_owner, kOwner);
  // The ords the endpoint handed out are not handed out again after a replay.
  hooks.Park("org-a", "wh-1", {Delivery("evt_1")});
  const std::vector<DueDelivery> again = hooks.Claim(kNow);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].ord, due[0].ord + 1);
}

TEST_P(StoreContractTest, WebhooksOfATenantStopAtMaxPerOrg) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store().CreateWebhook(Endpoint("org-a", "wh-" + std::to_string(i)), 3).ok());
  }
  auto refused = store().CreateWebhook(Endpoint("org-a", "wh-3"), 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(refused.error().error, "limit_reached");
  EXPECT_EQ(ErrorOf(store().GetWebhook("org-a", "wh-3")), ErrorCode::kNotFound);
  EXPECT_TRUE(store().CreateWebhook(Endpoint("org-b", "wh-b"), 3).ok());  // per tenant
  ASSERT_TRUE(store().DeleteWebhook("org-a", "wh-0").ok());
  EXPECT_TRUE(store().CreateWebhook(Endpoint("org-a", "wh-3"), 3).ok());
  EXPECT_EQ(store().ListWebhooks("org-a")->size(), 3u);
}

TEST_P(StoreContractTest, WebhooksCreatedConcurrentlyInOneTenantStopAtTheLimit) {
  CreateOrg("org-a");
  auto other = harness().OpenAnother();
  ASSERT_NE(other, nullptr);
  constexpr int kThreads = 8;
  constexpr int kLimit = 5;
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store& on = i % 2 == 0 ? store() : *other;
      auto done = on.CreateWebhook(Endpoint("org-a", "wh-" + std::to_string(i)), kLimit);
      if (done.ok()) {
        ++created;
      } else if (done.error().error == "limit_reached") {
        ++refused;
      } else {
        ADD_FAILURE() << done.error().message << " " << done.error().internal;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), kLimit);
  EXPECT_EQ(refused.load(), kThreads - kLimit);
  EXPECT_EQ(store().ListWebhooks("org-a")->size(), static_cast<std::size_t>(kLimit));
}

TEST_P(StoreContractTest, WebhookStartsAtTheLogsHead) {
  CreateOrg("org-a");
  CreateContact("org-a", R"({"n":1})");
  CreateContact("org-a", R"({"n":2})");
  Webhooks hooks(store());
  const WebhookEndpoint endpoint = hooks.Create(Endpoint("org-a", "wh-1"));
  EventQuery query;
  query.tenants = {"org-a"};
  query.after = endpoint.cursor;
  query.limit = 1000;
  auto before = store().ListEvents(query);
  ASSERT_TRUE(before.ok()) << before.error().internal;
  EXPECT_TRUE(before->empty());

  const Contact later = CreateContact("org-a", R"({"n":3})");
  auto after = store().ListEvents(query);
  ASSERT_TRUE(after.ok()) << after.error().internal;
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].contact.id, later.id);
  EXPECT_EQ((*after)[0].type, "contact.created");
}

TEST_P(StoreContractTest, WebhookStreamCommitMovesTheEndpointOnlyFromWhereItWasWhileLeased) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  const WebhookEndpoint endpoint = hooks.Create(Endpoint("org-a", "wh-1"));
  EXPECT_EQ(endpoint.lease_owner, kOwner);
  const EventPosition from = endpoint.cursor;
  const EventPosition to{from.txid, from.seq + 10};
  // A payload of any bytes JSON text holds comes back byte for byte.
  const std::string payload = R"({"a":"q\"b\\c \u00e9 \u0000 é","n":[1,2.50]})";
  const std::int64_t retry_at = kNow + 5'000;
  DispatchRecord record;
  record.owner = kOwner;
  record.now_ms = kNow;
  record.streams.push_back({"org-a",
                            "wh-1",
                            from,
                            to,
                            {{Delivery("evt_1", "c-1"), Attempt(kNow - 3, 200, true)},
                             {Delivery("evt_2", "c-2"), Attempt(kNow - 2, 503, false, retry_at)},
                             {{"evt_3", "c-2", payload}, std::nullopt},
                             {Delivery("evt_4", "c-3"), Attempt(kNow - 1, 0, false)}}});
  auto applied = store().RecordDispatch(record);
  ASSERT_TRUE(applied.ok()) << applied.error().internal;
  EXPECT_EQ(*applied, std::vector<bool>{true});
  EXPECT_EQ(hooks.Get("org-a", "wh-1").cursor, to);

  // Each event took an ord, in order; the attempted ones are in the log.
  const std::vector<DeliveryAttempt> log = hooks.Attempts("org-a", "wh-1");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].ord, 4);
  EXPECT_EQ(log[0].event_id, "evt_4");
  EXPECT_EQ(log[0].error, "connection refused");
  EXPECT_EQ(log[0].next_attempt_at_ms, std::nullopt);
  EXPECT_EQ(log[1].ord, 2);
  EXPECT_EQ(log[1].attempt, 1);
  EXPECT_EQ(log[1].status, 503);
  EXPECT_EQ(log[1].next_attempt_at_ms, retry_at);
  EXPECT_EQ(log[2].ord, 1);
  EXPECT_EQ(log[2].event_id, "evt_1");
  EXPECT_EQ(log[2].status, 200);
  EXPECT_EQ(log[2].at_ms, kNow - 3);
  EXPECT_EQ(log[2].latency_ms, 42);
  // Only those not delivered were parked: the failed one due at its retry, the one held
  // behind it (same contact) due now but after it, the given-up one never.
  auto held = store().HeldContacts("org-a", "wh-1");
  ASSERT_TRUE(held.ok()) << held.error().internal;
  EXPECT_EQ(*held, std::vector<std::string>{"c-2"});
  EXPECT_TRUE(hooks.Claim(kNow).empty());
  const std::vector<DueDelivery> first = hooks.Claim(retry_at);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].event_id, "evt_2");
  EXPECT_EQ(first[0].contact_id, "c-2");
  EXPECT_EQ(first[0].attempts, 1);
  EXPECT_EQ(first[0].payload, R"({"id":"evt_2"})");
  hooks.Record({Outcome(first[0], retry_at + 1, 200, true)});
  const std::vector<DueDelivery> second = hooks.Claim(retry_at + 2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].event_id, "evt_3");
  EXPECT_EQ(second[0].ord, 3);
  EXPECT_EQ(second[0].attempts, 0);
  EXPECT_EQ(second[0].payload, payload);

  // Another process read the endpoint at `from` too, or holds no lease: nothing moves.
  record.streams[0].to = {from.txid, from.seq + 20};
  applied = store().RecordDispatch(record);
  ASSERT_TRUE(applied.ok()) << applied.error().internal;
  EXPECT_EQ(*applied, std::vector<bool>{false});
  record.owner = "process-b";
  record.streams[0].from = to;
  applied = store().RecordDispatch(record);
  ASSERT_TRUE(applied.ok()) << applied.error().internal;
  EXPECT_EQ(*applied, std::vector<bool>{false});
  EXPECT_EQ(hooks.Get("org-a", "wh-1").cursor, to);
  EXPECT_EQ(hooks.Attempts("org-a", "wh-1").size(), 4u);  // (and evt_2's retry since)

  // Moving on past events it does not want moves the position only.
  EXPECT_TRUE(hooks.Commit("org-a", "wh-1", {}));
  EXPECT_EQ(hooks.Get("org-a", "wh-1").cursor, (EventPosition{to.txid, to.seq + 1}));

  // An endpoint that is gone takes nothing.
  ASSERT_TRUE(store().DeleteWebhook("org-a", "wh-1").ok());
  record.owner = kOwner;
  record.streams[0].from = {to.txid, to.seq + 1};
  applied = store().RecordDispatch(record);
  ASSERT_TRUE(applied.ok()) << applied.error().internal;
  EXPECT_EQ(*applied, std::vector<bool>{false});
  EXPECT_TRUE(hooks.Attempts("org-a", "wh-1").empty());
}

TEST_P(StoreContractTest, WebhookStreamsAreLeasedToOneProcessAtATime) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateWebhook(Endpoint("org-a", "wh-1"), kMaxWebhooksPerOrg).ok());
  WebhookEndpoint off = Endpoint("org-a", "wh-2");
  off.enabled = false;
  ASSERT_TRUE(store().CreateWebhook(off, kMaxWebhooksPerOrg).ok());
  auto other = harness().OpenAnother();
  ASSERT_NE(other, nullptr);
  auto lease = [](Store& on, const char* owner, std::int64_t now) {
    auto leased = on.LeaseWebhookStreams(owner, now, now + kLease);
    ASSERT_TRUE(leased.ok()) << leased.error().internal;
  };
  auto holder = [&](const char* id) {
    auto e = store().GetWebhook("org-a", id);
    EXPECT_TRUE(e.ok());
    return e.ok() ? std::make_pair(e->lease_owner, e->lease_until_ms)
                  : std::make_pair(std::string(), std::int64_t{0});
  };
  lease(store(), "process-a", kNow);
  EXPECT_EQ(holder("wh-1"), std::make_pair(std::string("process-a"), kNow + kLease));
  EXPECT_EQ(holder("wh-2").first, "");  // a disabled endpoint is delivered by nobody
  // Held: another process takes nothing, the holder renews.
  lease(*other, "process-b", kNow + 1);
  EXPECT_EQ(holder("wh-1").first, "process-a");
  lease(store(), "process-a", kNow + 10);
  EXPECT_EQ(holder("wh-1").second, kNow + 10 + kLease);
  // Its lease ended (the process died): another takes it.
  lease(*other, "process-b", kNow + 10 + kLease);
  EXPECT_EQ(holder("wh-1").first, "process-b");
  lease(store(), "process-a", kNow + 11 + kLease);
  EXPECT_EQ(holder("wh-1").first, "process-b");
  // Released (the process stopped): free at once.
  ASSERT_TRUE(other->ReleaseWebhookStreams("process-b").ok());
  lease(store(), "process-a", kNow + 12 + kLease);
  EXPECT_EQ(holder("wh-1").first, "process-a");
}

TEST_P(StoreContractTest, WebhookClaimsGoInOrderAndOneAtATimePerContact) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1",
             {Delivery("evt_1", "c-1"), Delivery("evt_2", "c-2"), Delivery("evt_3", "c-1"),
              Delivery("evt_4"), Delivery("evt_5")});

  // The second delivery of c-1 waits for the first.
  std::vector<DueDelivery> first = hooks.Claim(kNow);
  EXPECT_EQ(EventIds(first), (std::vector<std::string>{"evt_1", "evt_2", "evt_4", "evt_5"}));
  // Leased: none again, and still not c-1's second while its first is leased.
  EXPECT_TRUE(hooks.Claim(kNow + 1).empty());
  // The lease ended without an outcome (a crash): the same ones again, c-1's second still not.
  std::vector<DueDelivery> again = hooks.Claim(kNow + kLease);
  EXPECT_EQ(EventIds(again), (std::vector<std::string>{"evt_1", "evt_2", "evt_4", "evt_5"}));
  EXPECT_EQ(Ords(again), Ords(first));
  // c-1's first delivered: its second is next.
  hooks.Record({Outcome(again[0], kNow + kLease + 1, 204, true)});
  std::vector<DueDelivery> next = hooks.Claim(kNow + 2 * kLease + 1);
  EXPECT_EQ(EventIds(next), (std::vector<std::string>{"evt_2", "evt_3", "evt_4", "evt_5"}));
}

TEST_P(StoreContractTest, WebhookClaimsOrderByDueTimeThenEndpointAndOrd) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-b", "wh-b"));
  hooks.Create(Endpoint("org-a", "wh-a"));
  hooks.Park("org-b", "wh-b", {Delivery("evt_b1"), Delivery("evt_b2")});
  hooks.Park("org-a", "wh-a", {Delivery("evt_a1")});
  // A test delivery is due at its own time: after the fan-outs' (kNow).
  ASSERT_TRUE(store().EnqueueDelivery("org-a", "wh-a", Delivery("evt_t"), kNow + 1).ok());
  EXPECT_EQ(EventIds(hooks.Claim(kNow)), (std::vector<std::string>{"evt_a1", "evt_b1", "evt_b2"}));
  EXPECT_EQ(EventIds(hooks.Claim(kNow + 1)), (std::vector<std::string>{"evt_t"}));
}

TEST_P(StoreContractTest, WebhookClaimsSkipDisabledEndpointsAndTakeWhatTheFilterTakes) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Create(Endpoint("org-a", "wh-2"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2"), Delivery("evt_3")});
  hooks.Park("org-a", "wh-2", {Delivery("evt_1")});
  ASSERT_TRUE(store()
                  .UpdateWebhook("org-a", "wh-2",
                                 [](WebhookEndpoint& e) {
                                   e.enabled = false;
                                   return Status{};
                                 })
                  .ok());

  // The filter is asked in due order, and what it refuses stays unleased.
  std::vector<std::string> asked;
  std::vector<DueDelivery> taken = hooks.Claim(kNow, 1, [&](const DueDelivery& due) {
    asked.push_back(due.endpoint_id + "/" + due.event_id);
    return due.event_id != "evt_1";
  });
  EXPECT_EQ(asked, (std::vector<std::string>{"wh-1/evt_1", "wh-1/evt_2"}));  // then the limit
  EXPECT_EQ(EventIds(taken), (std::vector<std::string>{"evt_2"}));
  EXPECT_EQ(EventIds(hooks.Claim(kNow)), (std::vector<std::string>{"evt_1", "evt_3"}));
  EXPECT_EQ(Ords(hooks.Claim(kNow + kLease)), (std::vector<std::pair<std::string, std::int64_t>>{
                                                  {"wh-1", 1}, {"wh-1", 2}, {"wh-1", 3}}));

  // Enabled again: its delivery is due.
  ASSERT_TRUE(store()
                  .UpdateWebhook("org-a", "wh-2",
                                 [](WebhookEndpoint& e) {
                                   e.enabled = true;
                                   return Status{};
                                 })
                  .ok());
  EXPECT_EQ(Ords(hooks.Claim(kNow + kLease + 1)),
            (std::vector<std::pair<std::string, std::int64_t>>{{"wh-2", 1}}));
}

TEST_P(StoreContractTest, WebhookDeliveryIsNeverClaimedByTwoStores) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  std::vector<NewDelivery> deliveries;
  constexpr int kDeliveries = 60;
  for (int i = 0; i < kDeliveries; ++i) {
    deliveries.push_back(Delivery("evt_" + std::to_string(i), "c-" + std::to_string(i)));
  }
  hooks.Park("org-a", "wh-1", std::move(deliveries));
  auto other = harness().OpenAnother();
  ASSERT_NE(other, nullptr);
  std::mutex mu;
  std::vector<std::int64_t> claimed;
  auto claim = [&](Store& on) {
    for (int round = 0; round < 40; ++round) {
      auto due = on.ClaimDeliveries(kOwner, kNow, kNow + kLease, 3, TakeAll());
      ASSERT_TRUE(due.ok()) << due.error().internal;
      std::lock_guard lock(mu);
      for (const DueDelivery& d : *due) claimed.push_back(d.ord);
    }
  };
  std::thread a([&] { claim(store()); });
  std::thread b([&] { claim(*other); });
  a.join();
  b.join();
  // Each once: as many claims as deliveries, all different.
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kDeliveries));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), claimed.size());
}

TEST_P(StoreContractTest, WebhookOutcomesSettleDeliveriesAndLogEachAttempt) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2"), Delivery("evt_3")});
  const std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 3u);
  const std::int64_t at = kNow + 10;
  const std::int64_t retry_at = kNow + 60'000;
  hooks.Record({Outcome(due[0], at, 200, true), Outcome(due[1], at, 503, false, retry_at),
                Outcome(due[2], at, 0, false)});

  // Delivered and failed ones are never due again; the retried one is due at its time.
  EXPECT_TRUE(hooks.Claim(retry_at - 1).empty());
  std::vector<DueDelivery> retried = hooks.Claim(retry_at);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].event_id, "evt_2");
  EXPECT_EQ(retried[0].attempts, 1);
  hooks.Record({Outcome(retried[0], retry_at + 10, 200, true)});
  EXPECT_TRUE(hooks.Claim(retry_at + 10 * kLease).empty());

  // The log, newest first: evt_3's attempt, evt_2's two, evt_1's.
  const std::vector<DeliveryAttempt> log = hooks.Attempts("org-a", "wh-1");
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].ord, 3);
  EXPECT_EQ(log[0].attempt, 1);
  EXPECT_EQ(log[0].event_id, "evt_3");
  EXPECT_EQ(log[0].status, 0);
  EXPECT_EQ(log[0].error, "connection refused");
  EXPECT_EQ(log[0].next_attempt_at_ms, std::nullopt);
  EXPECT_EQ(log[1].ord, 2);
  EXPECT_EQ(log[1].attempt, 2);
  EXPECT_EQ(log[1].status, 200);
  EXPECT_EQ(log[1].at_ms, retry_at + 10);
  EXPECT_EQ(log[2].ord, 2);
  EXPECT_EQ(log[2].attempt, 1);
  EXPECT_EQ(log[2].event_id, "evt_2");
  EXPECT_EQ(log[2].status, 503);
  EXPECT_EQ(log[2].at_ms, at);
  EXPECT_EQ(log[2].latency_ms, 42);
  EXPECT_EQ(log[2].error, "");
  EXPECT_EQ(log[2].next_attempt_at_ms, retry_at);
  EXPECT_EQ(log[3].ord, 1);
  EXPECT_EQ(log[3].attempt, 1);
  EXPECT_EQ(log[3].status, 200);

  // Pages: before a position, newest first.
  const std::vector<DeliveryAttempt> page =
      hooks.Attempts("org-a", "wh-1", AttemptPosition{2, 2}, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ord, 2);
  EXPECT_EQ(page[0].attempt, 1);
  EXPECT_EQ(page[1].ord, 1);
  EXPECT_TRUE(hooks.Attempts("org-a", "wh-1", AttemptPosition{1, 1}).empty());
  EXPECT_TRUE(hooks.Attempts("org-b", "wh-1").empty());
}

TEST_P(StoreContractTest, WebhookHealthIsWrittenAsItsDispatcherKeepsIt) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2")});
  const std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 2u);
  const std::int64_t later = kNow + 3'600'000;
  hooks.Record({Outcome(due[0], kNow + 100, 500, false, later),
                Outcome(due[1], kNow + 100, 500, false, later)},
               {{"org-a", "wh-1", 0, kNow + 100, 2, kNow + 5'100, false}});
  WebhookEndpoint read = hooks.Get("org-a", "wh-1");
  EXPECT_EQ(read.failing_since_ms, kNow + 100);
  EXPECT_EQ(read.failures, 2);
  EXPECT_EQ(read.probe_after_ms, kNow + 5'100);
  EXPECT_EQ(read.last_success_at_ms, 0);
  EXPECT_TRUE(hooks.Claim(kNow + kLease).empty());  // due in an hour

  // Recovered: healthy, and its parked deliveries due now rather than at their retries.
  hooks.Record({}, {{"org-a", "wh-1", kNow + 200, 0, 0, 0, true}}, kNow + 300);
  read = hooks.Get("org-a", "wh-1");
  EXPECT_EQ(read.failing_since_ms, 0);
  EXPECT_EQ(read.failures, 0);
  EXPECT_EQ(read.probe_after_ms, 0);
  EXPECT_EQ(read.last_success_at_ms, kNow + 200);
  EXPECT_EQ(EventIds(hooks.Claim(kNow + kLease)), (std::vector<std::string>{"evt_1", "evt_2"}));
  // A success recorded late does not move the last one back.
  hooks.Record({}, {{"org-a", "wh-1", kNow + 150, 0, 0, 0, false}});
  EXPECT_EQ(hooks.Get("org-a", "wh-1").last_success_at_ms, kNow + 200);
}

TEST_P(StoreContractTest, WebhookRetryMakesADeliveredOrFailedDeliveryDueAgain) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2")});
  const std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 2u);
  hooks.Record({Outcome(due[0], kNow + 1, 200, true), Outcome(due[1], kNow + 1, 410, false)});
  EXPECT_TRUE(hooks.Claim(kNow + kLease).empty());

  ASSERT_TRUE(store().RetryDelivery("org-a", "wh-1", "evt_1", kNow + 5'000).ok());
  ASSERT_TRUE(store().RetryDelivery("org-a", "wh-1", "evt_2", kNow + 6'000).ok());
  EXPECT_TRUE(hooks.Claim(kNow + 4'999).empty());
  std::vector<DueDelivery> again = hooks.Claim(kNow + 6'000);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].event_id, "evt_1");
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[1].event_id, "evt_2");
  hooks.Record({Outcome(again[0], kNow + 6'001, 200, true)});
  const std::vector<DeliveryAttempt> log = hooks.Attempts("org-a", "wh-1");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].ord, 1);
  EXPECT_EQ(log[1].attempt, 2);

  EXPECT_EQ(store().RetryDelivery("org-a", "wh-1", "evt_9", kNow).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().RetryDelivery("org-b", "wh-1", "evt_1", kNow).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, WebhookEnqueueAddsADeliveryDueNowAfterTheFannedOutOnes) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1")});
  ASSERT_TRUE(store()
                  .EnqueueDelivery("org-a", "wh-1",
                                   {"evt_test_1", "", R"({"type":"webhook.test"})"}, kNow + 1)
                  .ok());
  EXPECT_EQ(store().EnqueueDelivery("org-a", "wh-9", Delivery("evt_x"), kNow).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(EventIds(hooks.Claim(kNow)), (std::vector<std::string>{"evt_1"}));
  const std::vector<DueDelivery> test = hooks.Claim(kNow + 1);
  ASSERT_EQ(test.size(), 1u);
  EXPECT_EQ(test[0].event_id, "evt_test_1");
  EXPECT_EQ(test[0].ord, 2);
  EXPECT_EQ(test[0].payload, R"({"type":"webhook.test"})");
  EXPECT_EQ(test[0].attempts, 0);
  // The position of the log is not the test delivery's.
  hooks.Park("org-a", "wh-1", {Delivery("evt_2")});
  EXPECT_EQ(Ords(hooks.Claim(kNow + 2)),
            (std::vector<std::pair<std::string, std::int64_t>>{{"wh-1", 3}}));
}

TEST_P(StoreContractTest, WebhookDeleteDeletesItsDeliveriesAndTheirLog) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Create(Endpoint("org-a", "wh-2"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2")});
  hooks.Park("org-a", "wh-2", {Delivery("evt_1")});
  std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 3u);
  hooks.Record({Outcome(due[0], kNow + 1, 500, false, kNow + 100),
                Outcome(due[2], kNow + 1, 500, false, kNow + 100)});

  ASSERT_TRUE(store().DeleteWebhook("org-a", "wh-1").ok());
  EXPECT_TRUE(hooks.Attempts("org-a", "wh-1").empty());
  EXPECT_EQ(store().RetryDelivery("org-a", "wh-1", "evt_1", kNow).error().code,
            ErrorCode::kNotFound);
  // An outcome of a delivery deleted meanwhile records nothing.
  hooks.Record({Outcome(due[1], kNow + 2, 200, true)});
  EXPECT_TRUE(hooks.Attempts("org-a", "wh-1").empty());
  // The other endpoint keeps its own.
  EXPECT_EQ(hooks.Attempts("org-a", "wh-2").size(), 1u);
  EXPECT_EQ(Ords(hooks.Claim(kNow + kLease)),
            (std::vector<std::pair<std::string, std::int64_t>>{{"wh-2", 1}}));
}

TEST_P(StoreContractTest, EveryWebhookIsListedPageByPageAcrossTenants) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-b", "wh-1"));
  hooks.Create(Endpoint("org-a", "wh-2"));
  WebhookEndpoint disabled = Endpoint("org-a", "wh-1");
  disabled.enabled = false;
  hooks.Create(disabled);

  std::vector<std::string> seen;
  std::string after_org;
  std::string after_id;
  for (int page = 0; page < 5; ++page) {
    auto listed = store().ListEveryWebhook(after_org, after_id, 2);
    ASSERT_TRUE(listed.ok()) << listed.error().internal;
    for (const WebhookEndpoint& e : *listed) seen.push_back(e.org_id + "/" + e.id);
    if (listed->size() < 2) break;
    after_org = listed->back().org_id;
    after_id = listed->back().id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"org-a/wh-1", "org-a/wh-2", "org-b/wh-1"}));
}

}  // namespace
}  // namespace contactsd::store::test

namespace contactsd::store::test {
namespace {

TEST_P(StoreContractTest, WebhookRetentionDeletesSettledDeliveriesWithTheirLogOnly) {
  CreateOrg("org-a");
  Webhooks hooks(store());
  hooks.Create(Endpoint("org-a", "wh-1"));
  hooks.Park("org-a", "wh-1", {Delivery("evt_1"), Delivery("evt_2"), Delivery("evt_3")});
  const std::vector<DueDelivery> due = hooks.Claim(kNow);
  ASSERT_EQ(due.size(), 3u);
  const std::int64_t retry_at = kNow + 60'000;
  hooks.Record({Outcome(due[0], kNow + 1, 200, true), Outcome(due[1], kNow + 1, 0, false),
                Outcome(due[2], kNow + 1, 503, false, retry_at)});

  auto none = store().PruneDeliveries(kNow, 100);  // all made at kNow: none before it
  ASSERT_TRUE(none.ok()) << none.error().internal;
  EXPECT_EQ(*none, 0);
  auto first = store().PruneDeliveries(kNow + 1, 1);  // at most one per call
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1);
  auto rest = store().PruneDeliveries(kNow + 1, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, 1);  // the delivered and the given-up one went; the pending one stays

  const std::vector<DeliveryAttempt> log = hooks.Attempts("org-a", "wh-1");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].event_id, "evt_3");
  EXPECT_EQ(EventIds(hooks.Claim(retry_at)), std::vector<std::string>{"evt_3"});
}

}  // namespace
}  // namespace contactsd::store::test
