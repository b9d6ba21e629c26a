#include "store/sqlite/migrations.hpp"

#include "store/sqlite/connection.hpp"
#include "store/sqlite/write_transaction.hpp"

#include <array>
#include <string>

namespace contactsd::store::sqlite {
namespace {

// Version 1. Every primary key starts with the tenant id, so the same logical schema can be
// distributed by tenant. Tables are STRICT (a wrong type is an error, not a silent coercion)
// and WITHOUT ROWID: each table is clustered on its primary key, so a tenant's contacts sit
// together in id (= creation) order, a get is one B-tree descent and a list page reads
// neighbouring leaves, and the (org_id, id) key is not stored twice (table + unique index).
// Timestamps are Unix milliseconds; NULL archived_at means active.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE orgs (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  plan TEXT NOT NULL,
  credits INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE api_keys (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  PRIMARY KEY (org_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX api_keys_by_id ON api_keys (id);

CREATE TABLE contacts (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  archived_at INTEGER,
  archived_by TEXT,
  PRIMARY KEY (org_id, id)
) STRICT, WITHOUT ROWID;

-- The unique keys of active contacts: the primary key is the uniqueness rule.
CREATE TABLE contact_keys (
  org_id TEXT NOT NULL,
  key_name TEXT NOT NULL,
  key_value TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  PRIMARY KEY (org_id, key_name, key_value)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_keys_by_contact ON contact_keys (org_id, contact_id);

CREATE TABLE custom_fields (
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  options TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, name)
) STRICT, WITHOUT ROWID;

-- Server-wide values shared by every process on this database (not per tenant).
CREATE TABLE settings (
  name TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Collections: per-tenant named entries with integer ids (a model's "lists", "labels").
// collection_counters holds the last id each (org, collection) allocated, so ids are never
// reused, even after the entry with the highest one is deleted.
constexpr char kSchemaV2Collections[] = R"sql(
CREATE TABLE collection_entries (
  org_id TEXT NOT NULL,
  collection TEXT NOT NULL,
  id INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, collection, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE collection_counters (
  org_id TEXT NOT NULL,
  collection TEXT NOT NULL,
  last_id INTEGER NOT NULL,
  PRIMARY KEY (org_id, collection)
) STRICT, WITHOUT ROWID;
)sql";

// Unlocks: which org has paid for which catalogue contact. The org is the tenant (the primary
// key starts with it); the contact is one of the catalogue's (stored under its reserved
// tenant id). The primary key is the once-only rule: an org unlocks a contact at most once.
constexpr char kSchemaV3Unlocks[] = R"sql(
CREATE TABLE unlocks (
  org_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  credits_spent INTEGER NOT NULL,
  unlocked_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, contact_id)
) STRICT, WITHOUT ROWID;
)sql";

// The change log (store/sqlite/change_log.hpp): one row per committed change, appended by the
// write in its transaction. seq is the rowid, AUTOINCREMENT so that it is never reused, even
// after the newest events are deleted: a position a consumer holds names one event forever.
// The indexes hold the rowid, so (org_id) reads a tenant's events in seq order (a contact's:
// version 5's chain).
constexpr char kSchemaV4Events[] = R"sql(
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  contact_id TEXT,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL,
  prior TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  archived_at INTEGER,
  archived_by TEXT
) STRICT;
CREATE INDEX events_by_org ON events (org_id);
CREATE INDEX events_by_contact ON events (org_id, contact_id);
-- The list in the order a sync reads it (?order=updated_at) is read from the log: each contact
-- at its latest event. Appended at each tenant's end, unlike an index on contacts' updated_at,
-- which every write would move from a random page.
CREATE INDEX events_by_time ON events (org_id, occurred_at, contact_id);
-- Per tenant, what retention deleted: the highest seq (a cursor before it has missed events)
-- and the time before which every deleted event occurred (a contact last changed before it
-- may have no event left).
CREATE TABLE event_horizons (
  org_id TEXT NOT NULL PRIMARY KEY,
  pruned_seq INTEGER NOT NULL,
  pruned_before INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// A contact's events as a chain instead of an index: each event names the previous event of
// its contact in its tenant's log (prev_seq, 0 for none), and the chain's head is kept where the
// write already is: the contact's row (last_event_seq), an unlock's row (event_seq: the unlock
// in the unlocking org's log) or, for an erased contact, its contact.erased event, the one
// entry of a partial index. An index on (org_id, contact_id) put each event on the random page
// of its contact's entries; a chain appends only (PATCH/s on SQLite FULL +45%,
// docs/benchmarks.md). History, the feed's contact_id filter and erasure walk the chain
// (store/sqlite/event_chain.hpp). The backfill links the events logged before.
constexpr char kSchemaV5EventChains[] = R"sql(
ALTER TABLE events ADD COLUMN prev_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN last_event_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unlocks ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
UPDATE events SET prev_seq = coalesce((SELECT max(p.seq) FROM events AS p
  WHERE p.org_id = events.org_id AND p.contact_id = events.contact_id AND p.seq < events.seq), 0)
  WHERE contact_id IS NOT NULL AND type <> 'contact.erased';
UPDATE contacts SET last_event_seq = coalesce((SELECT max(seq) FROM events
  WHERE events.org_id = contacts.org_id AND events.contact_id = contacts.id), 0);
UPDATE unlocks SET event_seq = coalesce((SELECT max(seq) FROM events
  WHERE events.org_id = unlocks.org_id AND events.contact_id = unlocks.contact_id), 0);
DROP INDEX events_by_contact;
CREATE INDEX events_erased ON events (org_id, contact_id) WHERE type = 'contact.erased';
)sql";

// The answers of writes made with an Idempotency-Key, each stored in its write's transaction
// (Store::WriteContacts), kept until it expires (then pruned in the background, by the index on
// expires_at).
constexpr char kSchemaV6IdempotencyAnswers[] = R"sql(
CREATE TABLE idempotency_answers (
  org_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, key)
) STRICT;
CREATE INDEX idempotency_answers_by_expiry ON idempotency_answers (expires_at);
)sql";

// The terms ?q= finds contacts by (store.hpp, ListQuery::search_prefix): one row per
// (tenant, term, contact), read by prefix through the primary key. No index by contact: every
// write knows the terms it removes (an erasure makes them from the stored contact), and a
// second index cost a create 3 more index entries. Contacts written before this version have
// none until they are written again (docs/models/standard.md).
constexpr char kSchemaV7SearchTerms[] = R"sql(
CREATE TABLE contact_terms (
  org_id TEXT NOT NULL,
  term TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  PRIMARY KEY (org_id, term, contact_id)
) STRICT, WITHOUT ROWID;
)sql";

