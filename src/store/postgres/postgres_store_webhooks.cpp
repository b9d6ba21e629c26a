// PostgresStore: webhooks (store/webhook_store.hpp). Several processes share one database, so
// each write is one transaction that holds what it reads:
//   - CreateWebhook locks the tenant's org row first: a tenant's creations serialize, and the
//     count it reads is exact. The endpoint starts at the log's head (insert_webhook).
//   - UpdateWebhook locks the endpoint's row, changes it, and writes its settings back.
//   - LeaseWebhookStreams takes the endpoint rows in order, passing over those another
//     transaction holds (SKIP LOCKED).
//   - ClaimDeliveries locks the due deliveries it reads, passing over those another claim
//     holds (SKIP LOCKED), and leases those the caller takes: no delivery is leased twice.
//   - RecordDispatch writes endpoint by endpoint in (org, id) order, each one's stream commit
//     (one statement: the compare-and-move of the endpoint, its attempts and parked
//     deliveries) and health, then settles the parked deliveries (sorted) and logs their
//     attempts. Endpoint rows are locked before delivery rows, as every other write of both
//     does (a delete), and in one order, so two of these never deadlock.
// Any early return leaves the transaction open; the pool rolls it back.
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"
#include "store/webhook_columns.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

namespace contactsd::store::postgres {
namespace {

WebhookEndpoint ReadWebhook(const Rows& rows, int row) {
  WebhookEndpoint endpoint;
  endpoint.org_id = rows.Text(row, 0);
  endpoint.id = rows.Text(row, 1);
  endpoint.url = rows.Text(row, 2);
  endpoint.description = rows.Text(row, 3);
  endpoint.events = EventTypesOfColumn(rows.Text(row, 4));
  endpoint.enabled = rows.Text(row, 5) == "t";  // a boolean in text format
  endpoint.secret = rows.Text(row, 6);
  endpoint.previous_secret = rows.Text(row, 7);
  endpoint.previous_secret_until_ms = rows.Int8(row, 8);
  endpoint.created_at_ms = rows.Int8(row, 9);
  endpoint.updated_at_ms = rows.Int8(row, 10);
  endpoint.last_success_at_ms = rows.Int8(row, 11);
  endpoint.failing_since_ms = rows.Int8(row, 12);
  endpoint.disabled_reason = rows.Text(row, 13);
  endpoint.cursor = {rows.Int8(row, 14), rows.Int8(row, 15)};
  endpoint.failures = static_cast<int>(rows.Int8(row, 16));
  endpoint.probe_after_ms = rows.Int8(row, 17);
  endpoint.lease_owner = rows.Text(row, 18);
  endpoint.lease_until_ms = rows.Int8(row, 19);
  return endpoint;
}

DueDelivery ReadDueDelivery(const Rows& rows, int row) {
  DueDelivery due;
  due.org_id = rows.Text(row, 0);
  due.endpoint_id = rows.Text(row, 1);
  due.ord = rows.Int8(row, 2);
  due.event_id = rows.Text(row, 3);
  due.payload = rows.Text(row, 4);
  due.attempts = static_cast<int>(rows.Int8(row, 5));
  due.contact_id = rows.Text(row, 6);
  return due;
}

DeliveryAttempt ReadDeliveryAttempt(const Rows& rows, int row) {
  DeliveryAttempt attempt;
  attempt.ord = rows.Int8(row, 0);
  attempt.attempt = static_cast<int>(rows.Int8(row, 1));
  attempt.event_id = rows.Text(row, 2);
  attempt.at_ms = rows.Int8(row, 3);
  attempt.status = static_cast<int>(rows.Int8(row, 4));
  attempt.error = rows.Text(row, 5);
  attempt.latency_ms = rows.Int8(row, 6);
  attempt.next_attempt_at_ms = rows.OptionalInt8(row, 7);
  return attempt;
}

Error NoSuchWebhook() { return Error::NotFound("Webhook endpoint not found"); }

std::int64_t Flag(bool value) { return value ? 1 : 0; }

// A stream commit's events as commit_stream reads them: a JSON array of objects.
std::string StreamEventsJson(const std::vector<StreamedEvent>& events) {
  boost::json::array rows;
  rows.reserve(events.size());
  std::int64_t i = 0;
  for (const StreamedEvent& event : events) {
    boost::json::object row;
    row["i"] = i++;
    row["event_id"] = event.delivery.event_id;
    row["contact_id"] = event.delivery.contact_id;
    row["payload"] = event.delivery.payload;
    row["attempted"] = event.attempt.has_value();
    const AttemptResult result = event.attempt.value_or(AttemptResult{});
    row["delivered"] = result.delivered;
    row["at"] = result.at_ms;
    row["status"] = result.status;
    row["error"] = result.error;
    row["latency_ms"] = result.latency_ms;
    if (result.next_attempt_at_ms) {
      row["next_attempt_at"] = *result.next_attempt_at_ms;
    } else {
      row["next_attempt_at"] = nullptr;
    }
    rows.emplace_back(std::move(row));
  }
  return boost::json::serialize(rows);
}

const char* StateAfter(const AttemptResult& result) {
  return result.delivered            ? kDeliveryDelivered
         : result.next_attempt_at_ms ? kDeliveryPending
                                     : kDeliveryFailed;
}

}  // namespace

Status PostgresStore::CreateWebhook(const WebhookEndpoint& endpoint, int max_per_org) {
  const std::string events = EventTypesColumn(endpoint.events);
  return WithConnection([&](Connection& connection) -> Status {
    // Without an org row there is nothing to lock; the count is then merely read.
    const std::array<Query, 3> count = {Query(Sql::kBegin),
                                        Query(Sql::kLockOrg).Text(endpoint.org_id),
                                        Query(Sql::kCountWebhooks).Text(endpoint.org_id)};
    auto counted = connection.Run(count);
    if (!counted) return std::move(counted).error();
    if ((*counted)[2].Int8(0, 0) >= max_per_org) {
      return Error::Conflict(
          "A tenant has at most " + std::to_string(max_per_org) + " webhook endpoints",
          "limit_reached");
    }
    const std::array<Query, 2> insert = {Query(Sql::kInsertWebhook)
                                             .Text(endpoint.org_id)
                                             .Text(endpoint.id)
                                             .Text(endpoint.url)
                                             .Text(endpoint.description)
                                             .Text(events)
                                             .Int8(Flag(endpoint.enabled))
                                             .Text(endpoint.secret)
                                             .Int8(endpoint.created_at_ms),
                                         Query(Sql::kCommit)};
    if (auto inserted = connection.Run(insert); !inserted) return std::move(inserted).error();
    return {};
  });
}

Result<std::vector<WebhookEndpoint>> PostgresStore::ListWebhooks(std::string_view org_id) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<WebhookEndpoint>> {
    auto rows = connection.Run(Query(Sql::kListWebhooks).Text(org_id));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadWebhook);
  });
}

