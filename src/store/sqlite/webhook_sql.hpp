// The SQLite backend's statements for webhooks (schema versions 8 to 10, migrations.cpp). As in
// sql.hpp, each constant's address keys the prepared-statement cache.
#pragma once

namespace contactsd::store::sqlite::sql {

// Endpoint columns as read by ReadWebhook.
#define CONTACTSD_WEBHOOK_COLUMNS                                                          \
  "org_id, id, url, description, events, enabled, secret, previous_secret, "               \
  "previous_secret_until, created_at, updated_at, last_success_at, failing_since, "        \
  "disabled_reason, fanned_out_txid, fanned_out_seq, failures, probe_after, lease_owner, " \
  "lease_until"

inline constexpr char kCountWebhooks[] = "SELECT count(*) FROM webhook_endpoints WHERE org_id = ?1";
// A new endpoint starts at the log's head: the last seq taken (events are read in seq order on
// SQLite, whose one writer commits them in that order).
inline constexpr char kInsertWebhook[] =
    "INSERT INTO webhook_endpoints (org_id, id, url, description, events, enabled, secret, "
    "previous_secret, previous_secret_until, created_at, updated_at, last_success_at, "
    "failing_since, disabled_reason, fanned_out_txid, fanned_out_seq, next_ord) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', 0, ?8, ?8, 0, 0, '', 0, "
    "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), 1)";
inline constexpr char kListWebhooks[] = "SELECT " CONTACTSD_WEBHOOK_COLUMNS
                                        " FROM webhook_endpoints WHERE org_id = ?1 "
                                        "ORDER BY created_at, id";
inline constexpr char kGetWebhook[] =
    "SELECT " CONTACTSD_WEBHOOK_COLUMNS " FROM webhook_endpoints WHERE org_id = ?1 AND id = ?2";
inline constexpr char kUpdateWebhook[] =
    "UPDATE webhook_endpoints SET url = ?3, description = ?4, events = ?5, enabled = ?6, "
    "secret = ?7, previous_secret = ?8, previous_secret_until = ?9, updated_at = ?10, "
    "disabled_reason = ?11, fanned_out_txid = ?12, fanned_out_seq = ?13 "
    "WHERE org_id = ?1 AND id = ?2";
inline constexpr char kMoveWebhookToHead[] =
    "UPDATE webhook_endpoints SET failing_since = 0, failures = 0, probe_after = 0, "
    "fanned_out_txid = 0, "
    "fanned_out_seq = COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) "
    "WHERE org_id = ?1 AND id = ?2";
inline constexpr char kDeleteWebhook[] =
    "DELETE FROM webhook_endpoints WHERE org_id = ?1 AND id = ?2";
inline constexpr char kDeleteWebhookDeliveries[] =
    "DELETE FROM webhook_deliveries WHERE org_id = ?1 AND endpoint_id = ?2";
inline constexpr char kDeleteWebhookAttempts[] =
    "DELETE FROM webhook_attempts WHERE org_id = ?1 AND endpoint_id = ?2";
inline constexpr char kListEveryWebhook[] = "SELECT " CONTACTSD_WEBHOOK_COLUMNS
                                            " FROM webhook_endpoints "
                                            "WHERE (org_id, id) > (?1, ?2) "
                                            "ORDER BY org_id, id LIMIT ?3";

// Streams: the lease of every enabled endpoint that its owner renews or nobody holds.
inline constexpr char kLeaseStreams[] =
    "UPDATE webhook_endpoints SET lease_owner = ?1, lease_until = ?3 "
    "WHERE enabled = 1 AND (lease_owner = ?1 OR lease_until <= ?2)";
inline constexpr char kReleaseStreams[] =
    "UPDATE webhook_endpoints SET lease_until = 0 WHERE lease_owner = ?1";
inline constexpr char kHeldContacts[] =
    "SELECT DISTINCT contact_id FROM webhook_deliveries "
    "INDEXED BY webhook_deliveries_pending_by_contact "
    "WHERE org_id = ?1 AND endpoint_id = ?2 AND state = 'pending' AND contact_id <> ''";
// A stream commit: the endpoint moves on only from where the committer read it, while leased
// to it, and takes `?7` ords.
inline constexpr char kAdvanceStream[] =
    "UPDATE webhook_endpoints SET fanned_out_txid = ?5, fanned_out_seq = ?6, "
    "next_ord = next_ord + ?7 "
    "WHERE org_id = ?1 AND id = ?2 AND fanned_out_txid = ?3 AND fanned_out_seq = ?4 "
    "AND lease_owner = ?8";
inline constexpr char kNextOrd[] =
    "SELECT next_ord FROM webhook_endpoints WHERE org_id = ?1 AND id = ?2";
inline constexpr char kTakeOrd[] =
    "UPDATE webhook_endpoints SET next_ord = next_ord + 1 WHERE org_id = ?1 AND id = ?2";
inline constexpr char kInsertDelivery[] =
    "INSERT INTO webhook_deliveries (org_id, endpoint_id, ord, event_id, contact_id, payload, "
    "state, attempts, due_at, lease_until, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)";
inline constexpr char kLogStreamAttempt[] =
    "INSERT INTO webhook_attempts (org_id, endpoint_id, ord, attempt, event_id, at, status, "
    "error, latency_ms, next_attempt_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9)";

// Due deliveries, oldest due first (the order of webhook_deliveries_due), each the first
// pending one of its contact for its endpoint, of enabled endpoints leased to ?3; without their
// payloads
// (most candidates are passed over when endpoints are at their budgets). Columns as read by
// ReadDueDelivery. The contact check names its index: without statistics the planner would
// walk the endpoint's every delivery by primary key instead, for every candidate.
inline constexpr char kDueDeliveries[] =
    "SELECT d.org_id, d.endpoint_id, d.ord, d.event_id, d.attempts, d.contact_id "
    "FROM webhook_deliveries AS d "
    "JOIN webhook_endpoints AS e ON e.org_id = d.org_id AND e.id = d.endpoint_id "
    "WHERE d.state = 'pending' AND d.due_at <= ?1 AND d.lease_until <= ?1 AND e.enabled = 1 "
    "AND e.lease_owner = ?3 "
    "AND (d.contact_id = '' OR NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p "
    "INDEXED BY webhook_deliveries_pending_by_contact "
    "WHERE p.org_id = d.org_id AND p.endpoint_id = d.endpoint_id "
    "AND p.contact_id = d.contact_id AND p.state = 'pending' AND p.contact_id <> '' "
    "AND p.ord < d.ord)) "
    "ORDER BY d.due_at, d.org_id, d.endpoint_id, d.ord LIMIT ?2";
inline constexpr char kLeaseDelivery[] =
    "UPDATE webhook_deliveries SET lease_until = ?4 "
    "WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3";
inline constexpr char kDeliveryPayload[] =
    "SELECT payload FROM webhook_deliveries WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3";

// An outcome: the delivery's new state, then its attempt logged from the row (which knows the
// attempt's number and event).
inline constexpr char kSettleDelivery[] =
    "UPDATE webhook_deliveries SET attempts = attempts + 1, state = ?4, due_at = ?5, "
    "lease_until = 0 WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3";
inline constexpr char kLogAttempt[] =
    "INSERT INTO webhook_attempts (org_id, endpoint_id, ord, attempt, event_id, at, status, "
    "error, latency_ms, next_attempt_at) "
    "SELECT org_id, endpoint_id, ord, attempts, event_id, ?4, ?5, ?6, ?7, ?8 "
    "FROM webhook_deliveries WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3 "
    "ON CONFLICT DO NOTHING";
inline constexpr char kWriteHealth[] =
    "UPDATE webhook_endpoints SET last_success_at = max(last_success_at, ?3), "
    "failing_since = ?4, failures = ?5, probe_after = ?6 WHERE org_id = ?1 AND id = ?2";
// A receiver back: its parked deliveries waiting for a later retry are due now.
inline constexpr char kParkedDueNow[] =
    "UPDATE webhook_deliveries SET due_at = ?3 "
    "WHERE org_id = ?1 AND endpoint_id = ?2 AND state = 'pending' AND due_at > ?3";

inline constexpr char kFailingWebhooks[] = "SELECT " CONTACTSD_WEBHOOK_COLUMNS
                                           " FROM webhook_endpoints WHERE enabled = 1 "
                                           "AND failing_since <> 0 AND failing_since < ?1";
inline constexpr char kDisableWebhook[] =
    "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing', updated_at = ?3 "
    "WHERE org_id = ?1 AND id = ?2";

// Columns as read by ReadDeliveryAttempt.
inline constexpr char kListDeliveryAttempts[] =
    "SELECT ord, attempt, event_id, at, status, error, latency_ms, next_attempt_at "
    "FROM webhook_attempts WHERE org_id = ?1 AND endpoint_id = ?2 AND (ord, attempt) < (?3, ?4) "
    "ORDER BY ord DESC, attempt DESC LIMIT ?5";
inline constexpr char kRetryDelivery[] =
    "UPDATE webhook_deliveries SET state = 'pending', due_at = ?4 "
    "WHERE org_id = ?1 AND endpoint_id = ?2 AND event_id = ?3";
inline constexpr char kProbeNow[] =
    "UPDATE webhook_endpoints SET probe_after = 0 WHERE org_id = ?1 AND id = ?2";

// Retention: the oldest settled deliveries (webhook_deliveries_settled), then each one's
// attempts and itself.
inline constexpr char kSettledBefore[] =
    "SELECT org_id, endpoint_id, ord FROM webhook_deliveries "
    "WHERE state <> 'pending' AND created_at < ?1 ORDER BY created_at LIMIT ?2";
inline constexpr char kDeleteDeliveryAttempts[] =
    "DELETE FROM webhook_attempts WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3";
inline constexpr char kDeleteDelivery[] =
    "DELETE FROM webhook_deliveries WHERE org_id = ?1 AND endpoint_id = ?2 AND ord = ?3";
// Retention of the attempts of deliveries without a row, endpoint by endpoint: ords grow with
// time, so those before the first attempt made since the cutoff are older (a scan of what is
// deleted), less those of a parked delivery (deleted with it).
inline constexpr char kEveryWebhook[] = "SELECT org_id, id FROM webhook_endpoints";
inline constexpr char kFirstAttemptSince[] =
    "SELECT ord FROM webhook_attempts WHERE org_id = ?1 AND endpoint_id = ?2 AND at >= ?3 "
    "ORDER BY ord LIMIT 1";
inline constexpr char kDeleteStreamAttempts[] =
    "DELETE FROM webhook_attempts WHERE org_id = ?1 AND endpoint_id = ?2 AND ord IN ("
    "SELECT a.ord FROM webhook_attempts AS a WHERE a.org_id = ?1 AND a.endpoint_id = ?2 "
    "AND a.ord < ?3 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d "
    "WHERE d.org_id = ?1 AND d.endpoint_id = ?2 AND d.ord = a.ord) ORDER BY a.ord LIMIT ?4)";

// Erasure: every delivery of the contact's events, whichever tenant's endpoint it was for (a
// scan: erasures are rare, and no index serves only them).
inline constexpr char kEraseContactDeliveries[] =
    "DELETE FROM webhook_deliveries WHERE contact_id = ?1";

#undef CONTACTSD_WEBHOOK_COLUMNS

}  // namespace contactsd::store::sqlite::sql
