// The webhook statements of the PostgreSQL catalogue (sql.hpp's Sql from kCountWebhooks on),
// apart from sql.cpp's so that each file holds one subject.
#include "store/postgres/sql.hpp"
#include "store/postgres/sql_columns.hpp"

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {
namespace {

// Webhook endpoints' columns as written by insert_webhook, and as read by ReadWebhook.
#define CONTACTSD_WEBHOOK_INSERT_COLUMNS                                            \
  "org_id, id, url, description, events, enabled, secret, previous_secret, "        \
  "previous_secret_until, created_at, updated_at, last_success_at, failing_since, " \
  "disabled_reason, fanned_out_txid, fanned_out_seq, next_ord"
#define CONTACTSD_WEBHOOK_COLUMNS                                                          \
  "org_id, id, url, description, events, enabled, secret, previous_secret, "               \
  "previous_secret_until, created_at, updated_at, last_success_at, failing_since, "        \
  "disabled_reason, fanned_out_txid, fanned_out_seq, failures, probe_after, lease_owner, " \
  "lease_until"
#define CONTACTSD_DELIVERY_INSERT_COLUMNS                                              \
  "org_id, endpoint_id, ord, event_id, contact_id, payload, state, attempts, due_at, " \
  "lease_until, created_at"

constexpr std::size_t kFirst = static_cast<std::size_t>(Sql::kCountWebhooks);

// Indexed by Sql less kFirst: the static_assert below checks that each entry sits at its index.
constexpr std::array<StatementDef, static_cast<std::size_t>(Sql::kCountCollectionEntries) - kFirst>
    kWebhookSql = {{
        {Sql::kCountWebhooks, "count_webhooks",
         "SELECT count(*) FROM webhook_endpoints WHERE org_id = $1", "t", false},
        // A new endpoint starts at the log's head: every event of a transaction older than every
        // running one is before it (the feed's position (xmin, 0), docs/events.md), so it receives
        // the events of every transaction that commits after it.
        {Sql::kInsertWebhook, "insert_webhook",
         "INSERT INTO webhook_endpoints (" CONTACTSD_WEBHOOK_INSERT_COLUMNS
         ") VALUES ($1, $2, $3, $4, $5, $6 <> 0, $7, '', 0, $8, $8, 0, 0, '', "
         "pg_snapshot_xmin(pg_current_snapshot())::text::bigint, 0, 1)",
         "tttttiti", true},
        {Sql::kListWebhooks, "list_webhooks",
         "SELECT " CONTACTSD_WEBHOOK_COLUMNS
         " FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id",
         "t", false},
        {Sql::kGetWebhook, "get_webhook",
         "SELECT " CONTACTSD_WEBHOOK_COLUMNS
         " FROM webhook_endpoints WHERE org_id = $1 AND id = $2",
         "tt", false},
        {Sql::kLockWebhook, "lock_webhook",
         "SELECT " CONTACTSD_WEBHOOK_COLUMNS
         " FROM webhook_endpoints WHERE org_id = $1 AND id = $2 FOR UPDATE",
         "tt", false},
        // The settings only: never the dispatcher's columns (last_success_at, failing_since,
        // next_ord).
        {Sql::kUpdateWebhook, "update_webhook",
         "UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, enabled = $6 <> 0, "
         "secret = $7, previous_secret = $8, previous_secret_until = $9, updated_at = $10, "
         "disabled_reason = $11, fanned_out_txid = $12, fanned_out_seq = $13 "
         "WHERE org_id = $1 AND id = $2",
         "tttttitt"
         "iitii",
         true},
        {Sql::kDeleteWebhook, "delete_webhook",
         "DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2", "tt", true},
        {Sql::kDeleteWebhookDeliveries, "delete_webhook_deliveries",
         "DELETE FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2", "tt", true},
        {Sql::kDeleteWebhookAttempts, "delete_webhook_attempts",
         "DELETE FROM webhook_attempts WHERE org_id = $1 AND endpoint_id = $2", "tt", true},
        {Sql::kListEveryWebhook, "list_every_webhook",
         "SELECT " CONTACTSD_WEBHOOK_COLUMNS
         " FROM webhook_endpoints WHERE (org_id, id) > ($1, $2) ORDER BY org_id, id LIMIT $3",
         "tti", false},
        // Streams: the lease of every enabled endpoint that its owner renews or nobody holds;
        // rows another transaction holds are passed over (taken next time).
        {Sql::kLeaseStreams, "lease_streams",
         "UPDATE webhook_endpoints SET lease_owner = $1, lease_until = $3 "
         "WHERE (org_id, id) IN (SELECT org_id, id FROM webhook_endpoints WHERE enabled "
         "AND (lease_owner = $1 OR lease_until <= $2) ORDER BY org_id, id FOR UPDATE SKIP LOCKED)",
         "tii", true},
        {Sql::kReleaseStreams, "release_streams",
         "UPDATE webhook_endpoints SET lease_until = 0 WHERE lease_owner = $1", "t", true},
        {Sql::kHeldContacts, "held_contacts",
         "SELECT DISTINCT contact_id FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = "
         "$2 "
         "AND state = 'pending' AND contact_id <> ''",
         "tt", false},
        // A stream commit in one statement: the endpoint moves from ($3, $4) to ($5, $6) and takes
        // $7 ords, only if it is still at ($3, $4) and leased to $8; the events ($10, a JSON array
        // of objects, `i` each one's index) take those ords in order: an attempted one is logged,
        // one not delivered is parked ($9 now). Answers 1 when it moved, 0 when not (nothing
        // added).
        {Sql::kCommitStream, "commit_stream",
         "WITH a AS (UPDATE webhook_endpoints SET fanned_out_txid = $5, fanned_out_seq = $6, "
         "next_ord = next_ord + $7 WHERE org_id = $1 AND id = $2 AND fanned_out_txid = $3 "
         "AND fanned_out_seq = $4 AND lease_owner = $8 RETURNING next_ord - $7 AS first), "
         "e AS (SELECT a.first + d.i AS ord, d.* FROM a, json_to_recordset($10::json) AS d(i "
         "bigint, "
         "event_id text, contact_id text, payload text, attempted boolean, delivered boolean, "
         "at bigint, status bigint, error text, latency_ms bigint, next_attempt_at bigint)), "
         "l AS (INSERT INTO webhook_attempts (org_id, endpoint_id, ord, attempt, event_id, at, "
         "status, error, latency_ms, next_attempt_at) SELECT $1, $2, ord, 1, event_id, at, status, "
         "error, latency_ms, next_attempt_at FROM e WHERE attempted), "
         "p AS (INSERT INTO webhook_deliveries (" CONTACTSD_DELIVERY_INSERT_COLUMNS ") "
         "SELECT $1, $2, ord, event_id, contact_id, payload, "
         "CASE WHEN attempted AND next_attempt_at IS NULL THEN 'failed' ELSE 'pending' END, "
         "CASE WHEN attempted THEN 1 ELSE 0 END, "
         "CASE WHEN attempted THEN coalesce(next_attempt_at, 0) ELSE $9 END, 0, $9 "
         "FROM e WHERE NOT delivered) "
         "SELECT count(*) FROM a",
         "ttiiiiit"
         "it",
         true},
        // One delivery outside the log, due now ($6), at the endpoint's next ord; no row affected
        // when the endpoint is gone.
        {Sql::kEnqueueDelivery, "enqueue_delivery",
         "WITH a AS (UPDATE webhook_endpoints SET next_ord = next_ord + 1 "
         "WHERE org_id = $1 AND id = $2 RETURNING next_ord - 1 AS ord) "
         "INSERT INTO webhook_deliveries (" CONTACTSD_DELIVERY_INSERT_COLUMNS ") "
         "SELECT $1, $2, a.ord, $3, $4, $5, 'pending', 0, $6, 0, $6 FROM a",
         "ttttti", true},
        // Due deliveries at $1, oldest due first (the order of webhook_deliveries_due), each the
        // first pending one of its contact for its endpoint, of enabled endpoints leased to $3,
        // locked for the
        // claim's transaction; those another claim holds are passed over (SKIP LOCKED), and a
        // delivery leased or settled by a claim that committed meanwhile is checked again on its
        // newest version (and left out). Columns as read by ReadDueDelivery.
        {Sql::kDueDeliveries, "due_deliveries",
         "SELECT d.org_id, d.endpoint_id, d.ord, d.event_id, d.payload, d.attempts, d.contact_id "
         "FROM webhook_deliveries AS d "
         "JOIN webhook_endpoints AS e ON e.org_id = d.org_id AND e.id = d.endpoint_id "
         "WHERE d.state = 'pending' AND d.due_at <= $1 AND d.lease_until <= $1 AND e.enabled "
         "AND e.lease_owner = $3 AND (d.contact_id = '' OR NOT EXISTS (SELECT 1 FROM "
         "webhook_deliveries AS p "
         "WHERE p.org_id = d.org_id AND p.endpoint_id = d.endpoint_id "
         "AND p.contact_id = d.contact_id AND p.state = 'pending' AND p.contact_id <> '' "
         "AND p.ord < d.ord)) "
         "ORDER BY d.due_at, d.org_id, d.endpoint_id, d.ord LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
         "iit", false},
        {Sql::kLeaseDelivery, "lease_delivery",
         "UPDATE webhook_deliveries SET lease_until = $4 "
         "WHERE org_id = $1 AND endpoint_id = $2 AND ord = $3",
         "ttii", true},
        // An outcome: the delivery's new state, then its attempt logged from the row (which knows
        // the attempt's number and event).
        {Sql::kSettleDelivery, "settle_delivery",
         "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $4, due_at = $5, "
         "lease_until = 0 WHERE org_id = $1 AND endpoint_id = $2 AND ord = $3",
         "ttiti", true},
        {Sql::kLogAttempt, "log_attempt",
         "INSERT INTO webhook_attempts (org_id, endpoint_id, ord, attempt, event_id, at, status, "
         "error, latency_ms, next_attempt_at) "
         "SELECT org_id, endpoint_id, ord, attempts, event_id, $4, $5, $6, $7, $8 "
         "FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2 AND ord = $3 "
         "ON CONFLICT DO NOTHING",
         "ttiiitii", true},
        // The endpoint's health as its dispatcher keeps it.
        {Sql::kWriteHealth, "write_health",
         "UPDATE webhook_endpoints SET last_success_at = greatest(last_success_at, $3), "
         "failing_since = $4, failures = $5, probe_after = $6 WHERE org_id = $1 AND id = $2",
         "ttiiii", true},
        // A receiver back: its parked deliveries waiting for a later retry are due now.
        {Sql::kParkedDueNow, "parked_due_now",
         "UPDATE webhook_deliveries SET due_at = $3 "
         "WHERE org_id = $1 AND endpoint_id = $2 AND state = 'pending' AND due_at > $3",
         "tti", true},
        // Columns as read by ReadDeliveryAttempt: newest first, before ($3, $4).
        {Sql::kListDeliveryAttempts, "list_delivery_attempts",
         "SELECT ord, attempt, event_id, at, status, error, latency_ms, next_attempt_at "
         "FROM webhook_attempts WHERE org_id = $1 AND endpoint_id = $2 AND (ord, attempt) < ($3, "
         "$4) "
         "ORDER BY ord DESC, attempt DESC LIMIT $5",
         "ttiii", false},
        {Sql::kRetryDelivery, "retry_delivery",
         "UPDATE webhook_deliveries SET state = 'pending', due_at = $4 "
         "WHERE org_id = $1 AND endpoint_id = $2 AND event_id = $3",
         "ttti", true},
        {Sql::kProbeNow, "probe_now",
         "UPDATE webhook_endpoints SET probe_after = 0 WHERE org_id = $1 AND id = $2", "tt", true},
        // An endpoint enabled again starts at the log's head (as a new one does), not failing.
        {Sql::kMoveWebhookToHead, "move_webhook_to_head",
         "UPDATE webhook_endpoints SET failing_since = 0, failures = 0, probe_after = 0, "
         "fanned_out_txid = pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
         "fanned_out_seq = 0 WHERE org_id = $1 AND id = $2 RETURNING " CONTACTSD_WEBHOOK_COLUMNS,
         "tt", false},
        {Sql::kFailingWebhooks, "failing_webhooks",
         "SELECT " CONTACTSD_WEBHOOK_COLUMNS
         " FROM webhook_endpoints WHERE enabled AND failing_since <> 0 AND failing_since < $1 "
         "ORDER BY org_id, id FOR UPDATE",
         "i", false},
        // Disables an endpoint and records its "webhook.disabled" event, as a custom field's
        // definition records its own.
        {Sql::kDisableWebhook, "disable_webhook",
         "WITH d AS (UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', "
         "updated_at = $3 WHERE org_id = $1 AND id = $2 AND enabled RETURNING 1) "
         "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
         "SELECT $1, 'webhook.disabled', $3, NULL, 'system', '', '', 1, $4, NULL, $3, $3, NULL, "
         "NULL "
         "FROM d",
         "ttit", false},
        // Retention: the oldest settled deliveries (webhook_deliveries_settled) and their
        // attempts; then, endpoint by endpoint, the attempts of deliveries without a row made
        // before $1: ords grow with time, so those before the first attempt since $1 (a scan of
        // what is deleted), less those of a parked delivery (deleted with it).
        {Sql::kPruneDeliveries, "prune_deliveries",
         "WITH d AS (DELETE FROM webhook_deliveries WHERE (org_id, endpoint_id, ord) IN ("
         "SELECT org_id, endpoint_id, ord FROM webhook_deliveries "
         "WHERE state <> 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2) "
         "RETURNING org_id, endpoint_id, ord), "
         "a AS (DELETE FROM webhook_attempts AS w USING d "
         "WHERE w.org_id = d.org_id AND w.endpoint_id = d.endpoint_id AND w.ord = d.ord), "
         "s AS (DELETE FROM webhook_attempts WHERE (org_id, endpoint_id, ord) IN ("
         "SELECT o.org_id, o.endpoint_id, o.ord FROM webhook_endpoints AS e CROSS JOIN LATERAL ("
         "SELECT x.org_id, x.endpoint_id, x.ord FROM webhook_attempts AS x "
         "WHERE x.org_id = e.org_id AND x.endpoint_id = e.id AND x.ord < coalesce(("
         "SELECT y.ord FROM webhook_attempts AS y WHERE y.org_id = e.org_id "
         "AND y.endpoint_id = e.id AND y.at >= $1 ORDER BY y.ord LIMIT 1), "
         "9223372036854775807) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS z "
         "WHERE z.org_id = x.org_id AND z.endpoint_id = x.endpoint_id AND z.ord = x.ord) "
         "ORDER BY x.ord LIMIT $2) AS o "
         "LIMIT greatest($2 - (SELECT count(*) FROM d), 0)) RETURNING 1) "
         "SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM s)",
         "ii", true},
    }};

static_assert(ListsInEnumOrder(kWebhookSql, Sql::kCountWebhooks),
              "kWebhookSql must list every webhook Sql, in the enum's order");

#undef CONTACTSD_WEBHOOK_INSERT_COLUMNS
#undef CONTACTSD_WEBHOOK_COLUMNS
#undef CONTACTSD_DELIVERY_INSERT_COLUMNS

}  // namespace

const StatementDef& WebhookDef(Sql sql) {
  return kWebhookSql[static_cast<std::size_t>(sql) - kFirst];
}

}  // namespace contactsd::store::postgres
