// The entry ids a contact's referencing fields hold ("lists": [3, 5]), as the store's
// References, and the checks the service makes of them before a write.
#pragma once

#include "common/error.hpp"
#include "common/result.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <string_view>
#include <vector>

namespace contactsd::contacts {

// The ids each referencing field of `values` holds (a record, or a request's normalized values).
std::vector<store::Reference> ReferencesOf(const model::Model& model,
                                           const boost::json::object& values);

// The ids of `after` that `before` does not hold (in any field of the same collection): what a
// write adds.
std::vector<store::Reference> AddedReferences(const std::vector<store::Reference>& after,
                                              const std::vector<store::Reference>& before);

// Appends one detail per field whose ids do not all exist in the tenant's collections (the
// store's MissingReferencesError details), so they join the request's other problems in one 400.
// Errors: the store's (nothing is appended then).
Status AddMissingReferences(store::Store& store, std::string_view org_id,
                            const std::vector<store::Reference>& references,
                            std::vector<FieldError>& errors);

}  // namespace contactsd::contacts
