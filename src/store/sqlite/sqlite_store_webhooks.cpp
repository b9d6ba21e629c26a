// SqliteStore: webhooks (store/webhook_store.hpp). Every write is one Write() on the single
// writer, so a stream commit's compare-and-move of the endpoint, a claim's read-then-lease and
// an outcome's settle-and-log are each atomic; BEGIN IMMEDIATE also serializes other processes.
#include "store/event_records.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/webhook_sql.hpp"
#include "store/webhook_columns.hpp"

#include <limits>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

WebhookEndpoint ReadWebhook(const Statement& row) {
  WebhookEndpoint endpoint;
  endpoint.org_id = row.Text(0);
  endpoint.id = row.Text(1);
  endpoint.url = row.Text(2);
  endpoint.description = row.Text(3);
  endpoint.events = EventTypesOfColumn(row.Text(4));
  endpoint.enabled = row.Int64(5) != 0;
  endpoint.secret = row.Text(6);
  endpoint.previous_secret = row.Text(7);
  endpoint.previous_secret_until_ms = row.Int64(8);
  endpoint.created_at_ms = row.Int64(9);
  endpoint.updated_at_ms = row.Int64(10);
  endpoint.last_success_at_ms = row.Int64(11);
  endpoint.failing_since_ms = row.Int64(12);
  endpoint.disabled_reason = row.Text(13);
  endpoint.cursor = {row.Int64(14), row.Int64(15)};
  endpoint.failures = static_cast<int>(row.Int64(16));
  endpoint.probe_after_ms = row.Int64(17);
  endpoint.lease_owner = row.Text(18);
  endpoint.lease_until_ms = row.Int64(19);
  return endpoint;
}

DueDelivery ReadDueDelivery(const Statement& row) {
  DueDelivery due;
  due.org_id = row.Text(0);
  due.endpoint_id = row.Text(1);
  due.ord = row.Int64(2);
  due.event_id = row.Text(3);
  due.attempts = static_cast<int>(row.Int64(4));
  due.contact_id = row.Text(5);
  return due;
}

DeliveryAttempt ReadDeliveryAttempt(const Statement& row) {
  DeliveryAttempt attempt;
  attempt.ord = row.Int64(0);
  attempt.attempt = static_cast<int>(row.Int64(1));
  attempt.event_id = row.Text(2);
  attempt.at_ms = row.Int64(3);
  attempt.status = static_cast<int>(row.Int64(4));
  attempt.error = row.Text(5);
  attempt.latency_ms = row.Int64(6);
  attempt.next_attempt_at_ms = row.OptionalInt64(7);
  return attempt;
}

Result<std::optional<WebhookEndpoint>> FindWebhook(Connection& connection, std::string_view org_id,
                                                   std::string_view id) {
  auto stmt = connection.Prepare(sql::kGetWebhook);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, id);
  return FirstRow(*stmt, ReadWebhook);
}

Error NoSuchWebhook() { return Error::NotFound("Webhook endpoint not found"); }

// A parked delivery at `ord`: `attempts` made, in `state`, due at `due_at_ms`.
Status InsertDelivery(Connection& writer, std::string_view org_id, std::string_view endpoint_id,
                      std::int64_t ord, const NewDelivery& delivery, std::string_view state,
                      int attempts, std::int64_t due_at_ms, std::int64_t now_ms) {
  auto insert = writer.Prepare(sql::kInsertDelivery);
  if (!insert) return std::move(insert).error();
  insert->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, ord).Bind(4, delivery.event_id);
  insert->Bind(5, delivery.contact_id).Bind(6, delivery.payload).Bind(7, state);
  insert->Bind(8, std::int64_t{attempts}).Bind(9, due_at_ms).Bind(10, now_ms);
  if (auto inserted = insert->Exec(); !inserted) return std::move(inserted).error();
  return {};
}

