#include "store/sqlite/write_transaction.hpp"

#include "store/sqlite/connection.hpp"
#include "store/sqlite/sql.hpp"

#include <sqlite3.h>

namespace contactsd::store::sqlite {

WriteTransaction::~WriteTransaction() {
  // SQLite may already have rolled back on its own (e.g. after an I/O error); only roll back
  // a transaction that is still open.
  if (open_ && sqlite3_get_autocommit(connection_.handle()) == 0) {
    if (auto rollback = connection_.Prepare(sql::kRollback)) (void)rollback->Exec();
  }
}

Status WriteTransaction::Begin() {
  auto begin = connection_.Prepare(sql::kBeginImmediate);
  if (!begin) return std::move(begin).error();
  if (auto done = begin->Exec(); !done) return std::move(done).error();
  open_ = true;
  return {};
}

Status WriteTransaction::Commit() {
  auto commit = connection_.Prepare(sql::kCommit);
  if (!commit) return std::move(commit).error();
  auto done = commit->Exec();
  if (!done) return std::move(done).error();  // the destructor rolls back
  open_ = false;
  return {};
}

}  // namespace contactsd::store::sqlite
