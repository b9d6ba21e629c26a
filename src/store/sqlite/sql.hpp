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

// API keys. Columns as read by ReadApiKey: org_id, id, name, prefix, created_at, revoked_at.
inline constexpr char kInsertApiKey[] =
    "INSERT INTO api_keys (org_id, id, name, prefix, key_hash, created_at, revoked_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";
inline constexpr char kListApiKeys[] =
    "SELECT org_id, id, name, prefix, created_at, revoked_at FROM api_keys "
    "WHERE org_id = ?1 ORDER BY created_at, id";
inline constexpr char kRevokeApiKey[] =
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
inline constexpr char kGetApiKeyById[] =
    "SELECT org_id, id, name, prefix, created_at, revoked_at FROM api_keys "
    "WHERE id = ?1 ORDER BY org_id LIMIT 1";
inline constexpr char kFindActiveApiKeyByHash[] =
    "SELECT k.org_id, k.id, k.name, k.prefix, k.created_at, k.revoked_at "
    "FROM api_keys AS k JOIN orgs AS o ON o.id = k.org_id "
    "WHERE k.key_hash = ?1 AND k.revoked_at IS NULL";

// Contacts. Columns as read by ReadContact:
// org_id, id, doc, version, created_at, updated_at, archived_at, archived_by.
inline constexpr char kInsertContact[] =
    "INSERT INTO contacts (org_id, id, doc, version, created_at, updated_at, archived_at, "
    "archived_by) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";
inline constexpr char kGetContact[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id = ?2";
inline constexpr char kListContacts[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
inline constexpr char kListActiveContacts[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 AND archived_at IS NULL ORDER BY id LIMIT ?3";
// Up to three document filters; a NULL path turns its slot off. json_each() yields the items
// of an array and the value itself for a scalar, so one test serves both kinds of field.
inline constexpr char kListContactsFiltered[] =
    "SELECT org_id, id, doc, version, created_at, updated_at, archived_at, archived_by "
    "FROM contacts WHERE org_id = ?1 AND id > ?2 AND (?4 OR archived_at IS NULL) "
    "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM json_each(contacts.doc, ?5) WHERE value = ?6)) "
    "AND (?7 IS NULL OR EXISTS (SELECT 1 FROM json_each(contacts.doc, ?7) WHERE value = ?8)) "
    "AND (?9 IS NULL OR EXISTS (SELECT 1 FROM json_each(contacts.doc, ?9) WHERE value = ?10)) "
    "ORDER BY id LIMIT ?3";
inline constexpr char kUpdateContact[] =
    "UPDATE contacts SET doc = ?3, version = version + 1, updated_at = ?4, archived_at = ?5, "
    "archived_by = ?6 WHERE org_id = ?1 AND id = ?2";

// Unique keys of active contacts.
inline constexpr char kListContactKeys[] =
    "SELECT key_name, key_value FROM contact_keys WHERE org_id = ?1 AND contact_id = ?2";
inline constexpr char kInsertContactKey[] =
    "INSERT INTO contact_keys (org_id, key_name, key_value, contact_id) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT DO NOTHING";
inline constexpr char kDeleteContactKey[] =
    "DELETE FROM contact_keys "
    "WHERE org_id = ?1 AND key_name = ?2 AND key_value = ?3 AND contact_id = ?4";

// Custom fields. Columns as read by ReadCustomField: org_id, name, type, options, created_at.
inline constexpr char kInsertCustomField[] =
    "INSERT INTO custom_fields (org_id, name, type, options, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
inline constexpr char kListCustomFields[] =
    "SELECT org_id, name, type, options, created_at FROM custom_fields "
    "WHERE org_id = ?1 ORDER BY created_at, name";

// Server-wide settings.
inline constexpr char kInsertSettingIfAbsent[] =
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
inline constexpr char kGetSetting[] = "SELECT value FROM settings WHERE name = ?1";

}  // namespace contactsd::store::sqlite::sql
