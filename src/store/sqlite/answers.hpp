// Idempotency answers on SQLite: stored by the write they answer, in its transaction.
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace contactsd::store::sqlite {

class Statement;

// Stores the answer unless its org has a live one under its key: then Conflict
// "idempotency_key_in_use" (the caller's savepoint undoes its write).
Status InsertAnswer(Connection& writer, const StoredAnswer& answer);

// A row of sql::kGetAnswer.
StoredAnswer ReadAnswer(const Statement& row);

}  // namespace contactsd::store::sqlite
