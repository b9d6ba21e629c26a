#include "store/sqlite/delivery_rows.hpp"

#include "store/sqlite/rows.hpp"
#include "store/sqlite/webhook_sql.hpp"

#include <utility>

namespace contactsd::store::sqlite {

Error NoSuchWebhook() { return Error::NotFound("Webhook endpoint not found"); }

Status InsertDelivery(Connection& writer, std::string_view org_id, std::string_view endpoint_id,
                      std::int64_t ord, const NewDelivery& delivery, std::string_view state,
                      int attempts, std::int64_t due_at_ms, std::int64_t now_ms) {
  auto insert = writer.Prepare(sql::kInsertDelivery);
  if (!insert) return std::move(insert).error();
  insert->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, ord).Bind(4, delivery.event_id);
  insert->Bind(5, delivery.contact_id).Bind(6, delivery.payload).Bind(7, state);
  insert->Bind(8, std::int64_t{attempts}).Bind(9, due_at_ms).Bind(10, now_ms);
  if (auto inserted = insert->Exec(); !inserted) return std::move(inserted).error();
  return {};
}

Result<std::int64_t> NextOrd(Connection& writer, std::string_view org_id,
                             std::string_view endpoint_id) {
  auto stmt = writer.Prepare(sql::kNextOrd);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, endpoint_id);
  auto next = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!next) return std::move(next).error();
  if (!*next) return NoSuchWebhook();
  return **next;
}

}  // namespace contactsd::store::sqlite
