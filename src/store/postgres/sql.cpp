#include "store/postgres/sql.hpp"

#include "store/postgres/sql_columns.hpp"

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {
namespace {

// Columns of SELECTs, in the order rows.cpp reads them.
#define CONTACTSD_CONTACT_COLUMNS \
  "org_id, id, doc, version, created_at, updated_at, archived_at, archived_by"

// The items of the document's `field` (the field itself unless it is an array) of which one is
// the string `text` or, when `integer` is not NULL, the number `integer`. `d.j` is the document
// as json (see CONTACTSD_DOC_JSON).
#define CONTACTSD_DOC_HAS(field, text, number)                                   \
  "SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(d.j -> " field        \
  ") = 'array' THEN d.j -> " field " ELSE json_build_array(d.j -> " field        \
  ") END) AS e(v) WHERE CASE WHEN " number                                       \
  " IS NULL THEN json_typeof(v) IN ('string', 'boolean') AND v #>> '{}' = " text \
  " ELSE json_typeof(v) = 'number' AND (v #>> '{}')::numeric = (" number ")::numeric END"

// The document as json. PostgreSQL's JSON functions refuse a string with an escaped NUL
// (\u0000: text cannot hold NUL), so such a document is read with each \u0000 turned into
// \uffff first, a noncharacter that no filter holds: such a string then matches no filter, as on
// SQLite, where a string with a NUL equals no filter text either. The escaped backslashes are
// set aside (as \x01, which JSON text never holds raw) so that "\\u0000" is left alone.
#define CONTACTSD_DOC_JSON                                                                      \
  R"sql((CASE WHEN strpos(doc, E'\\u0000') = 0 THEN doc ELSE replace(replace(replace(doc, )sql" \
  R"sql(E'\\\\', E'\x01'), E'\\u0000', E'\\uffff'), E'\x01', E'\\\\') END)::json)sql"

// A contact's log lock (see lock_contact_log): an advisory lock, which takes no transaction id.
#define CONTACTSD_CONTACT_LOG_LOCK(org, id) \
  "pg_advisory_xact_lock(hashtextextended(" org " || '/' || " id ", 0))"

// The event of an update whose CTE `u` returned the new version and created_at.
#define CONTACTSD_UPDATE_EVENT                                             \
  "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS                    \
  ") "                                                                     \
  "SELECT $1, $7, $4, $2, $8, $9, $10, u.version, $3, $11, u.created_at, " \
  "$4, $5, $6 FROM u"
// Indexed by Sql: the static_assert below checks that each entry sits at its own index.
constexpr std::array<StatementDef, static_cast<std::size_t>(Sql::kInsertEvent)> kStatements = {{
    {Sql::kBegin, "begin", "BEGIN", "", false},
    {Sql::kCommit, "commit", "COMMIT", "", true},
    {Sql::kRollback, "rollback", "ROLLBACK", "", false},
    // One operation of a batch (Store::WriteContacts), undone alone when it fails.
    {Sql::kSavepointOp, "savepoint_op", "SAVEPOINT op", "", false},
    {Sql::kRollbackToOp, "rollback_to_op", "ROLLBACK TO SAVEPOINT op", "", false},
    {Sql::kReleaseOp, "release_op", "RELEASE SAVEPOINT op", "", false},

    // Orgs. Columns as read by ReadOrg: id, name, plan, credits, created_at.
    {Sql::kInsertOrg, "insert_org",
     "INSERT INTO orgs (id, name, plan, credits, created_at) VALUES ($1, $2, $3, $4, $5) "
     "ON CONFLICT DO NOTHING",
     "tttii", true},
    {Sql::kGetOrg, "get_org", "SELECT id, name, plan, credits, created_at FROM orgs WHERE id = $1",
     "t", false},

    // API keys. Columns as read by ReadApiKey: org_id, id, name, prefix, created_at,
    // revoked_at, scope, expires_at, last_used_at.
    {Sql::kInsertApiKey, "insert_api_key",
     "INSERT INTO api_keys (org_id, id, name, prefix, key_hash, created_at, revoked_at, scope, "
     "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
     "tttttiiti", true},
    {Sql::kListApiKeys, "list_api_keys",
     "SELECT org_id, id, name, prefix, created_at, revoked_at, scope, expires_at, last_used_at "
     "FROM api_keys WHERE org_id = $1 ORDER BY created_at, id",
     "t", false},
    // A revoke that revoked something tells every server's CredentialsListener
    // (credentials_listener.hpp); PostgreSQL delivers the notification at commit.
    {Sql::kRevokeApiKey, "revoke_api_key",
     "WITH revoked AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL "
     "RETURNING id) SELECT pg_notify('contactsd_credentials', id) FROM revoked",
     "ti", true},
    {Sql::kGetApiKeyById, "get_api_key_by_id",
     "SELECT org_id, id, name, prefix, created_at, revoked_at, scope, expires_at, last_used_at "
     "FROM api_keys WHERE id = $1 ORDER BY org_id LIMIT 1",
     "t", false},
    {Sql::kFindActiveApiKeyByHash, "find_active_api_key_by_hash",
     "SELECT k.org_id, k.id, k.name, k.prefix, k.created_at, k.revoked_at, k.scope, "
     "k.expires_at, k.last_used_at "
     "FROM api_keys AS k JOIN orgs AS o ON o.id = k.org_id "
     "WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
     "t", false},
    // A later use only: flushes from several servers may arrive in any order. Arrays of ids
    // and times, one statement for the whole flush.
    {Sql::kTouchApiKeys, "touch_api_keys",
     "UPDATE api_keys AS k SET last_used_at = u.at "
     "FROM unnest($1::text[], $2::bigint[]) AS u(id, at) "
     "WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)",
     "tt", true},

    // Contacts. Columns as read by ReadContact: org_id, id, doc, version, created_at,
    // updated_at, archived_at, archived_by. A taken id fails with unique_violation (23505).
    // Every statement that writes a contact appends its event in the same statement (a CTE):
    // the change and its event are one atomic step, and no write of a contact exists without
    // one (sql_test.cpp checks the catalogue). $8 is the event type; $9-$11 the origin (actor
    // type, actor id, request id). The event's row counts as the statement's affected row.
    {Sql::kInsertContact, "insert_contact",
     "WITH c AS (INSERT INTO contacts (" CONTACTSD_CONTACT_COLUMNS
     ") VALUES ($1, $2, $3, 1, $4, $5, $6, $7) RETURNING 1) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, $8, $4, $2, $9, $10, $11, 1, $3, NULL, $4, $5, $6, $7 FROM c",
     "tttiiit"
     "tttt",
     true},
    {Sql::kGetContact, "get_contact",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts WHERE org_id = $1 AND id = $2", "tt",
     false},
    // The contact, locked for the rest of the transaction.
    {Sql::kLockContact, "lock_contact",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts WHERE org_id = $1 AND id = $2 FOR UPDATE",
     "tt", false},
    {Sql::kListContacts, "list_contacts",
     "SELECT " CONTACTSD_CONTACT_COLUMNS
     " FROM contacts WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
     "tti", false},
    {Sql::kListActiveContacts, "list_active_contacts",
     "SELECT " CONTACTSD_CONTACT_COLUMNS
     " FROM contacts WHERE org_id = $1 AND id > $2 AND archived_at IS NULL ORDER BY id LIMIT $3",
     "tti", false},
    // Up to three document filters ($5-$7, $8-$10, $11-$13: field, text, integer); a NULL field
    // turns its slot off. Like SQLite's json_each(doc, '$.field'), an array field is searched
    // item by item and a scalar field is its one item; a text filter matches JSON strings, an
    // integer filter JSON numbers. json, not jsonb: parsing is validation only.
    // clang-format off
    {Sql::kListContactsFiltered, "list_contacts_filtered",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND id > $2 AND ($4 = 1 OR archived_at IS NULL) "
     "AND ($5 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$5", "$6", "$7") ")) "
     "AND ($8 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$8", "$9", "$10") ")) "
     "AND ($11 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$11", "$12", "$13") ")) "
     "AND ($14::bigint IS NULL OR updated_at >= $14) "
     "ORDER BY id LIMIT $3",
     "ttii" "ttt" "ttt" "ttt" "i", false},
    // The same filters in the order a sync reads: (updated_at, id) after ($2, $14).
    // Two sources (PostgresStore::ListContacts): the contacts last changed before $15 (the time
    // retention has pruned the log to), by a scan of the tenant's contacts; the others from the
    // log, each contact at its latest event (its version), in the log's time index.
    {Sql::kListContactsByUpdate, "list_contacts_by_update",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND (updated_at, id) > ($2, $14) AND updated_at < $15 "
     "AND ($4 = 1 OR archived_at IS NULL) "
     "AND ($5 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$5", "$6", "$7") ")) "
     "AND ($8 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$8", "$9", "$10") ")) "
     "AND ($11 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$11", "$12", "$13") ")) "
     "ORDER BY updated_at, id LIMIT $3",
     "tiii" "ttt" "ttt" "ttt" "ti", false},
    {Sql::kListLatestChanges, "list_latest_changes",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM (SELECT c.org_id, c.id, c.doc, c.version, "
     "c.created_at, c.updated_at, c.archived_at, c.archived_by, e.occurred_at AS at, "
     "e.contact_id AS cid FROM events AS e JOIN contacts "
     "AS c ON c.org_id = e.org_id AND c.id = e.contact_id AND c.version = e.version "
     "WHERE e.org_id = $1 AND (e.occurred_at, e.contact_id) > ($2, $14) "
     "AND ($4 = 1 OR c.archived_at IS NULL)) AS contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE ($5 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$5", "$6", "$7") ")) "
     "AND ($8 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$8", "$9", "$10") ")) "
     "AND ($11 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$11", "$12", "$13") ")) "
     "ORDER BY at, cid LIMIT $3",
     "tiii" "ttt" "ttt" "ttt" "t", false},
    // clang-format on
    // $7 the event type, $8-$10 the origin, $11 the event's prior.
    {Sql::kUpdateContact, "update_contact",
     "WITH u AS (UPDATE contacts SET doc = $3, version = version + 1, updated_at = $4, "
     "archived_at = $5, archived_by = $6 WHERE org_id = $1 AND id = $2 "
     "RETURNING version, created_at) " CONTACTSD_UPDATE_EVENT,
     "tttiit"
     "tttt"
     "t",
     true},
    // update_contact if the version is still $12 (autocommit: the optimistic write), the
    // contact's log lock taken first (lock_contact_log): the join makes it precede the row's
    // update, and so the transaction id the update takes.
    {Sql::kUpdateContactAtVersion, "update_contact_at_version",
     "WITH l AS MATERIALIZED (SELECT " CONTACTSD_CONTACT_LOG_LOCK(
         "$1", "$2") " AS locked), "
                     "u AS (UPDATE contacts SET doc = $3, version = version + 1, updated_at = $4, "
                     "archived_at = $5, archived_by = $6 FROM l WHERE org_id = $1 AND id = $2 AND "
                     "version = $12 "
                     "RETURNING version, created_at) " CONTACTSD_UPDATE_EVENT,
     "tttiit"
     "tttt"
     "t"
     "i",
     true},
    // A contact's log lock: the first thing a transaction that writes a contact's event does,
    // before anything gives it a transaction id. The feed orders by that id (docs/events.md);
    // taken once the previous writer of the contact has committed, it is higher than that
    // writer's, so a contact's events are in the feed in the order they were committed.
    {Sql::kLockContactLog, "lock_contact_log", "SELECT " CONTACTSD_CONTACT_LOG_LOCK("$1", "$2"),
     "tt", false},
    // Unique keys of active contacts. A key another contact holds fails with unique_violation.
    {Sql::kInsertContactKey, "insert_contact_key",
     "INSERT INTO contact_keys (org_id, key_name, key_value, contact_id) "
     "VALUES ($1, $2, $3, $4)",
     "tttt", true},
    // The keys a contact holds. Read in a statement of its own after lock_contact (not joined
    // to it): a statement that waited for the row lock sees the locked row's newest version,
    // but joined rows only as of its start, which would miss keys the previous holder of the
    // lock wrote.
    {Sql::kListContactKeys, "list_contact_keys",
     "SELECT key_name, key_value FROM contact_keys WHERE org_id = $1 AND contact_id = $2", "tt",
     false},
    // Who holds a key (a conflict's answer names it).
    {Sql::kFindKeyHolder, "find_key_holder",
     "SELECT contact_id FROM contact_keys "
     "WHERE org_id = $1 AND key_name = $2 AND key_value = $3",
     "ttt", false},
    // The active contact that holds a unique key.
    {Sql::kGetContactByKey, "get_contact_by_key",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts WHERE org_id = $1 AND id = "
     "(SELECT contact_id FROM contact_keys WHERE org_id = $1 AND key_name = $2 AND key_value = $3)",
     "ttt", false},
    {Sql::kDeleteContactKey, "delete_contact_key",
     "DELETE FROM contact_keys "
     "WHERE org_id = $1 AND key_name = $2 AND key_value = $3 AND contact_id = $4",
     "tttt", true},

    // Unlocks. Columns as read by ReadUnlock: org_id, contact_id, credits_spent, unlocked_at.
    // The insert returns its row only when it inserted one: a concurrent insert of the same
    // (org, contact) waits for the first to commit or roll back, then does nothing.
    {Sql::kInsertUnlock, "insert_unlock",
     "INSERT INTO unlocks (org_id, contact_id, credits_spent, unlocked_at) "
     "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING "
     "RETURNING org_id, contact_id, credits_spent, unlocked_at",
     "ttii", true},
    {Sql::kGetUnlock, "get_unlock",
     "SELECT org_id, contact_id, credits_spent, unlocked_at FROM unlocks "
     "WHERE org_id = $1 AND contact_id = $2",
     "tt", false},
    // $2 is a JSON array of contact ids: one prepared statement for any number of them.
    {Sql::kListUnlocks, "list_unlocks",
     "SELECT org_id, contact_id, credits_spent, unlocked_at FROM unlocks "
     "WHERE org_id = $1 AND contact_id IN (SELECT json_array_elements_text($2::json))",
     "tt", false},
    // No row when the org has fewer credits than the cost (or does not exist). A concurrent
    // debit of the same org waits for the row lock, then re-checks the condition on the
    // balance the other one left.
    {Sql::kDebitCredits, "debit_credits",
     "UPDATE orgs SET credits = credits - $2 WHERE id = $1 AND credits >= $2 RETURNING credits",
     "ti", true},

    // Custom fields. Columns as read by ReadCustomField: org_id, name, type, options, created_at.
    // A new definition appends its "custom_field.created" event (doc $6; origin $7-$9).
    {Sql::kInsertCustomField, "insert_custom_field",
     "WITH f AS (INSERT INTO custom_fields (org_id, name, type, options, created_at) "
     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, 'custom_field.created', $5, NULL, $7, $8, $9, 1, $6, NULL, $5, $5, NULL, NULL "
     "FROM f",
     "tttti"
     "tttt",
     true},
    {Sql::kListCustomFields, "list_custom_fields",
     "SELECT org_id, name, type, options, created_at FROM custom_fields "
     "WHERE org_id = $1 ORDER BY created_at, name",
     "t", false},
    // The definitions named in the array literal $2 ('{tier,plan}'), share-locked until the
    // write checked against them commits (custom_field_lock.hpp).
    {Sql::kLockCustomFields, "lock_custom_fields",
     "SELECT org_id, name, type, options, created_at FROM custom_fields "
     "WHERE org_id = $1 AND name = ANY($2::text[]) FOR SHARE",
     "tt", false},
    // New options for field $2 ($3), with its "custom_field.updated" event (doc $4, at $5;
    // origin $6-$8). No row: no such field.
    {Sql::kUpdateCustomField, "update_custom_field",
     "WITH f AS (UPDATE custom_fields SET options = $3 WHERE org_id = $1 AND name = $2 "
     "RETURNING created_at) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, 'custom_field.updated', $5, NULL, $6, $7, $8, 1, $4, NULL, f.created_at, $5, "
     "NULL, NULL FROM f",
     "tttti"
     "ttt",
     true},
    // The tenant's contacts whose value $3 of their object $2 is one of the strings $4 (a
    // text[] literal).
    {Sql::kCountContactsHoldingValues, "count_contacts_holding_values",
     "SELECT count(*) FROM contacts, LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND (d.j -> $2 ->> $3) = ANY($4::text[])",
     "tttt", false},
    // clang-format off
    // The log locks (lock_contact_logs) of every contact that has a value $3 in its object $2,
    // read without a row lock: taken before anything gives the transaction its id.
    {Sql::kLockLogsOfContactsWithValue, "lock_logs_of_contacts_with_value",
     "SELECT count(" CONTACTSD_CONTACT_LOG_LOCK("$1", "c.id") ") FROM (SELECT id FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND d.j -> $2 -> $3 IS NOT NULL "
     "ORDER BY hashtextextended($1 || '/' || id, 0)) AS c",
     "ttt", false},
    // clang-format on
    // Deletes field $2 with its "custom_field.deleted" event (doc $3, at $4; origin $5-$7).
    // No row: no such field.
    {Sql::kDeleteCustomField, "delete_custom_field",
     "WITH f AS (DELETE FROM custom_fields WHERE org_id = $1 AND name = $2 RETURNING created_at) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, 'custom_field.deleted', $4, NULL, $5, $6, $7, 1, $3, NULL, f.created_at, $4, "
     "NULL, NULL FROM f",
     "ttti"
     "ttt",
     true},
    // A page of the tenant's contacts after id $2 that have a value $4 in their object $3 (a
    // null included), locked.
    {Sql::kLockContactsWithValue, "lock_contacts_with_value",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND id > $2 AND d.j -> $3 -> $4 IS NOT NULL "
     "ORDER BY id LIMIT $5 FOR UPDATE OF contacts",
     "tttti", false},

    // Server-wide settings.
    {Sql::kInsertSettingIfAbsent, "insert_setting_if_absent",
     "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING", "tt", true},
    {Sql::kGetSetting, "get_setting", "SELECT value FROM settings WHERE name = $1", "t", false},

    // A page of the tenant's contacts (archived ones too) whose field $3 holds the integer $4,
    // locked for the rest of the transaction, in id order.
    // clang-format off
    {Sql::kLockContactsHolding, "lock_contacts_holding",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND id > $2 "
     "AND EXISTS (" CONTACTSD_DOC_HAS("$3", "NULL::text", "$4") ") "
     "ORDER BY id LIMIT $5 FOR UPDATE OF contacts",
     "tttii", false},
    // The log locks (lock_contact_logs) of every contact whose field $2 holds the integer $3,
    // read without a row lock: taken before anything gives the transaction its id.
    {Sql::kLockLogsOfContactsHolding, "lock_logs_of_contacts_holding",
     "SELECT count(" CONTACTSD_CONTACT_LOG_LOCK("$1", "c.id") ") FROM (SELECT id FROM contacts, "
     "LATERAL (SELECT " CONTACTSD_DOC_JSON " AS j) AS d "
     "WHERE org_id = $1 AND EXISTS (" CONTACTSD_DOC_HAS("$2", "NULL::text", "$3") ") "
     "ORDER BY hashtextextended($1 || '/' || id, 0)) AS c",
     "tti", false},
    // clang-format on

    // Erasure: after lock_contact_log and the keys, the contact and every event of it (in its
    // tenant's log and the unlocking orgs'), and its "contact.erased" event (no values), in one
    // statement; the erased event is its affected row.
    {Sql::kDeleteContactKeysOf, "delete_contact_keys_of",
     "DELETE FROM contact_keys WHERE org_id = $1 AND contact_id = $2", "tt", true},
    // Search terms (?q=): (org, term, contact) once each. The terms are "C"-collated, so a
    // prefix is a byte range: [$4, $5) in kListBySearch, read through the primary key first.
    {Sql::kInsertTerm, "insert_term",
     "INSERT INTO contact_terms (org_id, term, contact_id) VALUES ($1, $2, $3) "
     "ON CONFLICT DO NOTHING",
     "ttt", true},
    // Many rows in one statement (an atomic batch of creates, PostgresStore::InsertAll): each
    // column of the rows a text[] (or int8[]) parameter, in PostgreSQL's array text form.
    {Sql::kInsertTerms, "insert_terms",
     "INSERT INTO contact_terms (org_id, term, contact_id) "
     "SELECT $1, t.term, t.contact FROM unnest($2::text[], $3::text[]) AS t(term, contact) "
     "ON CONFLICT DO NOTHING",
     "ttt", true},
    {Sql::kInsertContactKeys, "insert_contact_keys",
     "INSERT INTO contact_keys (org_id, key_name, key_value, contact_id) "
     "SELECT $1, k.name, k.value, k.contact "
     "FROM unnest($2::text[], $3::text[], $4::text[]) AS k(name, value, contact)",
     "tttt", true},
    // The contacts and their created events, in the rows' order (the events' seq follows it).
    {Sql::kInsertContacts, "insert_contacts",
     "WITH c AS (INSERT INTO contacts (" CONTACTSD_CONTACT_COLUMNS
     ") SELECT $1, u.id, u.doc, 1, u.created, u.updated, NULL, NULL "
     "FROM unnest($2::text[], $3::text[], $4::int8[], $5::int8[]) WITH ORDINALITY "
     "AS u(id, doc, created, updated, n) ORDER BY u.n "
     "RETURNING id, doc, created_at, updated_at) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, 'contact.created', c.created_at, c.id, $6, $7, $8, 1, c.doc, NULL, "
     "c.created_at, c.updated_at, NULL, NULL FROM c ORDER BY c.id",
     "tttttttt", true},
    {Sql::kDeleteTerm, "delete_term",
     "DELETE FROM contact_terms WHERE org_id = $1 AND term = $2 AND contact_id = $3", "ttt", true},
    // MATERIALIZED: the matching terms first, whatever the plan thinks of the parameters (a
    // prepared statement's generic plan might otherwise walk the tenant's contacts by id).
    {Sql::kListBySearch, "list_by_search",
     "WITH m AS MATERIALIZED (SELECT DISTINCT contact_id FROM contact_terms "
     "WHERE org_id = $1 AND term >= $4 AND term < $5 AND contact_id > $2) "
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM m JOIN contacts ON contacts.org_id = $1 "
     "AND contacts.id = m.contact_id WHERE ($6 = 1 OR archived_at IS NULL) ORDER BY id LIMIT $3",
     "ttitti", false},
    {Sql::kEraseContact, "erase_contact",
     "WITH gone AS (DELETE FROM contacts WHERE org_id = $1 AND id = $2 RETURNING id), "
     "log AS (DELETE FROM events WHERE contact_id = $2 AND org_id IN "
     "(SELECT $1 UNION SELECT org_id FROM unlocks WHERE contact_id = $2) "
     "AND EXISTS (SELECT 1 FROM gone)), "
     // Its webhook deliveries hold its events as rendered, in any tenant's endpoints.
     "hooks AS (DELETE FROM webhook_deliveries WHERE contact_id = $2 "
     "AND EXISTS (SELECT 1 FROM gone)) "
     "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS ") "
     "SELECT $1, 'contact.erased', $3, $2, $4, $5, $6, 0, '{}', NULL, $3, $3, NULL, NULL "
     "FROM gone",
     "ttittt", true},
    // An org and everything it owns, its log included, in one statement that answers how many
    // rows each table lost (in this order) and tells every server's CredentialsListener.
    {Sql::kDeleteOrg, "delete_org",
     "WITH c AS (DELETE FROM contacts WHERE org_id = $1 RETURNING 1), "
     "e AS (DELETE FROM events WHERE org_id = $1 RETURNING 1), "
     "h AS (DELETE FROM event_horizons WHERE org_id = $1), "
     "k AS (DELETE FROM contact_keys WHERE org_id = $1 RETURNING 1), "
     "a AS (DELETE FROM api_keys WHERE org_id = $1 RETURNING 1), "
     "f AS (DELETE FROM custom_fields WHERE org_id = $1 RETURNING 1), "
     "ce AS (DELETE FROM collection_entries WHERE org_id = $1 RETURNING 1), "
     "cc AS (DELETE FROM collection_counters WHERE org_id = $1 RETURNING 1), "
     "u AS (DELETE FROM unlocks WHERE org_id = $1 RETURNING 1), "
     "i AS (DELETE FROM idempotency_answers WHERE org_id = $1 RETURNING 1), "
     "t AS (DELETE FROM contact_terms WHERE org_id = $1 RETURNING 1), "
     "we AS (DELETE FROM webhook_endpoints WHERE org_id = $1 RETURNING 1), "
     "wd AS (DELETE FROM webhook_deliveries WHERE org_id = $1 RETURNING 1), "
     "wa AS (DELETE FROM webhook_attempts WHERE org_id = $1 RETURNING 1), "
     "o AS (DELETE FROM orgs WHERE id = $1 RETURNING 1) "
     "SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM e), (SELECT count(*) FROM k), "
     "(SELECT count(*) FROM a), (SELECT count(*) FROM f), (SELECT count(*) FROM ce), "
     "(SELECT count(*) FROM cc), (SELECT count(*) FROM u), (SELECT count(*) FROM i), "
     "(SELECT count(*) FROM t), (SELECT count(*) FROM we), (SELECT count(*) FROM wd), "
     "(SELECT count(*) FROM wa), (SELECT count(*) FROM o), "
     "pg_notify('contactsd_credentials', $1)",
     "t", true},

    // Idempotency answers. Columns as read by ReadAnswer: key, fingerprint, status, headers,
    // body, created_at, expires_at. An expired answer not yet pruned gives way to a new one; a
    // live one does not (no row: the key is in use).
    {Sql::kInsertAnswer, "insert_answer",
     "INSERT INTO idempotency_answers "
     "(org_id, key, fingerprint, status, headers, body, created_at, expires_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
     "ON CONFLICT (org_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
     "status = excluded.status, headers = excluded.headers, body = excluded.body, "
     "created_at = excluded.created_at, expires_at = excluded.expires_at "
     "WHERE idempotency_answers.expires_at <= excluded.created_at",
     "tttittii", true},
    {Sql::kGetAnswer, "get_answer",
     "SELECT key, fingerprint, status, headers, body, created_at, expires_at "
     "FROM idempotency_answers WHERE org_id = $1 AND key = $2 AND expires_at > $3",
     "tti", false},
    {Sql::kPruneAnswers, "prune_answers",
     "DELETE FROM idempotency_answers WHERE (org_id, key) IN (SELECT org_id, key "
     "FROM idempotency_answers WHERE expires_at <= $1 LIMIT $2)",
     "ii", true},

    // Webhooks (store/webhook_store.hpp; the schema's version 7). Endpoint columns as read by
    // ReadWebhook (postgres_store_webhooks.cpp). A tenant's creations serialize on its org row
    // (lock_org), so the count read after it is exact.
    {Sql::kLockOrg, "lock_org", "SELECT id FROM orgs WHERE id = $1 FOR UPDATE", "t", false},
}};

static_assert(ListsInEnumOrder(kStatements, Sql::kBegin),
              "kStatements must list every Sql before the change log's, in order");

#undef CONTACTSD_CONTACT_COLUMNS
#undef CONTACTSD_UPDATE_EVENT
#undef CONTACTSD_CONTACT_LOG_LOCK
#undef CONTACTSD_DOC_HAS
#undef CONTACTSD_DOC_JSON

}  // namespace

const StatementDef& Def(Sql sql) {
  if (sql >= Sql::kCountCollectionEntries) return CollectionDef(sql);
  if (sql >= Sql::kCountWebhooks) return WebhookDef(sql);
  if (sql >= Sql::kInsertEvent) return EventDef(sql);
  return kStatements[static_cast<std::size_t>(sql)];
}

}  // namespace contactsd::store::postgres
