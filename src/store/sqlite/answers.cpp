#include "store/sqlite/answers.hpp"

#include "store/sqlite/sql.hpp"
#include "store/sqlite/statement.hpp"

#include <string>
#include <utility>

namespace contactsd::store::sqlite {

Status InsertAnswer(Connection& writer, const StoredAnswer& answer) {
  auto stmt = writer.Prepare(sql::kInsertAnswer);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, answer.org_id).Bind(2, answer.key).Bind(3, answer.fingerprint);
  stmt->Bind(4, std::int64_t{answer.status}).Bind(5, answer.headers).Bind(6, answer.body);
  stmt->Bind(7, answer.created_at_ms).Bind(8, answer.expires_at_ms);
  auto rows = stmt->Exec();
  if (!rows) return std::move(rows).error();
  if (*rows == 0) {
    return Error::Conflict("A request with this Idempotency-Key has just been answered",
                           "idempotency_key_in_use");
  }
  return {};
}

StoredAnswer ReadAnswer(const Statement& row) {
  StoredAnswer answer;
  answer.key = std::string(row.Text(0));
  answer.fingerprint = std::string(row.Text(1));
  answer.status = static_cast<int>(row.Int64(2));
  answer.headers = std::string(row.Text(3));
  answer.body = std::string(row.Text(4));
  answer.created_at_ms = row.Int64(5);
  answer.expires_at_ms = row.Int64(6);
  return answer;
}

}  // namespace contactsd::store::sqlite
