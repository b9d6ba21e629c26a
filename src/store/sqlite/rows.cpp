#include "store/sqlite/rows.hpp"

#include <string>

namespace contactsd::store::sqlite {

Org ReadOrg(const Statement& row) {
  Org org;
  org.id = row.Text(0);
  org.name = row.Text(1);
  org.plan = row.Text(2);
  org.credits = row.Int64(3);
  org.created_at_ms = row.Int64(4);
  return org;
}

ApiKey ReadApiKey(const Statement& row) {
  ApiKey key;
  key.org_id = row.Text(0);
  key.id = row.Text(1);
  key.name = row.Text(2);
  key.prefix = row.Text(3);
  key.created_at_ms = row.Int64(4);
  key.revoked_at_ms = row.OptionalInt64(5);
  key.scope = row.Text(6);
  key.expires_at_ms = row.OptionalInt64(7);
  key.last_used_at_ms = row.OptionalInt64(8);
  return key;
}

Contact ReadContact(const Statement& row) {
  Contact contact;
  contact.org_id = row.Text(0);
  contact.id = row.Text(1);
  contact.doc = row.Text(2);
  contact.version = row.Int64(3);
  contact.created_at_ms = row.Int64(4);
  contact.updated_at_ms = row.Int64(5);
  contact.archived_at_ms = row.OptionalInt64(6);
  contact.archived_by = row.Text(7);
  return contact;
}

CustomField ReadCustomField(const Statement& row) {
  CustomField field;
  field.org_id = row.Text(0);
  field.name = row.Text(1);
  field.type = row.Text(2);
  field.options_json = row.Text(3);
  field.created_at_ms = row.Int64(4);
  return field;
}

Unlock ReadUnlock(const Statement& row) {
  Unlock unlock;
  unlock.org_id = row.Text(0);
  unlock.contact_id = row.Text(1);
  unlock.credits_spent = row.Int64(2);
  unlock.unlocked_at_ms = row.Int64(3);
  return unlock;
}

CollectionEntry ReadCollectionEntry(const Statement& row) {
  CollectionEntry entry;
  entry.org_id = row.Text(0);
  entry.collection = row.Text(1);
  entry.id = row.Int64(2);
  entry.name = row.Text(3);
  entry.created_at_ms = row.Int64(4);
  return entry;
}

}  // namespace contactsd::store::sqlite
