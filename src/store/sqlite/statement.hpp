// Statement: one use of a prepared statement from a Connection's cache. Bind, then either
// Exec() or loop on Next() and read columns. The destructor steps any remaining rows to
// SQLITE_DONE, then resets and clears the bindings, so the statement returns to the cache idle
// and never pins a read snapshot (a half-stepped statement stops WAL checkpoints).
//
// Not thread-safe: a Statement belongs to the thread that holds its Connection.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

struct sqlite3_stmt;

namespace contactsd::store::sqlite {

class Statement {
 public:
  // REQUIRES: stmt is a prepared statement, reset, that outlives this object.
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are numbered from 1. Text is bound without a copy: REQUIRES the bytes stay
  // valid until Exec() returns or Next() returns false. A bind error is reported by the next
  // Exec() or Next().
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::optional<std::int64_t> value);  // NULL when empty
  Statement& Bind(int index, double value);
  Statement& BindTextOrNull(int index, std::string_view text);  // NULL when empty

  // Steps to SQLITE_DONE (ignoring any rows) and returns the number of rows the
  // INSERT/UPDATE/DELETE changed (0 for ON CONFLICT DO NOTHING that did nothing).
  Result<int> Exec();

  // Steps once: true with a row to read, false at SQLITE_DONE.
  Result<bool> Next();

  // Columns of the current row, numbered from 0. REQUIRES: the last Next() returned true.
  // Text views stay valid until the next step; NULL reads as "".
  std::string_view Text(int column) const;
  std::int64_t Int64(int column) const;
  std::optional<std::int64_t> OptionalInt64(int column) const;

 private:
  void NoteBind(int rc);
  Error StepError(int rc) const;

  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // SQLITE_OK
  bool has_row_ = false;
};

}  // namespace contactsd::store::sqlite
