#include "store/postgres/sql.hpp"

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {
namespace {

// Columns of SELECTs, in the order rows.cpp reads them.
#define CONTACTSD_CONTACT_COLUMNS \
  "org_id, id, doc, version, created_at, updated_at, archived_at, archived_by"

// The items of the document's `field` (the field itself unless it is an array) of which one is
// the string `text` or, when `integer` is not NULL, the number `integer`.
#define CONTACTSD_DOC_HAS(field, text, integer)                                               \
  "SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(doc::json -> " field               \
  ") = 'array' THEN doc::json -> " field " ELSE json_build_array(doc::json -> " field         \
  ") END) AS e(v) WHERE CASE WHEN " integer                                                   \
  " IS NULL THEN json_typeof(v) = 'string' AND "                                              \
  "v #>> '{}' = " text " ELSE json_typeof(v) = 'number' AND (v #>> '{}')::numeric = " integer \
  " END"

// Indexed by Sql. A missing entry would be zero-filled: the static_assert below catches it.
constexpr std::array<StatementDef, static_cast<std::size_t>(Sql::kCount)> kStatements = {{
    {"begin", "BEGIN", "", false},
    {"commit", "COMMIT", "", true},
    {"rollback", "ROLLBACK", "", false},

    // Orgs. Columns as read by ReadOrg: id, name, plan, credits, created_at.
    {"insert_org",
     "INSERT INTO orgs (id, name, plan, credits, created_at) VALUES ($1, $2, $3, $4, $5) "
     "ON CONFLICT DO NOTHING",
     "tttii", true},
    {"get_org", "SELECT id, name, plan, credits, created_at FROM orgs WHERE id = $1", "t", false},

    // API keys. Columns as read by ReadApiKey: org_id, id, name, prefix, created_at,
    // revoked_at.
    {"insert_api_key",
     "INSERT INTO api_keys (org_id, id, name, prefix, key_hash, created_at, revoked_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
     "tttttii", true},
    {"list_api_keys",
     "SELECT org_id, id, name, prefix, created_at, revoked_at FROM api_keys "
     "WHERE org_id = $1 ORDER BY created_at, id",
     "t", false},
    {"revoke_api_key", "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
     "ti", true},
    {"get_api_key_by_id",
     "SELECT org_id, id, name, prefix, created_at, revoked_at FROM api_keys "
     "WHERE id = $1 ORDER BY org_id LIMIT 1",
     "t", false},
    {"find_active_api_key_by_hash",
     "SELECT k.org_id, k.id, k.name, k.prefix, k.created_at, k.revoked_at "
     "FROM api_keys AS k JOIN orgs AS o ON o.id = k.org_id "
     "WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
     "t", false},

    // Contacts. Columns as read by ReadContact: org_id, id, doc, version, created_at,
    // updated_at, archived_at, archived_by. A taken id fails with unique_violation (23505).
    {"insert_contact",
     "INSERT INTO contacts (" CONTACTSD_CONTACT_COLUMNS ") VALUES ($1, $2, $3, 1, $4, $5, $6, $7)",
     "tttiiit", true},
    {"get_contact",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts WHERE org_id = $1 AND id = $2", "tt",
     false},
    // The contact, locked for the rest of the transaction, with the unique keys it holds: one
    // row per key (key columns NULL when it holds none), so one round trip reads both.
    {"lock_contact_with_keys",
     "SELECT c.org_id, c.id, c.doc, c.version, c.created_at, c.updated_at, c.archived_at, "
     "c.archived_by, k.key_name, k.key_value "
     "FROM contacts AS c LEFT JOIN contact_keys AS k "
     "ON k.org_id = c.org_id AND k.contact_id = c.id "
     "WHERE c.org_id = $1 AND c.id = $2 FOR UPDATE OF c",
     "tt", false},
    {"list_contacts",
     "SELECT " CONTACTSD_CONTACT_COLUMNS
     " FROM contacts WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
     "tti", false},
    {"list_active_contacts",
     "SELECT " CONTACTSD_CONTACT_COLUMNS
     " FROM contacts WHERE org_id = $1 AND id > $2 AND archived_at IS NULL ORDER BY id LIMIT $3",
     "tti", false},
    // Up to three document filters ($5-$7, $8-$10, $11-$13: field, text, integer); a NULL field
    // turns its slot off. Like SQLite's json_each(doc, '$.field'), an array field is searched
    // item by item and a scalar field is its one item; a text filter matches JSON strings, an
    // integer filter JSON numbers. json, not jsonb: parsing is validation only, and it accepts
    // every document the service writes.
    // clang-format off
    {"list_contacts_filtered",
     "SELECT " CONTACTSD_CONTACT_COLUMNS " FROM contacts "
     "WHERE org_id = $1 AND id > $2 AND ($4 = 1 OR archived_at IS NULL) "
     "AND ($5 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$5", "$6", "$7") ")) "
     "AND ($8 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$8", "$9", "$10") ")) "
     "AND ($11 IS NULL OR EXISTS (" CONTACTSD_DOC_HAS("$11", "$12", "$13") ")) "
     "ORDER BY id LIMIT $3",
     "ttii" "tti" "tti" "tti", false},
    // clang-format on
    {"update_contact",
     "UPDATE contacts SET doc = $3, version = version + 1, updated_at = $4, archived_at = $5, "
     "archived_by = $6 WHERE org_id = $1 AND id = $2",
     "tttiit", true},

    // Unique keys of active contacts. A key another contact holds fails with unique_violation.
    {"insert_contact_key",
     "INSERT INTO contact_keys (org_id, key_name, key_value, contact_id) "
     "VALUES ($1, $2, $3, $4)",
     "tttt", true},
    {"delete_contact_key",
     "DELETE FROM contact_keys "
     "WHERE org_id = $1 AND key_name = $2 AND key_value = $3 AND contact_id = $4",
     "tttt", true},

    // Custom fields. Columns as read by ReadCustomField: org_id, name, type, options,
    // created_at.
    {"insert_custom_field",
     "INSERT INTO custom_fields (org_id, name, type, options, created_at) "
     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
     "tttti", true},
    {"list_custom_fields",
     "SELECT org_id, name, type, options, created_at FROM custom_fields "
     "WHERE org_id = $1 ORDER BY created_at, name",
     "t", false},

    // Server-wide settings.
    {"insert_setting_if_absent",
     "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING", "tt", true},
    {"get_setting", "SELECT value FROM settings WHERE name = $1", "t", false},
}};

static_assert(kStatements.back().name != nullptr, "a statement of enum Sql has no entry");

#undef CONTACTSD_CONTACT_COLUMNS
#undef CONTACTSD_DOC_HAS

}  // namespace

const StatementDef& Def(Sql sql) { return kStatements[static_cast<std::size_t>(sql)]; }

}  // namespace contactsd::store::postgres
