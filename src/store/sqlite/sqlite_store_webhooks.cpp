// SqliteStore: webhook endpoints, and what the API asks of their deliveries (a test event, a
// retry, the delivery log); the dispatcher's part is sqlite_store_dispatch.cpp. Every write is
// one Write() on the single writer; BEGIN IMMEDIATE also serializes other processes.
#include "store/event_records.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/delivery_rows.hpp"
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