// The endpoint's next ord after a write that took some: the first of them is next - taken.
Result<std::int64_t> NextOrd(Connection& writer, std::string_view org_id,
                             std::string_view endpoint_id) {
  auto stmt = writer.Prepare(sql::kNextOrd);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, endpoint_id);
  auto next = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!next) return std::move(next).error();
  if (!*next) return NoSuchWebhook();
  return **next;
}

std::string_view StateAfter(const AttemptResult& result) {
  return result.delivered            ? kDeliveryDelivered
         : result.next_attempt_at_ms ? kDeliveryPending
                                     : kDeliveryFailed;
}

// The stream's events past `from`: each takes an ord; an attempted one is logged, and one not
// delivered is parked (held ones due now, unattempted).
Result<bool> CommitStream(Connection& writer, const StreamCommit& commit, std::string_view owner,
                          std::int64_t now_ms) {
  auto advance = writer.Prepare(sql::kAdvanceStream);
  if (!advance) return std::move(advance).error();
  advance->Bind(1, commit.org_id).Bind(2, commit.endpoint_id);
  advance->Bind(3, commit.from.txid).Bind(4, commit.from.seq);
  advance->Bind(5, commit.to.txid).Bind(6, commit.to.seq);
  advance->Bind(7, static_cast<std::int64_t>(commit.events.size())).Bind(8, owner);
  auto moved = advance->Exec();
  if (!moved) return std::move(moved).error();
  if (*moved == 0) return false;
  if (commit.events.empty()) return true;
  auto next = NextOrd(writer, commit.org_id, commit.endpoint_id);
  if (!next) return std::move(next).error();
  std::int64_t ord = *next - static_cast<std::int64_t>(commit.events.size());
  for (const StreamedEvent& event : commit.events) {
    const std::int64_t this_ord = ord++;
    if (event.attempt) {
      const AttemptResult& result = *event.attempt;
      auto log = writer.Prepare(sql::kLogStreamAttempt);
      if (!log) return std::move(log).error();
      log->Bind(1, commit.org_id).Bind(2, commit.endpoint_id).Bind(3, this_ord);
      log->Bind(4, event.delivery.event_id).Bind(5, result.at_ms);
      log->Bind(6, std::int64_t{result.status}).Bind(7, result.error);
      log->Bind(8, result.latency_ms).Bind(9, result.next_attempt_at_ms);
      if (auto logged = log->Exec(); !logged) return std::move(logged).error();
      if (result.delivered) continue;
    }
    const bool held = !event.attempt;
    const std::string_view state = held ? kDeliveryPending : StateAfter(*event.attempt);
    const std::int64_t due = held ? now_ms : event.attempt->next_attempt_at_ms.value_or(0);
    if (auto parked = InsertDelivery(writer, commit.org_id, commit.endpoint_id, this_ord,
                                     event.delivery, state, held ? 0 : 1, due, now_ms);
        !parked) {
      return std::move(parked).error();
    }
  }
  return true;
}

Status RecordOutcome(Connection& writer, const DeliveryOutcome& outcome) {
  const AttemptResult& result = outcome.result;
  auto settle = writer.Prepare(sql::kSettleDelivery);
  if (!settle) return std::move(settle).error();
  settle->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  settle->Bind(4, StateAfter(result)).Bind(5, result.next_attempt_at_ms.value_or(0));
  auto settled = settle->Exec();
  if (!settled) return std::move(settled).error();
  if (*settled == 0) return {};  // deleted with its endpoint meanwhile
  auto log = writer.Prepare(sql::kLogAttempt);
  if (!log) return std::move(log).error();
  log->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  log->Bind(4, result.at_ms).Bind(5, std::int64_t{result.status}).Bind(6, result.error);
  log->Bind(7, result.latency_ms).Bind(8, result.next_attempt_at_ms);
  if (auto logged = log->Exec(); !logged) return std::move(logged).error();
  return {};
}