// Version 8: webhooks (store/webhook_store.hpp). An endpoint's deliveries are numbered in the
// order it fanned them out (`ord`, from the endpoint's `next_ord`); one contact's deliveries
// go in that order. The partial indexes hold the pending deliveries only: the dispatcher's
// claim reads the due ones by time, and checks that none of the same contact precedes one.
constexpr char kSchemaV8Webhooks[] = R"sql(
CREATE TABLE webhook_endpoints (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT NOT NULL,
  previous_secret_until INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_success_at INTEGER NOT NULL,
  failing_since INTEGER NOT NULL,
  disabled_reason TEXT NOT NULL,
  fanned_out_txid INTEGER NOT NULL,
  fanned_out_seq INTEGER NOT NULL,
  next_ord INTEGER NOT NULL,
  PRIMARY KEY (org_id, id)
) STRICT, WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  ord INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, endpoint_id, ord)
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_pending_by_contact
  ON webhook_deliveries (org_id, endpoint_id, contact_id, ord)
  WHERE state = 'pending' AND contact_id <> '';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (org_id, endpoint_id, event_id);
CREATE TABLE webhook_attempts (
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  ord INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  next_attempt_at INTEGER,
  PRIMARY KEY (org_id, endpoint_id, ord, attempt)
) STRICT, WITHOUT ROWID;
)sql";

// Version 9: the settled deliveries by age, for their retention (Store::PruneDeliveries); a
// pending delivery enters it when it settles.
constexpr char kSchemaV9SettledDeliveries[] = R"sql(
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (created_at)
  WHERE state <> 'pending';
)sql";

// Version 10: endpoints are delivered from the log by one process at a time (its lease), and
// a failing one is probed, one attempt at a time, no sooner than `probe_after`
// (store/webhook_store.hpp). `fanned_out_*` is the endpoint's cursor (WebhookEndpoint::cursor):
// every event up to it was delivered or parked. Deliveries parked before it keep their payloads and
// are sent as they are; those parked from now on render theirs from the log.
constexpr char kSchemaV10WebhookStreams[] = R"sql(
ALTER TABLE webhook_endpoints ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN probe_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 11: what a key may do, until when, and when it was last used (flushed, not written
// per request). Keys made before keep their full rights: admin.
constexpr char kSchemaV11KeyScopes[] = R"sql(
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
)sql";

constexpr std::array<const char*, 11> kMigrations = {kSchemaV1,
                                                     kSchemaV2Collections,
                                                     kSchemaV3Unlocks,
                                                     kSchemaV4Events,
                                                     kSchemaV5EventChains,
                                                     kSchemaV6IdempotencyAnswers,
                                                     kSchemaV7SearchTerms,
                                                     kSchemaV8Webhooks,
                                                     kSchemaV9SettledDeliveries,
                                                     kSchemaV10WebhookStreams,
                                                     kSchemaV11KeyScopes};

constexpr char kReadUserVersion[] = "PRAGMA user_version";

Result<int> ReadUserVersion(Connection& connection) {
  auto stmt = connection.Prepare(kReadUserVersion);
  if (!stmt) return std::move(stmt).error();
  auto row = stmt->Next();
  if (!row) return std::move(row).error();
  if (!*row) return Error::Internal("sqlite: PRAGMA user_version returned no row");
  return static_cast<int>(stmt->Int64(0));
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(Connection& connection) {
  // Fast path, without the write lock: every open migrates, and almost always finds nothing.
  auto version = ReadUserVersion(connection);
  if (!version) return std::move(version).error();
  if (*version == LatestSchemaVersion()) return {};

  WriteTransaction txn(connection);
  if (auto begun = txn.Begin(); !begun) return begun;
  // Another process may have migrated while this one waited for the lock.
  version = ReadUserVersion(connection);
  if (!version) return std::move(version).error();
  if (*version > LatestSchemaVersion()) {
    return Error::Internal("sqlite: schema version " + std::to_string(*version) +
                           " is newer than this binary's " + std::to_string(LatestSchemaVersion()));
  }
  if (*version == LatestSchemaVersion()) return {};
  for (int step = *version; step < LatestSchemaVersion(); ++step) {
    if (auto applied = connection.ExecScript(kMigrations[static_cast<std::size_t>(step)]);
        !applied) {
      return applied;
    }
  }
  // PRAGMA takes no parameters; the value is our own integer.
  const std::string set_version = "PRAGMA user_version = " + std::to_string(LatestSchemaVersion());
  if (auto set = connection.ExecScript(set_version.c_str()); !set) return set;
  return txn.Commit();
}

}  // namespace contactsd::store::sqlite
