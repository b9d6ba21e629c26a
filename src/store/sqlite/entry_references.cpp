#include "store/sqlite/entry_references.hpp"

#include "store/sqlite/connection.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

#include <algorithm>
#include <string>

namespace contactsd::store::sqlite {

Result<std::vector<Reference>> MissingIn(Connection& connection, std::string_view org_id,
                                         const std::vector<Reference>& references) {
  std::vector<Reference> missing;
  for (const Reference& ref : references) {
    if (ref.ids.empty()) continue;
    std::string ids = "[";
    for (std::int64_t id : ref.ids) {
      if (ids.size() > 1) ids += ',';
      ids += std::to_string(id);
    }
    ids += ']';
    auto stmt = connection.Prepare(sql::kFindCollectionIds);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, org_id).Bind(2, ref.collection).Bind(3, ids);
    auto found = AllRows(*stmt, [](const Statement& row) { return row.Int64(0); });
    if (!found) return std::move(found).error();
    Reference absent{ref.field, ref.collection, {}};
    for (std::int64_t id : ref.ids) {
      if (std::find(found->begin(), found->end(), id) == found->end()) absent.ids.push_back(id);
    }
    if (!absent.ids.empty()) missing.push_back(std::move(absent));
  }
  return missing;
}

Status CheckReferences(Connection& connection, std::string_view org_id,
                       const std::vector<Reference>& references) {
  auto missing = MissingIn(connection, org_id, references);
  if (!missing) return std::move(missing).error();
  if (!missing->empty()) return MissingReferencesError(*missing);
  return {};
}

}  // namespace contactsd::store::sqlite
