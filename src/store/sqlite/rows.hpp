// Reads the current row of a statement into a store struct. The column orders are the ones
// listed beside each SELECT in sql.hpp.
#pragma once

#include "store/sqlite/statement.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace contactsd::store::sqlite {

// REQUIRES: the statement's last Next() returned true.
Org ReadOrg(const Statement& row);
ApiKey ReadApiKey(const Statement& row);
Contact ReadContact(const Statement& row);
CustomField ReadCustomField(const Statement& row);
Unlock ReadUnlock(const Statement& row);
CollectionEntry ReadCollectionEntry(const Statement& row);

// Steps `stmt` to SQLITE_DONE, reading its first row (if any) with `read`.
template <class Read>
auto FirstRow(Statement& stmt, Read read) -> Result<std::optional<decltype(read(stmt))>> {
  std::optional<decltype(read(stmt))> first;
  for (;;) {
    auto row = stmt.Next();
    if (!row) return std::move(row).error();
    if (!*row) return first;
    if (!first) first.emplace(read(stmt));
  }
}

// Steps `stmt` to SQLITE_DONE, reading every row with `read`.
template <class Read>
auto AllRows(Statement& stmt, Read read, std::size_t expected = 0)
    -> Result<std::vector<decltype(read(stmt))>> {
  std::vector<decltype(read(stmt))> rows;
  rows.reserve(expected);
  for (;;) {
    auto row = stmt.Next();
    if (!row) return std::move(row).error();
    if (!*row) return rows;
    rows.push_back(read(stmt));
  }
}

}  // namespace contactsd::store::sqlite
