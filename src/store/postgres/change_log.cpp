#include "store/postgres/change_log.hpp"

#include <algorithm>

namespace contactsd::store::postgres {

Query EventInsert(const Event& event) {
  Query insert(Sql::kInsertEvent);
  insert.Text(event.org_id).Text(event.type).Int8(event.occurred_at_ms);
  insert.TextOrNull(event.contact.id);
  insert.Text(event.origin.actor_type).Text(event.origin.actor_id).Text(event.origin.request_id);
  insert.Int8(event.contact.version).Text(event.contact.doc).TextOrNull(event.prior);
  insert.Int8(event.contact.created_at_ms).Int8(event.contact.updated_at_ms);
  insert.Int8(event.contact.archived_at_ms).TextOrNull(event.contact.archived_by);
  return insert;
}

Event ReadEvent(const Rows& rows, int row) {
  Event e;
  e.position.seq = rows.Int8(row, 0);
  e.org_id = rows.Text(row, 1);
  e.type = rows.Text(row, 2);
  e.occurred_at_ms = rows.Int8(row, 3);
  e.contact.id = rows.Text(row, 4);
  e.origin.actor_type = rows.Text(row, 5);
  e.origin.actor_id = rows.Text(row, 6);
  e.origin.request_id = rows.Text(row, 7);
  e.contact.version = rows.Int8(row, 8);
  e.contact.doc = rows.Text(row, 9);
  e.prior = rows.Text(row, 10);
  e.contact.created_at_ms = rows.Int8(row, 11);
  e.contact.updated_at_ms = rows.Int8(row, 12);
  e.contact.archived_at_ms = rows.OptionalInt8(row, 13);
  e.contact.archived_by = rows.Text(row, 14);
  e.position.txid = rows.Int8(row, 15);
  e.contact.org_id = e.org_id;
  return e;
}

Query RewriteUpdate(const Contact& contact, const DocChange& change, std::int64_t now_ms,
                    const ChangeOrigin& origin) {
  return Query(Sql::kUpdateContact)
      .Text(contact.org_id)
      .Text(contact.id)
      .Text(change.doc)
      .Int8(std::max(now_ms, contact.updated_at_ms))
      .Int8(contact.archived_at_ms)
      .TextOrNull(contact.archived_by)
      .Text(ChangeTypeOf(&contact, contact.archived_at_ms))
      .Text(origin.actor_type)
      .Text(origin.actor_id)
      .Text(origin.request_id)
      .TextOrNull(change.prior);
}

}  // namespace contactsd::store::postgres
