// The SQLite backend's statements, as named constants. Each constant's address keys the
// per-connection prepared-statement cache, so use the constants, never copies of the text.
// The schema itself lives in migrations.cpp. No statement uses RETURNING: results are built
// from what was written, and every statement is stepped to SQLITE_DONE.
#pragma once

namespace contactsd::store::sqlite::sql {

inline constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
inline constexpr char kCommit[] = "COMMIT";
inline constexpr char kRollback[] = "ROLLBACK";
// Each write of a group-committed batch runs inside this savepoint, so it can be undone alone.
inline constexpr char kSavepoint[] = "SAVEPOINT write";
inline constexpr char kRollbackToSavepoint[] = "ROLLBACK TO write";
inline constexpr char kReleaseSavepoint[] = "RELEASE write";

// Orgs. Columns as read by ReadOrg: id, name, plan, credits, created_at.
inline constexpr char kInsertOrg[] =
    "INSERT INTO orgs (id, name, plan, credits, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT DO NOTHING";
inline constexpr char kGetOrg[] =
    "SELECT id, name, plan, credits, created_at FROM orgs WHERE id = ?1";

// API keys. Columns as read by ReadApiKey: org_id, id, name, prefix, created_at, revoked_at,
// scope, expires_at, last_used_at.
inline constexpr char kInsertApiKey[] =
    "INSERT INTO api_keys (org_id, id, name, prefix, key_hash, created_at, revoked_at, scope, "
    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING";
inline constexpr char kListApiKeys[] =
    "SELECT org_id, id, name, prefix, created_at, revoked_at, scope, expires_at, last_used_at "
    "FROM api_keys WHERE org_id = ?1 ORDER BY created_at, id";
// A later use only: flushes from several servers may arrive in any order.
inline constexpr char kTouchApiKey[] =
    "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND "
    "(last_used_at IS NULL OR last_used_at < ?2)";
inline constexpr char kRevokeApiKey[] =
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
inline constexpr char kGetApiKeyById[] =
    "SELECT org_id, id, name, prefix, created_at, revoked_at, scope, expires_at, last_used_at "
    "FROM api_keys WHERE id = ?1 ORDER BY org_id LIMIT 1";
inline constexpr char kFindActiveApiKeyByHash[] =
    "SELECT k.org_id, k.id, k.name, k.prefix, k.created_at, k.revoked_at, k.scope, "
    "k.expires_at, k.last_used_at "
    "FROM api_keys AS k JOIN orgs AS o ON o.id = k.org_id "
    "WHERE k.key_hash = ?1 AND k.revoked_at IS NULL";

// Contacts (read only: the statements that write them are change_log.cpp's). Columns as read by
// ReadContact:
// org_id, id, doc, version, created_at, updated_at, archived_at, archived_by.
inline constexpr char kGetContact[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id = ?2";
// The active contact that holds a unique key.
inline constexpr char kGetContactByKey[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id = (SELECT contact_id FROM contact_keys "
    "WHERE org_id = ?1 AND key_name = ?2 AND key_value = ?3)";
inline constexpr char kListContacts[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
inline constexpr char kListActiveContacts[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 AND archived_at IS NULL ORDER BY id LIMIT ?3";
// ?q=: the contacts holding a search term in [?4, ?5) (the prefix and the first string after
// every string that starts with it), through the terms' primary key, then by id; ?6 = 1 keeps
// archived ones. The terms come first so the planner reads only the matches, never the
// tenant's contacts.
inline constexpr char kListBySearch[] =
    "SELECT DISTINCT c.org_id, c.id, c.doc, c.version, c.created_at, c.updated_at, "
    "c.archived_at, c.archived_by FROM contact_terms AS t CROSS JOIN contacts AS c "
    "ON c.org_id = t.org_id AND c.id = t.contact_id "
    "WHERE t.org_id = ?1 AND t.term >= ?4 AND t.term < ?5 AND t.contact_id > ?2 "
    "AND (?6 = 1 OR c.archived_at IS NULL) ORDER BY c.id LIMIT ?3";
// One document filter (a NULL path turns it off). json_each() yields the items of an array and
// the value itself for a scalar, so one test serves both kinds of field. It reads a string
// only up to a NUL (\u0000), so an item whose JSON text holds an escaped NUL (an escaped
// backslash set aside: "\\u0000" is no NUL) matches no filter, as on PostgreSQL.
#define CONTACTSD_DOC_HAS(doc, path, value)                                                      \
  "(" path " IS NULL OR EXISTS (SELECT 1 FROM json_each(" doc ", " path ") WHERE value = " value \
  " AND instr(replace(" doc " -> fullkey, '\\\\', ''), '\\u0000') = 0))"

// Up to three document filters (CONTACTSD_DOC_HAS).
inline constexpr char kListContactsFiltered[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 AND (?4 OR archived_at IS NULL) "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?5", "?6") " "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?7", "?8") " "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?9", "?10") " "
    "AND (?11 IS NULL OR updated_at >= ?11) "
    "ORDER BY id LIMIT ?3";
// The list in the order a sync reads it, (updated_at, id) after (?2, ?12), with the same
// filters. Two sources (SqliteStore::ListContacts): the contacts last changed before ?13 (the
// time retention has pruned the log to), by a scan of the tenant's contacts; the others from
// the log, each contact at its latest event (its version), in the log's time index.
inline constexpr char kListContactsByUpdate[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND (updated_at, id) > (?2, ?12) AND updated_at < ?13 "
    "AND (?4 OR archived_at IS NULL) "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?5", "?6") " "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?7", "?8") " "
    "AND " CONTACTSD_DOC_HAS("contacts.doc", "?9", "?10") " "
    "ORDER BY updated_at, id LIMIT ?3";
inline constexpr char kListLatestChanges[] =
    "SELECT c.org_id, c.id, c.doc, c.version, c.created_at, c.updated_at, c.archived_at, "
    "c.archived_by FROM events AS e JOIN contacts AS c "
    "ON c.org_id = e.org_id AND c.id = e.contact_id AND c.version = e.version "
    "WHERE e.org_id = ?1 AND (e.occurred_at, e.contact_id) > (?2, ?12) "
    "AND (?4 OR c.archived_at IS NULL) "
    "AND " CONTACTSD_DOC_HAS("c.doc", "?5", "?6") " "
    "AND " CONTACTSD_DOC_HAS("c.doc", "?7", "?8") " "
    "AND " CONTACTSD_DOC_HAS("c.doc", "?9", "?10") " "
    "ORDER BY e.occurred_at, e.contact_id LIMIT ?3";

// Unique keys of active contacts.
inline constexpr char kListContactKeys[] =
    "SELECT key_name, key_value FROM contact_keys WHERE org_id = ?1 AND contact_id = ?2";
inline constexpr char kInsertContactKey[] =
    "INSERT INTO contact_keys (org_id, key_name, key_value, contact_id) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT DO NOTHING";
// Who holds a key (a conflict's answer names it).
inline constexpr char kFindKeyHolder[] =
    "SELECT contact_id FROM contact_keys WHERE org_id = ?1 AND key_name = ?2 AND key_value = ?3";
inline constexpr char kDeleteContactKey[] =
    "DELETE FROM contact_keys "
    "WHERE org_id = ?1 AND key_name = ?2 AND key_value = ?3 AND contact_id = ?4";

// Savepoints of one operation of a batch, inside the write's own savepoint.
inline constexpr char kOpSavepoint[] = "SAVEPOINT op";
inline constexpr char kOpRollback[] = "ROLLBACK TO op";
inline constexpr char kOpRelease[] = "RELEASE op";
// A batch whose operations are each on their own, first run all together (sqlite_store_batch).
inline constexpr char kTogetherSavepoint[] = "SAVEPOINT together";
inline constexpr char kTogetherRollback[] = "ROLLBACK TO together";
inline constexpr char kTogetherRelease[] = "RELEASE together";

// Idempotency answers. Columns as read by ReadAnswer: key, fingerprint, status, headers, body,
// created_at, expires_at. An expired answer not yet pruned gives way to a new one; a live one
// does not (0 rows: the key is in use).
inline constexpr char kInsertAnswer[] =
    "INSERT INTO idempotency_answers "
    "(org_id, key, fingerprint, status, headers, body, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (org_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "status = excluded.status, headers = excluded.headers, body = excluded.body, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at "
    "WHERE idempotency_answers.expires_at <= excluded.created_at";
inline constexpr char kGetAnswer[] =
    "SELECT key, fingerprint, status, headers, body, created_at, expires_at "
    "FROM idempotency_answers WHERE org_id = ?1 AND key = ?2 AND expires_at > ?3";
inline constexpr char kPruneAnswers[] =
    "DELETE FROM idempotency_answers WHERE rowid IN "
    "(SELECT rowid FROM idempotency_answers WHERE expires_at <= ?1 LIMIT ?2)";

// Search terms (?q=): (org, term, contact) once each.
inline constexpr char kInsertTerm[] =
    "INSERT INTO contact_terms (org_id, term, contact_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
inline constexpr char kDeleteTerm[] =
    "DELETE FROM contact_terms WHERE org_id = ?1 AND term = ?2 AND contact_id = ?3";

// Unlocks. Columns as read by ReadUnlock: org_id, contact_id, credits_spent, unlocked_at.
inline constexpr char kGetUnlock[] =
    "SELECT org_id, contact_id, credits_spent, unlocked_at FROM unlocks "
    "WHERE org_id = ?1 AND contact_id = ?2";
// ?2 is a JSON array of contact ids: one statement for any number of them.
inline constexpr char kListUnlocks[] =
    "SELECT org_id, contact_id, credits_spent, unlocked_at FROM unlocks "
    "WHERE org_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2))";
// ?5: the seq of its contact.unlocked event, the head of the contact's chain in the org's log.
inline constexpr char kInsertUnlock[] =
    "INSERT INTO unlocks (org_id, contact_id, credits_spent, unlocked_at, event_seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
// Changes nothing (0 rows) when the org has fewer credits than the cost, or does not exist.
inline constexpr char kDebitCredits[] =
    "UPDATE orgs SET credits = credits - ?2 WHERE id = ?1 AND credits >= ?2";

// Custom fields. Columns as read by ReadCustomField: org_id, name, type, options, created_at.
inline constexpr char kInsertCustomField[] =
    "INSERT INTO custom_fields (org_id, name, type, options, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
inline constexpr char kListCustomFields[] =
    "SELECT org_id, name, type, options, created_at FROM custom_fields "
    "WHERE org_id = ?1 ORDER BY created_at, name";
inline constexpr char kGetCustomField[] =
    "SELECT org_id, name, type, options, created_at FROM custom_fields "
    "WHERE org_id = ?1 AND name = ?2";
inline constexpr char kUpdateCustomFieldOptions[] =
    "UPDATE custom_fields SET options = ?3 WHERE org_id = ?1 AND name = ?2";
inline constexpr char kDeleteCustomField[] =
    "DELETE FROM custom_fields WHERE org_id = ?1 AND name = ?2";
// The tenant's contacts whose value at the JSON path ?2 ('$.custom_fields.tier') is one of
// the JSON array ?3 of strings.
inline constexpr char kCountContactsHoldingValues[] =
    "SELECT count(*) FROM contacts WHERE org_id = ?1 "
    "AND json_extract(doc, ?2) IN (SELECT value FROM json_each(?3))";
// A page of the tenant's contacts (archived ones too) after id ?2 that have the JSON path ?3,
// a null there included.
inline constexpr char kListContactsWithPath[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 AND json_type(doc, ?3) IS NOT NULL "
    "ORDER BY id LIMIT ?4";

// Collections of per-tenant entries. Columns as read by ReadCollectionEntry:
// org_id, collection, id, name, created_at. The counter holds the last id allocated, so a
// deleted entry's id is never given again.
inline constexpr char kCountCollectionEntries[] =
    "SELECT count(*) FROM collection_entries WHERE org_id = ?1 AND collection = ?2";
inline constexpr char kBumpCollectionCounter[] =
    "INSERT INTO collection_counters (org_id, collection, last_id) VALUES (?1, ?2, 1) "
    "ON CONFLICT (org_id, collection) DO UPDATE SET last_id = collection_counters.last_id + 1";
inline constexpr char kGetCollectionCounter[] =
    "SELECT last_id FROM collection_counters WHERE org_id = ?1 AND collection = ?2";
inline constexpr char kInsertCollectionEntry[] =
    "INSERT INTO collection_entries (org_id, collection, id, name, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr char kListCollectionEntries[] =
    "SELECT org_id, collection, id, name, created_at FROM collection_entries "
    "WHERE org_id = ?1 AND collection = ?2 ORDER BY id";
// Which of the ids in the JSON array ?3 ("[1,2]") exist.
inline constexpr char kFindCollectionIds[] =
    "SELECT id FROM collection_entries WHERE org_id = ?1 AND collection = ?2 "
    "AND id IN (SELECT value FROM json_each(?3))";
inline constexpr char kDeleteCollectionEntry[] =
    "DELETE FROM collection_entries WHERE org_id = ?1 AND collection = ?2 AND id = ?3";

// Deleting an org: everything it owns, table by table (its contacts and log: change_log.cpp).
inline constexpr char kDeleteOrgContactKeys[] = "DELETE FROM contact_keys WHERE org_id = ?1";
inline constexpr char kDeleteOrgApiKeys[] = "DELETE FROM api_keys WHERE org_id = ?1";
inline constexpr char kDeleteOrgCustomFields[] = "DELETE FROM custom_fields WHERE org_id = ?1";
inline constexpr char kDeleteOrgCollectionEntries[] =
    "DELETE FROM collection_entries WHERE org_id = ?1";
inline constexpr char kDeleteOrgCollectionCounters[] =
    "DELETE FROM collection_counters WHERE org_id = ?1";
inline constexpr char kDeleteOrgUnlocks[] = "DELETE FROM unlocks WHERE org_id = ?1";
inline constexpr char kDeleteOrgTerms[] = "DELETE FROM contact_terms WHERE org_id = ?1";
inline constexpr char kDeleteOrgAnswers[] = "DELETE FROM idempotency_answers WHERE org_id = ?1";
inline constexpr char kDeleteOrgWebhooks[] = "DELETE FROM webhook_endpoints WHERE org_id = ?1";
inline constexpr char kDeleteOrgDeliveries[] = "DELETE FROM webhook_deliveries WHERE org_id = ?1";
inline constexpr char kDeleteOrgAttempts[] = "DELETE FROM webhook_attempts WHERE org_id = ?1";
inline constexpr char kDeleteOrg[] = "DELETE FROM orgs WHERE id = ?1";

// Server-wide settings.
inline constexpr char kInsertSettingIfAbsent[] =
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
inline constexpr char kGetSetting[] = "SELECT value FROM settings WHERE name = ?1";

// The credentials version (see Store::CredentialsVersion): bumped by every revoke, in its
// transaction; 0 until the first.
inline constexpr char kBumpCredentialsVersion[] =
    "INSERT INTO settings (name, value) VALUES ('credentials_version', '1') "
    "ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1";
inline constexpr char kGetCredentialsVersion[] =
    "SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'credentials_version'";
// For /metrics (Store::ReadEventLogState): the log's newest and oldest events by seq (the
// rowid: each one lookup) and the parked webhook deliveries (webhook_deliveries_due, partial:
// as many entries as are pending).
inline constexpr char kEventLogState[] =
    "SELECT (SELECT seq FROM events ORDER BY seq DESC LIMIT 1), "
    "(SELECT occurred_at FROM events ORDER BY seq DESC LIMIT 1), "
    "(SELECT seq FROM events ORDER BY seq LIMIT 1), "
    "(SELECT occurred_at FROM events ORDER BY seq LIMIT 1), "
    "(SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'), "
    "(SELECT min(created_at) FROM webhook_deliveries WHERE state = 'pending')";

// Changes, on this connection, whenever another connection has committed since the last call.
inline constexpr char kDataVersion[] = "PRAGMA data_version";

}  // namespace contactsd::store::sqlite::sql
#undef CONTACTSD_DOC_HAS