Result<WebhookEndpoint> PostgresStore::GetWebhook(std::string_view org_id, std::string_view id) {
  return WithConnection([&](Connection& connection) -> Result<WebhookEndpoint> {
    auto rows = connection.Run(Query(Sql::kGetWebhook).Text(org_id).Text(id));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return NoSuchWebhook();
    return ReadWebhook(*rows, 0);
  });
}

Result<WebhookEndpoint> PostgresStore::UpdateWebhook(std::string_view org_id, std::string_view id,
                                                     const WebhookChange& change) {
  return WithConnection([&](Connection& connection) -> Result<WebhookEndpoint> {
    const std::array<Query, 2> lock = {Query(Sql::kBegin),
                                       Query(Sql::kLockWebhook).Text(org_id).Text(id)};
    auto locked = connection.Run(lock);
    if (!locked) return std::move(locked).error();
    if ((*locked)[1].empty()) return NoSuchWebhook();
    WebhookEndpoint endpoint = ReadWebhook((*locked)[1], 0);
    const bool was_enabled = endpoint.enabled;
    if (auto changed = change(endpoint); !changed) return std::move(changed).error();
    const std::string events = EventTypesColumn(endpoint.events);
    const std::array<Query, 2> update = {Query(Sql::kUpdateWebhook)
                                             .Text(org_id)
                                             .Text(id)
                                             .Text(endpoint.url)
                                             .Text(endpoint.description)
                                             .Text(events)
                                             .Int8(Flag(endpoint.enabled))
                                             .Text(endpoint.secret)
                                             .Text(endpoint.previous_secret)
                                             .Int8(endpoint.previous_secret_until_ms)
                                             .Int8(endpoint.updated_at_ms)
                                             .Text(endpoint.disabled_reason)
                                             .Int8(endpoint.cursor.txid)
                                             .Int8(endpoint.cursor.seq),
                                         Query(Sql::kCommit)};
    if (was_enabled || !endpoint.enabled) {
      if (auto updated = connection.Run(update); !updated) return std::move(updated).error();
      return endpoint;
    }
    const std::array<Query, 3> enable = {
        update[0], Query(Sql::kMoveWebhookToHead).Text(org_id).Text(id), Query(Sql::kCommit)};
    auto enabled = connection.Run(enable);
    if (!enabled) return std::move(enabled).error();
    return ReadWebhook((*enabled)[1], 0);
  });
}

