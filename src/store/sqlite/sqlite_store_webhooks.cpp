// SqliteStore: webhooks (store/webhook_store.hpp). Every write is one Write() on the single
// writer, so a fan-out's compare-and-move of the endpoint, a claim's read-then-lease and an
// outcome's settle-and-log are each atomic; BEGIN IMMEDIATE also serializes other processes.
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
  endpoint.fanned_out = {row.Int64(14), row.Int64(15)};
  return endpoint;
}

DueDelivery ReadDueDelivery(const Statement& row) {
  DueDelivery due;
  due.org_id = row.Text(0);
  due.endpoint_id = row.Text(1);
  due.ord = row.Int64(2);
  due.event_id = row.Text(3);
  due.attempts = static_cast<int>(row.Int64(4));
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

Status InsertDelivery(Connection& writer, std::string_view org_id, std::string_view endpoint_id,
                      std::int64_t ord, const NewDelivery& delivery, std::int64_t now_ms) {
  auto insert = writer.Prepare(sql::kInsertDelivery);
  if (!insert) return std::move(insert).error();
  insert->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, ord).Bind(4, delivery.event_id);
  insert->Bind(5, delivery.contact_id).Bind(6, delivery.payload).Bind(7, now_ms);
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

Status RecordOutcome(Connection& writer, const DeliveryOutcome& outcome) {
  const char* state = outcome.delivered            ? kDeliveryDelivered
                      : outcome.next_attempt_at_ms ? kDeliveryPending
                                                   : kDeliveryFailed;
  auto settle = writer.Prepare(sql::kSettleDelivery);
  if (!settle) return std::move(settle).error();
  settle->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  settle->Bind(4, std::string_view(state)).Bind(5, outcome.next_attempt_at_ms.value_or(0));
  auto settled = settle->Exec();
  if (!settled) return std::move(settled).error();
  if (*settled == 0) return {};  // deleted with its endpoint meanwhile
  auto log = writer.Prepare(sql::kLogAttempt);
  if (!log) return std::move(log).error();
  log->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  log->Bind(4, outcome.at_ms).Bind(5, std::int64_t{outcome.status}).Bind(6, outcome.error);
  log->Bind(7, outcome.latency_ms).Bind(8, outcome.next_attempt_at_ms);
  if (auto logged = log->Exec(); !logged) return std::move(logged).error();
  auto health = writer.Prepare(outcome.delivered ? sql::kWebhookSucceeded : sql::kWebhookFailed);
  if (!health) return std::move(health).error();
  health->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.at_ms);
  if (auto noted = health->Exec(); !noted) return std::move(noted).error();
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
    update->Bind(11, endpoint.disabled_reason).Bind(12, endpoint.fanned_out.txid);
    update->Bind(13, endpoint.fanned_out.seq);
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

Result<std::vector<WebhookEndpoint>> SqliteStore::ListWebhooksForFanOut(std::string_view after_org,
                                                                        std::string_view after_id,
                                                                        int limit) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListWebhooksForFanOut);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, after_org).Bind(2, after_id).Bind(3, std::int64_t{limit});
  return AllRows(*stmt, ReadWebhook);
}

Result<bool> SqliteStore::FanOut(const DeliveryFanOut& fan_out) {
  return Write([&](Connection& writer) -> Result<bool> {
    auto advance = writer.Prepare(sql::kAdvanceWebhook);
    if (!advance) return std::move(advance).error();
    advance->Bind(1, fan_out.org_id).Bind(2, fan_out.endpoint_id);
    advance->Bind(3, fan_out.from.txid).Bind(4, fan_out.from.seq);
    advance->Bind(5, fan_out.to.txid).Bind(6, fan_out.to.seq);
    advance->Bind(7, static_cast<std::int64_t>(fan_out.deliveries.size()));
    auto moved = advance->Exec();
    if (!moved) return std::move(moved).error();
    if (*moved == 0) return false;
    if (fan_out.deliveries.empty()) return true;
    auto next = NextOrd(writer, fan_out.org_id, fan_out.endpoint_id);
    if (!next) return std::move(next).error();
    std::int64_t ord = *next - static_cast<std::int64_t>(fan_out.deliveries.size());
    for (const NewDelivery& delivery : fan_out.deliveries) {
      if (auto added = InsertDelivery(writer, fan_out.org_id, fan_out.endpoint_id, ord++, delivery,
                                      fan_out.now_ms);
          !added) {
        return std::move(added).error();
      }
    }
    return true;
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
    return InsertDelivery(writer, org_id, endpoint_id, *next - 1, delivery, now_ms);
  });
}

Result<std::vector<DueDelivery>> SqliteStore::ClaimDeliveries(std::int64_t now_ms,
                                                              std::int64_t lease_until_ms,
                                                              int limit,
                                                              const DeliveryFilter& take) {
  return Write([&](Connection& writer) -> Result<std::vector<DueDelivery>> {
    auto due = writer.Prepare(sql::kDueDeliveries);
    if (!due) return std::move(due).error();
    // More candidates than the limit: those of an endpoint at its budget are passed over.
    due->Bind(1, now_ms).Bind(2, std::int64_t{limit} * 4);
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

Status SqliteStore::RecordDeliveries(const std::vector<DeliveryOutcome>& outcomes) {
  if (outcomes.empty()) return {};
  return RunWrite([&](Connection& writer) -> Status {
    for (const DeliveryOutcome& outcome : outcomes) {
      if (auto recorded = RecordOutcome(writer, outcome); !recorded) return recorded;
    }
    return {};
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

Result<int> SqliteStore::PruneDeliveries(std::int64_t cutoff_ms, int max_deliveries) {
  return Write([&](Connection& writer) -> Result<int> {
    auto settled = writer.Prepare(sql::kSettledBefore);
    if (!settled) return std::move(settled).error();
    settled->Bind(1, cutoff_ms).Bind(2, std::int64_t{max_deliveries});
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
    return static_cast<int>(keys->size());
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
    return {};
  });
}

}  // namespace contactsd::store::sqlite