Status WriteHealth(Connection& writer, const EndpointHealth& health, std::int64_t now_ms) {
  auto write = writer.Prepare(sql::kWriteHealth);
  if (!write) return std::move(write).error();
  write->Bind(1, health.org_id).Bind(2, health.endpoint_id).Bind(3, health.last_success_at_ms);
  write->Bind(4, health.failing_since_ms).Bind(5, std::int64_t{health.failures});
  write->Bind(6, health.probe_after_ms);
  if (auto written = write->Exec(); !written) return std::move(written).error();
  if (!health.recovered) return {};
  auto due = writer.Prepare(sql::kParkedDueNow);
  if (!due) return std::move(due).error();
  due->Bind(1, health.org_id).Bind(2, health.endpoint_id).Bind(3, now_ms);
  if (auto made = due->Exec(); !made) return std::move(made).error();
  return {};
}

}  // namespace

Status SqliteStore::CreateWebhook(const WebhookEndpoint& endpoint, int max_per_org) {
  const std::string events = EventTypesColumn(endpoint.events);
  return RunWrite([&](Connection& writer) -> Status {
    auto count = writer.Prepare(sql::kCountWebhooks);
    if (!count) return std::move(count).error();
    count->Bind(1, endpoint.org_id);
    auto held = FirstRow(*count, [](const Statement& row) { return row.Int64(0); });
    if (!held) return std::move(held).error();
    if (held->value_or(0) >= max_per_org) {
      return Error::Conflict(
          "A tenant has at most " + std::to_string(max_per_org) + " webhook endpoints",
          "limit_reached");
    }
    auto insert = writer.Prepare(sql::kInsertWebhook);
    if (!insert) return std::move(insert).error();
    insert->Bind(1, endpoint.org_id).Bind(2, endpoint.id).Bind(3, endpoint.url);
    insert->Bind(4, endpoint.description).Bind(5, events);
    insert->Bind(6, std::int64_t{endpoint.enabled ? 1 : 0}).Bind(7, endpoint.secret);
    insert->Bind(8, endpoint.created_at_ms);
    if (auto inserted = insert->Exec(); !inserted) return std::move(inserted).error();
    return {};
  });
}

Result<std::vector<WebhookEndpoint>> SqliteStore::ListWebhooks(std::string_view org_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListWebhooks);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  return AllRows(*stmt, ReadWebhook);
}

Result<WebhookEndpoint> SqliteStore::GetWebhook(std::string_view org_id, std::string_view id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto found = FindWebhook(**reader, org_id, id);
  if (!found) return std::move(found).error();
  if (!*found) return NoSuchWebhook();
  return std::move(**found);
}

Result<WebhookEndpoint> SqliteStore::UpdateWebhook(std::string_view org_id, std::string_view id,
                                                   const WebhookChange& change) {
  return Write([&](Connection& writer) -> Result<WebhookEndpoint> {
    auto found = FindWebhook(writer, org_id, id);
    if (!found) return std::move(found).error();
    if (!*found) return NoSuchWebhook();
    WebhookEndpoint endpoint = std::move(**found);
    const bool was_enabled = endpoint.enabled;
    if (auto changed = change(endpoint); !changed) return std::move(changed).error();
    const std::string events = EventTypesColumn(endpoint.events);
    auto update = writer.Prepare(sql::kUpdateWebhook);
    if (!update) return std::move(update).error();
    update->Bind(1, org_id).Bind(2, id).Bind(3, endpoint.url).Bind(4, endpoint.description);
    update->Bind(5, events).Bind(6, std::int64_t{endpoint.enabled ? 1 : 0});
    update->Bind(7, endpoint.secret).Bind(8, endpoint.previous_secret);
    update->Bind(9, endpoint.previous_secret_until_ms).Bind(10, endpoint.updated_at_ms);
    update->Bind(11, endpoint.disabled_reason).Bind(12, endpoint.cursor.txid);
    update->Bind(13, endpoint.cursor.seq);
    if (auto updated = update->Exec(); !updated) return std::move(updated).error();
    if (was_enabled || !endpoint.enabled) return endpoint;
    auto to_head = writer.Prepare(sql::kMoveWebhookToHead);
    if (!to_head) return std::move(to_head).error();
    to_head->Bind(1, org_id).Bind(2, id);
    if (auto moved = to_head->Exec(); !moved) return std::move(moved).error();
    auto enabled = FindWebhook(writer, org_id, id);
    if (!enabled) return std::move(enabled).error();
    if (!*enabled) return NoSuchWebhook();
    return std::move(**enabled);
  });
}

