#include "store/postgres/entry_references.hpp"

#include <algorithm>

namespace contactsd::store::postgres {

ReferenceLookup::ReferenceLookup(std::string_view org_id, const std::vector<Reference>& references,
                                 Mode mode)
    : references_(references) {
  // Reserved up front: the queries keep views of these strings, which must not move.
  arrays_.reserve(references.size());
  for (std::size_t i = 0; i < references.size(); ++i) {
    const Reference& ref = references[i];
    if (ref.ids.empty()) continue;
    std::string array = "{";
    for (std::int64_t id : ref.ids) {
      if (array.size() > 1) array += ',';
      array += std::to_string(id);
    }
    array += '}';
    arrays_.push_back(std::move(array));
    queries_.push_back(
        Query(mode == Mode::kLock ? Sql::kLockCollectionIds : Sql::kFindCollectionIds)
            .Text(org_id)
            .Text(ref.collection)
            .Text(arrays_.back()));
    reference_of_.push_back(i);
  }
}

void ReferenceLookup::AppendTo(std::vector<Query>& batch) {
  first_ = batch.size();
  batch.insert(batch.end(), queries_.begin(), queries_.end());
}

std::vector<Reference> ReferenceLookup::Missing(const std::vector<Rows>& results) const {
  std::vector<Reference> missing;
  for (std::size_t q = 0; q < queries_.size(); ++q) {
    const Reference& ref = references_[reference_of_[q]];
    const Rows& found = results[first_ + q];
    std::vector<std::int64_t> existing;
    existing.reserve(static_cast<std::size_t>(found.size()));
    for (int row = 0; row < found.size(); ++row) existing.push_back(found.Int8(row, 0));
    Reference absent{ref.field, ref.collection, {}};
    for (std::int64_t id : ref.ids) {
      if (std::find(existing.begin(), existing.end(), id) == existing.end()) {
        absent.ids.push_back(id);
      }
    }
    if (!absent.ids.empty()) missing.push_back(std::move(absent));
  }
  return missing;
}

}  // namespace contactsd::store::postgres
