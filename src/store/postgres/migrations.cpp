#include "store/postgres/migrations.hpp"

#include "store/postgres/connection.hpp"

#include <array>
#include <string>

namespace contactsd::store::postgres {
namespace {

// Version 1: the same logical schema as SQLite's version 1 (store/sqlite/migrations.cpp).
// Every primary key starts with the tenant id, so contacts, contact_keys and custom_fields can
// be distributed by org_id (Citus: see docs/scaling.md). Text keys use the "C" collation:
// byte order, as in SQLite, whatever the database's locale, so ids sort in creation order and
// key equality is byte equality. Timestamps are Unix milliseconds; NULL archived_at means
// active. `doc` is text, not jsonb: it round-trips the serialized document byte for byte
// (jsonb would reorder keys and rewrite numbers) and costs no parse on write.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE orgs (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  name text NOT NULL,
  plan text NOT NULL,
  credits bigint NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE api_keys (
  org_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  revoked_at bigint,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX api_keys_by_id ON api_keys (id);

CREATE TABLE contacts (
  org_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  doc text NOT NULL,
  version bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  archived_at bigint,
  archived_by text,
  PRIMARY KEY (org_id, id)
);

-- The unique keys of active contacts: the primary key is the uniqueness rule.
CREATE TABLE contact_keys (
  org_id text COLLATE "C" NOT NULL,
  key_name text COLLATE "C" NOT NULL,
  key_value text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (org_id, key_name, key_value)
);
CREATE INDEX contact_keys_by_contact ON contact_keys (org_id, contact_id);

CREATE TABLE custom_fields (
  org_id text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  type text NOT NULL,
  options text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (org_id, name)
);

-- Server-wide values shared by every process on this database (not per tenant).
CREATE TABLE settings (
  name text COLLATE "C" NOT NULL PRIMARY KEY,
  value text NOT NULL
);
)sql";

// Collections: the same logical tables as SQLite's kSchemaV2Collections. Per-tenant named
// entries with integer ids (a model's "lists", "labels"); collection_counters holds the last id
// each (org, collection) allocated, so ids are never reused. Both are keyed by org_id first,
// so they distribute with the contacts.
constexpr char kSchemaV2Collections[] = R"sql(
CREATE TABLE collection_entries (
  org_id text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  id bigint NOT NULL,
  name text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (org_id, collection, id)
);

CREATE TABLE collection_counters (
  org_id text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  last_id bigint NOT NULL,
  PRIMARY KEY (org_id, collection)
);
)sql";

// Unlocks: the same table as SQLite's (store/sqlite/migrations.cpp). Distributed by org_id
// and co-located with contacts on Citus (docs/scaling.md).
constexpr char kSchemaV3Unlocks[] = R"sql(
CREATE TABLE unlocks (
  org_id text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C" NOT NULL,
  credits_spent bigint NOT NULL,
  unlocked_at bigint NOT NULL,
  PRIMARY KEY (org_id, contact_id)
);
)sql";

// The change log: the same logical table as SQLite's kSchemaV4Events, plus the writing
// transaction's id. A reader orders by (txid, seq) and reads only transactions older than every
// running one (docs/events.md), so the primary key serves the feed; seq alone is unique, and
// history reads (org_id, contact_id, seq). Keyed by org_id first: distributed by tenant.
constexpr char kSchemaV4Events[] = R"sql(
CREATE TABLE events (
  org_id text COLLATE "C" NOT NULL,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigserial NOT NULL,
  type text COLLATE "C" NOT NULL,
  occurred_at bigint NOT NULL,
  contact_id text COLLATE "C",
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  request_id text NOT NULL,
  version bigint NOT NULL,
  doc text NOT NULL,
  prior text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  archived_at bigint,
  archived_by text,
  PRIMARY KEY (org_id, txid, seq)
);
CREATE INDEX events_by_contact ON events (org_id, contact_id, seq);
-- The list in the order a sync reads it (?order=updated_at) is read from the log: each contact
-- at its latest event. Appended at each tenant's end; an index on contacts' updated_at would
-- take every PATCH off PostgreSQL's HOT path (a new entry in every index of contacts).
CREATE INDEX events_by_time ON events (org_id, occurred_at, contact_id);
-- Retention deletes the log's oldest events first: in seq order.
CREATE INDEX events_by_seq ON events (seq);
-- Per tenant, what retention deleted: the highest seq (a cursor before it has missed events)
-- and the time before which every deleted event occurred (a contact last changed before it
-- may have no event left).
CREATE TABLE event_horizons (
  org_id text COLLATE "C" NOT NULL PRIMARY KEY,
  pruned_seq bigint NOT NULL,
  pruned_before bigint NOT NULL
);
)sql";

// The answers of writes made with an Idempotency-Key (as SQLite's version 6). The primary key
// starts with the tenant, so the table distributes by it.
constexpr char kSchemaV5IdempotencyAnswers[] = R"sql(
CREATE TABLE idempotency_answers (
  org_id text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  status bigint NOT NULL,
  headers text NOT NULL,
  body text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_answers_by_expiry ON idempotency_answers (expires_at);
)sql";

// The terms ?q= finds contacts by (as SQLite's version 7). "C" collation: a prefix is a byte
// range of the primary key, whatever the database's default collation.
constexpr char kSchemaV6SearchTerms[] = R"sql(
CREATE TABLE contact_terms (
  org_id text NOT NULL,
  term text COLLATE "C" NOT NULL,
  contact_id text NOT NULL,
  PRIMARY KEY (org_id, term, contact_id)
);
)sql";

