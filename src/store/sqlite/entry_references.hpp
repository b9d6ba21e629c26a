// Which ids of a write's references exist in the tenant's collections: used by
// MissingReferences on a reader, and inside a write transaction on the writer.
#pragma once

#include "common/result.hpp"
#include "store/store.hpp"

#include <string_view>
#include <vector>

namespace contactsd::store::sqlite {

class Connection;

// The references with only their ids that do not exist (none: empty), in the given order.
Result<std::vector<Reference>> MissingIn(Connection& connection, std::string_view org_id,
                                         const std::vector<Reference>& references);

// Nothing when every id exists, else MissingReferencesError.
Status CheckReferences(Connection& connection, std::string_view org_id,
                       const std::vector<Reference>& references);

}  // namespace contactsd::store::sqlite
