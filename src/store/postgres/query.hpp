// Query: one execution of a catalogued statement with its parameters; Rows: its result.
// Both are plain values; a Connection sends Queries and hands back Rows.
//
// Not thread-safe (values owned by one thread).
#pragma once

#include "store/postgres/sql.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

struct pg_result;

namespace contactsd::store::postgres {

class Query {
 public:
  struct Param {
    enum class Kind : unsigned char { kNull, kText, kInt8 };
    Kind kind = Kind::kNull;
    std::string_view text;
    std::int64_t int8 = 0;
  };

  explicit Query(Sql sql) : sql_(sql) {}

  // Parameters in order ($1, $2, ...). Text is not copied: REQUIRES the bytes stay valid until
  // the Connection::Run that sends this query returns.
  Query& Text(std::string_view text);
  Query& TextOrNull(std::string_view text);  // NULL when empty
  Query& Int8(std::int64_t value);
  Query& Int8(std::optional<std::int64_t> value);  // NULL when empty

  Sql sql() const { return sql_; }
  const std::vector<Param>& params() const { return params_; }

 private:
  Sql sql_;
  std::vector<Param> params_;
};

class Rows {
 public:
  explicit Rows(pg_result* result);  // takes ownership

  int size() const;
  bool empty() const { return size() == 0; }
  // The rows an INSERT/UPDATE/DELETE changed (0 for ON CONFLICT DO NOTHING that did nothing).
  std::int64_t affected() const;

  // REQUIRES: 0 <= row < size(), column in range. NULL reads as "" / 0 / nullopt. Text views
  // live as long as this Rows.
  bool IsNull(int row, int column) const;
  std::string_view Text(int row, int column) const;
  std::int64_t Int8(int row, int column) const;
  std::optional<std::int64_t> OptionalInt8(int row, int column) const;

 private:
  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

}  // namespace contactsd::store::postgres
