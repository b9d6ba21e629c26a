#include "store/postgres/rows.hpp"

#include <string>

namespace contactsd::store::postgres {

Org ReadOrg(const Rows& rows, int row) {
  Org org;
  org.id = rows.Text(row, 0);
  org.name = rows.Text(row, 1);
  org.plan = rows.Text(row, 2);
  org.credits = rows.Int8(row, 3);
  org.created_at_ms = rows.Int8(row, 4);
  return org;
}

ApiKey ReadApiKey(const Rows& rows, int row) {
  ApiKey key;
  key.org_id = rows.Text(row, 0);
  key.id = rows.Text(row, 1);
  key.name = rows.Text(row, 2);
  key.prefix = rows.Text(row, 3);
  key.created_at_ms = rows.Int8(row, 4);
  key.revoked_at_ms = rows.OptionalInt8(row, 5);
  key.scope = rows.Text(row, 6);
  key.expires_at_ms = rows.OptionalInt8(row, 7);
  key.last_used_at_ms = rows.OptionalInt8(row, 8);
  return key;
}

Contact ReadContact(const Rows& rows, int row) {
  Contact contact;
  contact.org_id = rows.Text(row, 0);
  contact.id = rows.Text(row, 1);
  contact.doc = rows.Text(row, 2);
  contact.version = rows.Int8(row, 3);
  contact.created_at_ms = rows.Int8(row, 4);
  contact.updated_at_ms = rows.Int8(row, 5);
  contact.archived_at_ms = rows.OptionalInt8(row, 6);
  contact.archived_by = rows.Text(row, 7);  // NULL reads as ""
  return contact;
}

CustomField ReadCustomField(const Rows& rows, int row) {
  CustomField field;
  field.org_id = rows.Text(row, 0);
  field.name = rows.Text(row, 1);
  field.type = rows.Text(row, 2);
  field.options_json = rows.Text(row, 3);
  field.created_at_ms = rows.Int8(row, 4);
  return field;
}

Unlock ReadUnlock(const Rows& rows, int row) {
  Unlock unlock;
  unlock.org_id = rows.Text(row, 0);
  unlock.contact_id = rows.Text(row, 1);
  unlock.credits_spent = rows.Int8(row, 2);
  unlock.unlocked_at_ms = rows.Int8(row, 3);
  return unlock;
}

CollectionEntry ReadCollectionEntry(const Rows& rows, int row) {
  CollectionEntry entry;
  entry.org_id = rows.Text(row, 0);
  entry.collection = rows.Text(row, 1);
  entry.id = rows.Int8(row, 2);
  entry.name = rows.Text(row, 3);
  entry.created_at_ms = rows.Int8(row, 4);
  return entry;
}

}  // namespace contactsd::store::postgres
