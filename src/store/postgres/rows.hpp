// Reads one row of a result into a store struct. The column orders are the ones listed beside
// each SELECT in sql.cpp.
#pragma once

#include "store/postgres/query.hpp"
#include "store/store.hpp"

#include <vector>

namespace contactsd::store::postgres {

// REQUIRES: 0 <= row < rows.size().
Org ReadOrg(const Rows& rows, int row);
ApiKey ReadApiKey(const Rows& rows, int row);
Contact ReadContact(const Rows& rows, int row);
CustomField ReadCustomField(const Rows& rows, int row);
Unlock ReadUnlock(const Rows& rows, int row);
CollectionEntry ReadCollectionEntry(const Rows& rows, int row);

// Every row, read with `read`.
template <class Read>
auto AllRows(const Rows& rows, Read read) -> std::vector<decltype(read(rows, 0))> {
  std::vector<decltype(read(rows, 0))> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) out.push_back(read(rows, row));
  return out;
}

}  // namespace contactsd::store::postgres
