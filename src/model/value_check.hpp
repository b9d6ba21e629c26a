// Checks one JSON value against one field's type and rules and yields the value to store
// (trimmed, lower-cased, normalized). Pure: no I/O, no clock.
#pragma once

#include "common/error.hpp"
#include "model/field_spec.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::model {

// What a check may need beyond the field itself.
struct TypeContext {
  std::string default_phone_region = "US";                // for numbers written without "+"
  const std::vector<FieldSpec>* custom_fields = nullptr;  // the tenant's, for kCustomFields
  bool drop_unknown_custom_keys = false;  // else an undefined custom key is an error
};

// Validates `in` for `spec`. On success stores the normalized value in `out` and returns
// true; otherwise appends every problem to `errors`, each naming its field by a path
// ("email", "custom_fields.score"), and returns false. Null is handled here once for every
// type: accepted (and kept as null) when the field is nullable; what a null then does to a
// stored record (clear to the default) is ApplyPatch's business. The normalized value is
// allocated from `out`'s memory resource.
bool CheckValue(const FieldSpec& spec, const boost::json::value& in, const TypeContext& ctx,
                std::string_view path, boost::json::value& out, std::vector<FieldError>& errors);

}  // namespace contactsd::model