Status SqliteStore::DeleteWebhook(std::string_view org_id, std::string_view id) {
  return RunWrite([&](Connection& writer) -> Status {
    auto deleted = writer.Prepare(sql::kDeleteWebhook);
    if (!deleted) return std::move(deleted).error();
    deleted->Bind(1, org_id).Bind(2, id);
    auto rows = deleted->Exec();
    if (!rows) return std::move(rows).error();
    if (*rows == 0) return NoSuchWebhook();
    for (const char* sql : {sql::kDeleteWebhookDeliveries, sql::kDeleteWebhookAttempts}) {
      auto stmt = writer.Prepare(sql);
      if (!stmt) return std::move(stmt).error();
      stmt->Bind(1, org_id).Bind(2, id);
      if (auto done = stmt->Exec(); !done) return std::move(done).error();
    }
    return {};
  });
}

Result<std::vector<WebhookEndpoint>> SqliteStore::ListEveryWebhook(std::string_view after_org,
                                                                   std::string_view after_id,
                                                                   int limit) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListEveryWebhook);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, after_org).Bind(2, after_id).Bind(3, std::int64_t{limit});
  return AllRows(*stmt, ReadWebhook);
}

Status SqliteStore::LeaseWebhookStreams(std::string_view owner, std::int64_t now_ms,
                                        std::int64_t lease_until_ms) {
  return RunWrite([&](Connection& writer) -> Status {
    auto lease = writer.Prepare(sql::kLeaseStreams);
    if (!lease) return std::move(lease).error();
    lease->Bind(1, owner).Bind(2, now_ms).Bind(3, lease_until_ms);
    if (auto leased = lease->Exec(); !leased) return std::move(leased).error();
    return {};
  });
}

Status SqliteStore::ReleaseWebhookStreams(std::string_view owner) {
  return RunWrite([&](Connection& writer) -> Status {
    auto release = writer.Prepare(sql::kReleaseStreams);
    if (!release) return std::move(release).error();
    release->Bind(1, owner);
    if (auto released = release->Exec(); !released) return std::move(released).error();
    return {};
  });
}

Result<std::vector<std::string>> SqliteStore::HeldContacts(std::string_view org_id,
                                                           std::string_view endpoint_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kHeldContacts);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, endpoint_id);
  return AllRows(*stmt, [](const Statement& row) { return std::string(row.Text(0)); });
}

Result<std::vector<bool>> SqliteStore::RecordDispatch(const DispatchRecord& record) {
  return Write([&](Connection& writer) -> Result<std::vector<bool>> {
    std::vector<bool> applied;
    applied.reserve(record.streams.size());
    for (const StreamCommit& commit : record.streams) {
      auto done = CommitStream(writer, commit, record.owner, record.now_ms);
      if (!done) return std::move(done).error();
      applied.push_back(*done);
    }
    for (const DeliveryOutcome& outcome : record.outcomes) {
      if (auto recorded = RecordOutcome(writer, outcome); !recorded) {
        return std::move(recorded).error();
      }
    }
    for (const EndpointHealth& health : record.health) {
      if (auto written = WriteHealth(writer, health, record.now_ms); !written) {
        return std::move(written).error();
      }
    }
    return applied;
  });
}