Status PostgresStore::DeleteWebhook(std::string_view org_id, std::string_view id) {
  return WithConnection([&](Connection& connection) -> Status {
    // The endpoint's row first: a stream commit that holds it finishes first, and one that comes
    // later finds it gone (and adds nothing), so no delivery outlives it.
    const std::array<Query, 5> remove = {
        Query(Sql::kBegin), Query(Sql::kDeleteWebhook).Text(org_id).Text(id),
        Query(Sql::kDeleteWebhookDeliveries).Text(org_id).Text(id),
        Query(Sql::kDeleteWebhookAttempts).Text(org_id).Text(id), Query(Sql::kCommit)};
    auto removed = connection.Run(remove);
    if (!removed) return std::move(removed).error();
    if ((*removed)[1].affected() == 0) return NoSuchWebhook();  // (nothing else was there)
    return {};
  });
}

Result<std::vector<WebhookEndpoint>> PostgresStore::ListEveryWebhook(std::string_view after_org,
                                                                     std::string_view after_id,
                                                                     int limit) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<WebhookEndpoint>> {
    auto rows = connection.Run(
        Query(Sql::kListEveryWebhook).Text(after_org).Text(after_id).Int8(std::int64_t{limit}));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadWebhook);
  });
}

Status PostgresStore::LeaseWebhookStreams(std::string_view owner, std::int64_t now_ms,
                                          std::int64_t lease_until_ms) {
  return WithConnection([&](Connection& connection) -> Status {
    auto leased =
        connection.Run(Query(Sql::kLeaseStreams).Text(owner).Int8(now_ms).Int8(lease_until_ms));
    if (!leased) return std::move(leased).error();
    return {};
  });
}

Status PostgresStore::ReleaseWebhookStreams(std::string_view owner) {
  return WithConnection([&](Connection& connection) -> Status {
    auto released = connection.Run(Query(Sql::kReleaseStreams).Text(owner));
    if (!released) return std::move(released).error();
    return {};
  });
}

Result<std::vector<std::string>> PostgresStore::HeldContacts(std::string_view org_id,
                                                             std::string_view endpoint_id) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<std::string>> {
    auto rows = connection.Run(Query(Sql::kHeldContacts).Text(org_id).Text(endpoint_id));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, [](const Rows& held, int row) { return std::string(held.Text(row, 0)); });
  });
}

