// WriteTransaction: BEGIN IMMEDIATE ... COMMIT on the writer connection, rolled back by the
// destructor unless committed, so every early return leaves nothing changed.
//
// IMMEDIATE takes the database's write lock at the start (waiting up to the busy timeout for
// another process), so a transaction never fails half-way for want of the lock.
#pragma once

#include "common/result.hpp"

namespace contactsd::store::sqlite {

class Connection;

class WriteTransaction {
 public:
  // REQUIRES: the caller holds `connection` exclusively for the transaction's lifetime.
  explicit WriteTransaction(Connection& connection) : connection_(connection) {}
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();

  // Errors: Unavailable when another process holds the write lock past the busy timeout.
  Status Begin();
  // REQUIRES: Begin() succeeded. On error the transaction is rolled back.
  Status Commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

}  // namespace contactsd::store::sqlite