Status SqliteStore::EnqueueDelivery(std::string_view org_id, std::string_view endpoint_id,
                                    const NewDelivery& delivery, std::int64_t now_ms) {
  return RunWrite([&](Connection& writer) -> Status {
    auto take = writer.Prepare(sql::kTakeOrd);
    if (!take) return std::move(take).error();
    take->Bind(1, org_id).Bind(2, endpoint_id);
    auto taken = take->Exec();
    if (!taken) return std::move(taken).error();
    if (*taken == 0) return NoSuchWebhook();
    auto next = NextOrd(writer, org_id, endpoint_id);
    if (!next) return std::move(next).error();
    return InsertDelivery(writer, org_id, endpoint_id, *next - 1, delivery, kDeliveryPending, 0,
                          now_ms, now_ms);
  });
}

Result<std::vector<DueDelivery>> SqliteStore::ClaimDeliveries(std::string_view owner,
                                                              std::int64_t now_ms,
                                                              std::int64_t lease_until_ms,
                                                              int limit,
                                                              const DeliveryFilter& take) {
  // Looked for on a reader first: the dispatcher asks every round, and almost always finds none
  // (a write transaction, taken from the API's writer, for nothing).
  {
    auto reader = readers_.Acquire();
    if (!reader) return std::move(reader).error();
    auto any = (*reader)->Prepare(sql::kDueDeliveries);
    if (!any) return std::move(any).error();
    any->Bind(1, now_ms).Bind(2, std::int64_t{1}).Bind(3, owner);
    auto found = FirstRow(*any, ReadDueDelivery);
    if (!found) return std::move(found).error();
    if (!*found) return std::vector<DueDelivery>{};
  }
  return Write([&](Connection& writer) -> Result<std::vector<DueDelivery>> {
    auto due = writer.Prepare(sql::kDueDeliveries);
    if (!due) return std::move(due).error();
    // More candidates than the limit: those of an endpoint at its budget are passed over.
    due->Bind(1, now_ms).Bind(2, std::int64_t{limit} * 4).Bind(3, owner);
    auto candidates = AllRows(*due, ReadDueDelivery);
    if (!candidates) return std::move(candidates).error();
    std::vector<DueDelivery> taken;
    for (DueDelivery& candidate : *candidates) {
      if (static_cast<int>(taken.size()) == limit) break;
      if (!take(candidate)) continue;
      auto lease = writer.Prepare(sql::kLeaseDelivery);
      if (!lease) return std::move(lease).error();
      lease->Bind(1, candidate.org_id).Bind(2, candidate.endpoint_id).Bind(3, candidate.ord);
      lease->Bind(4, lease_until_ms);
      if (auto leased = lease->Exec(); !leased) return std::move(leased).error();
      auto payload = writer.Prepare(sql::kDeliveryPayload);
      if (!payload) return std::move(payload).error();
      payload->Bind(1, candidate.org_id).Bind(2, candidate.endpoint_id).Bind(3, candidate.ord);
      auto text = FirstRow(*payload, [](const Statement& row) { return std::string(row.Text(0)); });
      if (!text) return std::move(text).error();
      candidate.payload = text->value_or("");
      taken.push_back(std::move(candidate));
    }
    return taken;
  });
}

Result<std::vector<WebhookEndpoint>> SqliteStore::DisableFailingWebhooks(std::int64_t cutoff_ms,
                                                                         std::int64_t now_ms,
                                                                         const WebhookDoc& doc) {
  return Write([&](Connection& writer) -> Result<std::vector<WebhookEndpoint>> {
    auto failing = writer.Prepare(sql::kFailingWebhooks);
    if (!failing) return std::move(failing).error();
    failing->Bind(1, cutoff_ms);
    auto endpoints = AllRows(*failing, ReadWebhook);
    if (!endpoints) return std::move(endpoints).error();
    for (WebhookEndpoint& endpoint : *endpoints) {
      auto disable = writer.Prepare(sql::kDisableWebhook);
      if (!disable) return std::move(disable).error();
      disable->Bind(1, endpoint.org_id).Bind(2, endpoint.id).Bind(3, now_ms);
      if (auto disabled = disable->Exec(); !disabled) return std::move(disabled).error();
      endpoint.enabled = false;
      endpoint.disabled_reason = "failing";
      endpoint.updated_at_ms = now_ms;
      auto logged =
          change_log::AppendEvent(writer, WebhookDisabledEvent(endpoint, doc(endpoint), now_ms));
      if (!logged) return std::move(logged).error();
    }
    return std::move(endpoints).value();
  });
}

