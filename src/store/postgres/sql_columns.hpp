// The events table's columns, as the catalogue's statements name them (sql.cpp, event_sql.cpp,
// webhook_sql.cpp): included by those three files only, and in one place so that they cannot
// disagree.
#pragma once

// The events table's columns as written, and as read by ReadEvent (txid as a bigint).
#define CONTACTSD_EVENT_INSERT_COLUMNS                                                 \
  "org_id, type, occurred_at, contact_id, actor_type, actor_id, request_id, version, " \
  "doc, prior, created_at, updated_at, archived_at, archived_by"
#define CONTACTSD_EVENT_COLUMNS                                                             \
  "seq, org_id, type, occurred_at, contact_id, actor_type, actor_id, request_id, version, " \
  "doc, prior, created_at, updated_at, archived_at, archived_by, (txid::text)::bigint AS txid"
