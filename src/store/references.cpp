// The one wording of a reference to a collection entry that does not exist, shared by the
// service's check before a write and the backends' check inside it.
#include "store/store.hpp"

namespace contactsd::store {

Error MissingReferencesError(const std::vector<Reference>& missing) {
  std::vector<FieldError> details;
  details.reserve(missing.size());
  for (const Reference& ref : missing) {
    std::string ids;
    for (std::int64_t id : ref.ids) {
      if (!ids.empty()) ids += ", ";
      ids += std::to_string(id);
    }
    details.push_back({ref.field, "not_found", "no such id in " + ref.collection + ": " + ids});
  }
  return Error::Validation(std::move(details));
}

}  // namespace contactsd::store