Result<std::vector<bool>> PostgresStore::RecordDispatch(const DispatchRecord& record) {
  // Endpoint by endpoint in (org, id) order: its stream commit, then its health.
  using Key = std::pair<std::string_view, std::string_view>;
  std::map<Key, std::pair<std::optional<std::size_t>, const EndpointHealth*>> endpoints;
  for (std::size_t i = 0; i < record.streams.size(); ++i) {
    endpoints[{record.streams[i].org_id, record.streams[i].endpoint_id}].first = i;
  }
  for (const EndpointHealth& health : record.health) {
    endpoints[{health.org_id, health.endpoint_id}].second = &health;
  }
  std::vector<std::string> events;  // outlive the queries that send them
  events.reserve(record.streams.size());
  std::vector<Query> writes;
  std::vector<std::optional<std::size_t>> commit_at(record.streams.size());  // its query's index
  writes.emplace_back(Sql::kBegin);
  for (const auto& [key, what] : endpoints) {
    if (what.first) {
      const StreamCommit& commit = record.streams[*what.first];
      events.push_back(StreamEventsJson(commit.events));
      commit_at[*what.first] = writes.size();
      writes.push_back(Query(Sql::kCommitStream)
                           .Text(commit.org_id)
                           .Text(commit.endpoint_id)
                           .Int8(commit.from.txid)
                           .Int8(commit.from.seq)
                           .Int8(commit.to.txid)
                           .Int8(commit.to.seq)
                           .Int8(static_cast<std::int64_t>(commit.events.size()))
                           .Text(record.owner)
                           .Int8(record.now_ms)
                           .Text(events.back()));
    }
    if (const EndpointHealth* health = what.second) {
      writes.push_back(Query(Sql::kWriteHealth)
                           .Text(health->org_id)
                           .Text(health->endpoint_id)
                           .Int8(health->last_success_at_ms)
                           .Int8(health->failing_since_ms)
                           .Int8(std::int64_t{health->failures})
                           .Int8(health->probe_after_ms));
      if (health->recovered) {
        writes.push_back(Query(Sql::kParkedDueNow)
                             .Text(health->org_id)
                             .Text(health->endpoint_id)
                             .Int8(record.now_ms));
      }
    }
  }
  std::vector<const DeliveryOutcome*> sorted;
  sorted.reserve(record.outcomes.size());
  for (const DeliveryOutcome& outcome : record.outcomes) sorted.push_back(&outcome);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->org_id, a->endpoint_id, a->ord) <
           std::tie(b->org_id, b->endpoint_id, b->ord);
  });
  for (const DeliveryOutcome* outcome : sorted) {
    const AttemptResult& result = outcome->result;
    // A delivery deleted meanwhile went with its endpoint (DeleteWebhook): the settle then
    // finds no delivery and the log no row to log.
    writes.push_back(Query(Sql::kSettleDelivery)
                         .Text(outcome->org_id)
                         .Text(outcome->endpoint_id)
                         .Int8(outcome->ord)
                         .Text(StateAfter(result))
                         .Int8(result.next_attempt_at_ms.value_or(0)));
    writes.push_back(Query(Sql::kLogAttempt)
                         .Text(outcome->org_id)
                         .Text(outcome->endpoint_id)
                         .Int8(outcome->ord)
                         .Int8(result.at_ms)
                         .Int8(std::int64_t{result.status})
                         .Text(result.error)
                         .Int8(result.latency_ms)
                         .Int8(result.next_attempt_at_ms));
  }
  writes.emplace_back(Sql::kCommit);
  return WithConnection([&](Connection& connection) -> Result<std::vector<bool>> {
    auto written = connection.Run(writes);
    if (!written) return std::move(written).error();
    std::vector<bool> applied;
    applied.reserve(commit_at.size());
    for (const std::optional<std::size_t>& at : commit_at) {
      applied.push_back((*written)[*at].Int8(0, 0) == 1);
    }
    return applied;
  });
}

Status PostgresStore::EnqueueDelivery(std::string_view org_id, std::string_view endpoint_id,
                                      const NewDelivery& delivery, std::int64_t now_ms) {
  return WithConnection([&](Connection& connection) -> Status {
    auto inserted = connection.Run(Query(Sql::kEnqueueDelivery)
                                       .Text(org_id)
                                       .Text(endpoint_id)
                                       .Text(delivery.event_id)
                                       .Text(delivery.contact_id)
                                       .Text(delivery.payload)
                                       .Int8(now_ms));
    if (!inserted) return std::move(inserted).error();
    if (inserted->affected() == 0) return NoSuchWebhook();
    return {};
  });
}