Result<int> SqliteStore::PruneDeliveries(std::int64_t cutoff_ms, int max_rows) {
  return Write([&](Connection& writer) -> Result<int> {
    auto settled = writer.Prepare(sql::kSettledBefore);
    if (!settled) return std::move(settled).error();
    settled->Bind(1, cutoff_ms).Bind(2, std::int64_t{max_rows});
    struct Key {
      std::string org_id, endpoint_id;
      std::int64_t ord;
    };
    auto keys = AllRows(*settled, [](const Statement& row) {
      return Key{std::string(row.Text(0)), std::string(row.Text(1)), row.Int64(2)};
    });
    if (!keys) return std::move(keys).error();
    for (const Key& key : *keys) {
      for (const char* sql : {sql::kDeleteDeliveryAttempts, sql::kDeleteDelivery}) {
        auto stmt = writer.Prepare(sql);
        if (!stmt) return std::move(stmt).error();
        stmt->Bind(1, key.org_id).Bind(2, key.endpoint_id).Bind(3, key.ord);
        if (auto done = stmt->Exec(); !done) return std::move(done).error();
      }
    }
    int deleted = static_cast<int>(keys->size());
    auto every = writer.Prepare(sql::kEveryWebhook);
    if (!every) return std::move(every).error();
    auto endpoints = AllRows(*every, [](const Statement& row) {
      return std::pair<std::string, std::string>(row.Text(0), row.Text(1));
    });
    if (!endpoints) return std::move(endpoints).error();
    for (const auto& [org_id, endpoint_id] : *endpoints) {
      if (deleted >= max_rows) break;
      auto first = writer.Prepare(sql::kFirstAttemptSince);
      if (!first) return std::move(first).error();
      first->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, cutoff_ms);
      auto since = FirstRow(*first, [](const Statement& row) { return row.Int64(0); });
      if (!since) return std::move(since).error();
      auto old = writer.Prepare(sql::kDeleteStreamAttempts);
      if (!old) return std::move(old).error();
      old->Bind(1, org_id).Bind(2, endpoint_id);
      old->Bind(3, since->value_or(std::numeric_limits<std::int64_t>::max()));
      old->Bind(4, std::int64_t{max_rows - deleted});
      auto rows = old->Exec();
      if (!rows) return std::move(rows).error();
      deleted += static_cast<int>(*rows);
    }
    return deleted;
  });
}

Result<std::vector<DeliveryAttempt>> SqliteStore::ListDeliveryAttempts(
    std::string_view org_id, std::string_view endpoint_id,
    const std::optional<AttemptPosition>& before, int limit) {
  const AttemptPosition start = before.value_or(
      AttemptPosition{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<int>::max()});
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListDeliveryAttempts);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, start.ord);
  stmt->Bind(4, std::int64_t{start.attempt}).Bind(5, std::int64_t{limit});
  return AllRows(*stmt, ReadDeliveryAttempt);
}

Status SqliteStore::RetryDelivery(std::string_view org_id, std::string_view endpoint_id,
                                  std::string_view event_id, std::int64_t now_ms) {
  return RunWrite([&](Connection& writer) -> Status {
    auto retry = writer.Prepare(sql::kRetryDelivery);
    if (!retry) return std::move(retry).error();
    retry->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, event_id).Bind(4, now_ms);
    auto rows = retry->Exec();
    if (!rows) return std::move(rows).error();
    if (*rows == 0) return Error::NotFound("No delivery of that event to this endpoint");
    auto probe = writer.Prepare(sql::kProbeNow);
    if (!probe) return std::move(probe).error();
    probe->Bind(1, org_id).Bind(2, endpoint_id);
    if (auto probed = probe->Exec(); !probed) return std::move(probed).error();
    return {};
  });
}

}  // namespace contactsd::store::sqlite