// Webhooks (as SQLite's version 8; store/webhook_store.hpp): endpoints, the deliveries of the
// log to them, numbered per endpoint in fan-out order (`ord`, from the endpoint's `next_ord`),
// and every attempt of a delivery. An endpoint's `fanned_out` is a log position (txid, seq)
// as the feed reads it. The partial indexes hold the pending deliveries only: the claim reads
// the due ones by time, and checks that none of the same contact precedes one. "C" collation:
// the dispatcher pages through every endpoint in (org_id, id) byte order. Every primary key
// starts with the tenant, so on Citus (docs/scaling.md) the three distribute with the
// contacts:
//   SELECT create_distributed_table('webhook_endpoints', 'org_id', colocate_with => 'contacts');
//   SELECT create_distributed_table('webhook_deliveries', 'org_id', colocate_with => 'contacts');
//   SELECT create_distributed_table('webhook_attempts', 'org_id', colocate_with => 'contacts');
constexpr char kSchemaV7Webhooks[] = R"sql(
CREATE TABLE webhook_endpoints (
  org_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  url text NOT NULL,
  description text NOT NULL,
  events text NOT NULL,
  enabled boolean NOT NULL,
  secret text NOT NULL,
  previous_secret text NOT NULL,
  previous_secret_until bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_success_at bigint NOT NULL,
  failing_since bigint NOT NULL,
  disabled_reason text NOT NULL,
  fanned_out_txid bigint NOT NULL,
  fanned_out_seq bigint NOT NULL,
  next_ord bigint NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE TABLE webhook_deliveries (
  org_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  ord bigint NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C" NOT NULL,
  payload text NOT NULL,
  state text NOT NULL,
  attempts bigint NOT NULL,
  due_at bigint NOT NULL,
  lease_until bigint NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (org_id, endpoint_id, ord)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_pending_by_contact
  ON webhook_deliveries (org_id, endpoint_id, contact_id, ord)
  WHERE state = 'pending' AND contact_id <> '';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (org_id, endpoint_id, event_id);
CREATE TABLE webhook_attempts (
  org_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  ord bigint NOT NULL,
  attempt bigint NOT NULL,
  event_id text NOT NULL,
  at bigint NOT NULL,
  status bigint NOT NULL,
  error text NOT NULL,
  latency_ms bigint NOT NULL,
  next_attempt_at bigint,
  PRIMARY KEY (org_id, endpoint_id, ord, attempt)
);
)sql";

// Version 8: the settled deliveries by age, for their retention (Store::PruneDeliveries).
constexpr char kSchemaV8SettledDeliveries[] = R"sql(
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (created_at)
  WHERE state <> 'pending';
)sql";

// Version 9 (as SQLite's version 10): endpoints are delivered from the log by one process at a
// time (its lease), and a failing one is probed no sooner than `probe_after`. `fanned_out_*` is
// the endpoint's cursor (store::WebhookEndpoint::cursor): every event up to it was delivered or
// parked.
constexpr char kSchemaV9WebhookStreams[] = R"sql(
ALTER TABLE webhook_endpoints ADD COLUMN failures bigint NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN probe_after bigint NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN lease_owner text NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN lease_until bigint NOT NULL DEFAULT 0;
)sql";

// Version 10 (as SQLite's version 11): what a key may do, until when, and when it was last
// used (flushed, not written per request). Keys made before keep their full rights: admin.
constexpr char kSchemaV10KeyScopes[] = R"sql(
ALTER TABLE api_keys ADD COLUMN scope text NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN expires_at bigint;
ALTER TABLE api_keys ADD COLUMN last_used_at bigint;
)sql";

constexpr std::array<const char*, 10> kMigrations = {
    kSchemaV1,          kSchemaV2Collections,        kSchemaV3Unlocks,
    kSchemaV4Events,    kSchemaV5IdempotencyAnswers, kSchemaV6SearchTerms,
    kSchemaV7Webhooks,  kSchemaV8SettledDeliveries,  kSchemaV9WebhookStreams,
    kSchemaV10KeyScopes};

// The advisory lock's key: any constant that no other application on the database uses
// ("contacts" in ASCII).
constexpr char kLockAndPrepare[] = R"sql(
SELECT pg_advisory_xact_lock(7165064483209180019);
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer NOT NULL PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
SELECT coalesce(max(version), 0) FROM schema_migrations;
)sql";

Status MigrateInTransaction(Connection& connection);

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(Connection& connection) {
  auto migrated = MigrateInTransaction(connection);
  if (!migrated && connection.usable() && !connection.idle()) {
    (void)connection.Exec("ROLLBACK");  // nothing of a failed step stays
  }
  return migrated;
}

namespace {

Status MigrateInTransaction(Connection& connection) {
  if (auto begun = connection.Exec("BEGIN"); !begun) return std::move(begun).error();
  auto current = connection.Exec(kLockAndPrepare);
  if (!current) return std::move(current).error();
  const int version = static_cast<int>(current->Int8(0, 0));
  if (version > LatestSchemaVersion()) {
    return Error::Internal("postgres: schema version " + std::to_string(version) +
                           " is newer than this binary's " + std::to_string(LatestSchemaVersion()));
  }
  for (int step = version; step < LatestSchemaVersion(); ++step) {
    if (auto applied = connection.Exec(kMigrations[static_cast<std::size_t>(step)]); !applied) {
      return std::move(applied).error();
    }
    // Our own integer, not input: no parameter needed.
    const std::string record =
        "INSERT INTO schema_migrations (version) VALUES (" + std::to_string(step + 1) + ")";
    if (auto recorded = connection.Exec(record.c_str()); !recorded) {
      return std::move(recorded).error();
    }
  }
  // Committing even when nothing was applied ends the transaction and frees the lock.
  if (auto committed = connection.Exec("COMMIT"); !committed) return std::move(committed).error();
  return {};
}

}  // namespace

}  // namespace contactsd::store::postgres