Result<std::vector<DueDelivery>> PostgresStore::ClaimDeliveries(std::string_view owner,
                                                                std::int64_t now_ms,
                                                                std::int64_t lease_until_ms,
                                                                int limit,
                                                                const DeliveryFilter& take) {
  if (limit <= 0) return std::vector<DueDelivery>{};
  return WithConnection([&](Connection& connection) -> Result<std::vector<DueDelivery>> {
    // More candidates than the limit: those of an endpoint at its budget are passed over.
    const std::array<Query, 2> due = {
        Query(Sql::kBegin),
        Query(Sql::kDueDeliveries).Int8(now_ms).Int8(std::int64_t{limit} * 4).Text(owner)};
    auto found = connection.Run(due);
    if (!found) return std::move(found).error();
    std::vector<DueDelivery> candidates = AllRows((*found)[1], ReadDueDelivery);
    std::vector<DueDelivery> taken;
    for (DueDelivery& candidate : candidates) {
      if (static_cast<int>(taken.size()) == limit) break;
      if (!take(candidate)) continue;
      taken.push_back(std::move(candidate));
    }
    std::vector<Query> lease;
    lease.reserve(taken.size() + 1);
    for (const DueDelivery& delivery : taken) {
      lease.push_back(Query(Sql::kLeaseDelivery)
                          .Text(delivery.org_id)
                          .Text(delivery.endpoint_id)
                          .Int8(delivery.ord)
                          .Int8(lease_until_ms));
    }
    lease.emplace_back(Sql::kCommit);  // also frees the candidates not taken
    if (auto leased = connection.Run(lease); !leased) return std::move(leased).error();
    return taken;
  });
}

Result<std::vector<WebhookEndpoint>> PostgresStore::DisableFailingWebhooks(std::int64_t cutoff_ms,
                                                                           std::int64_t now_ms,
                                                                           const WebhookDoc& doc) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<WebhookEndpoint>> {
    const std::array<Query, 2> find = {Query(Sql::kBegin),
                                       Query(Sql::kFailingWebhooks).Int8(cutoff_ms)};
    auto found = connection.Run(find);
    if (!found) return std::move(found).error();
    std::vector<WebhookEndpoint> endpoints = AllRows((*found)[1], ReadWebhook);
    std::vector<std::string> docs;  // outlive the queries that send them
    docs.reserve(endpoints.size());
    std::vector<Query> disable;
    for (WebhookEndpoint& endpoint : endpoints) {
      endpoint.enabled = false;
      endpoint.disabled_reason = "failing";
      endpoint.updated_at_ms = now_ms;
      docs.push_back(doc(endpoint));
      disable.push_back(Query(Sql::kDisableWebhook)
                            .Text(endpoint.org_id)
                            .Text(endpoint.id)
                            .Int8(now_ms)
                            .Text(docs.back()));
    }
    disable.push_back(Query(Sql::kCommit));
    if (auto done = connection.Run(disable); !done) return std::move(done).error();
    return endpoints;
  });
}

Result<int> PostgresStore::PruneDeliveries(std::int64_t cutoff_ms, int max_rows) {
  return WithConnection([&](Connection& connection) -> Result<int> {
    auto rows =
        connection.Run(Query(Sql::kPruneDeliveries).Int8(cutoff_ms).Int8(std::int64_t{max_rows}));
    if (!rows) return std::move(rows).error();
    return static_cast<int>(rows->Int8(0, 0));
  });
}

Result<std::vector<DeliveryAttempt>> PostgresStore::ListDeliveryAttempts(
    std::string_view org_id, std::string_view endpoint_id,
    const std::optional<AttemptPosition>& before, int limit) {
  const AttemptPosition start = before.value_or(
      AttemptPosition{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<int>::max()});
  return WithConnection([&](Connection& connection) -> Result<std::vector<DeliveryAttempt>> {
    auto rows = connection.Run(Query(Sql::kListDeliveryAttempts)
                                   .Text(org_id)
                                   .Text(endpoint_id)
                                   .Int8(start.ord)
                                   .Int8(std::int64_t{start.attempt})
                                   .Int8(std::int64_t{limit}));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadDeliveryAttempt);
  });
}

Status PostgresStore::RetryDelivery(std::string_view org_id, std::string_view endpoint_id,
                                    std::string_view event_id, std::int64_t now_ms) {
  return WithConnection([&](Connection& connection) -> Status {
    // The endpoint's row first (the order of every write of both); an early return rolls it
    // back.
    const std::array<Query, 3> retry = {
        Query(Sql::kBegin), Query(Sql::kProbeNow).Text(org_id).Text(endpoint_id),
        Query(Sql::kRetryDelivery).Text(org_id).Text(endpoint_id).Text(event_id).Int8(now_ms)};
    auto retried = connection.Run(retry);
    if (!retried) return std::move(retried).error();
    if ((*retried)[2].affected() == 0) {
      return Error::NotFound("No delivery of that event to this endpoint");
    }
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return {};
  });
}

}  // namespace contactsd::store::postgres
