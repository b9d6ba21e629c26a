#include "model/collection_entry.hpp"

#include "model/type_checks.hpp"

#include <boost/json/value.hpp>

#include <vector>

namespace contactsd::model {

Result<std::string> CheckCollectionEntry(const boost::json::object& body) {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : body) {
    if (key != "name") {
      errors.push_back({std::string(key), "unknown_field", "is not a field of this resource"});
    }
  }
  std::string name;
  const boost::json::value* n = body.if_contains("name");
  if (!n || n->is_null()) {
    errors.push_back({"name", "required", "is required"});
  } else if (!n->is_string()) {
    errors.push_back(types::TypeError("name", "a string"));
  } else {
    name = types::Trim(n->get_string());
    if (name.empty()) {
      errors.push_back({"name", "required", "must not be empty"});
    } else if (types::CodePoints(name) > kMaxEntryNameLength) {
      errors.push_back({"name", "too_long",
                        "must be at most " + std::to_string(kMaxEntryNameLength) + " characters"});
    }
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  return name;
}

}  // namespace contactsd::model
