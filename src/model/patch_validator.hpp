// PatchValidator: the fields of one write request, checked alone (before the stored contact
// is read): every key must be a writable field of the model, every value of its type.
// Pure; collects every problem instead of stopping at the first.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <vector>

namespace contactsd::model {

// Returns the normalized patch (trimmed, lower-cased, E.164 ...) with the same keys, or a
// Validation error whose details name every bad field: unknown_field, read_only,
// invalid_type, invalid_format, too_long, ... `custom_fields` are the tenant's definitions.
// Both halves of the check: the normalized values of the fields that passed, and the problems
// of those that did not. Lets a caller add the whole-record problems of the same request to
// one 400 (a required field missing beside a bad email).
struct PatchCheck {
  boost::json::object normalized;
  std::vector<FieldError> errors;
};
PatchCheck CheckPatch(const Model& model, const boost::json::object& fields,
                      const std::vector<FieldSpec>& custom_fields);

Result<boost::json::object> ValidatePatch(const Model& model, const boost::json::object& fields,
                                          const std::vector<FieldSpec>& custom_fields);

}  // namespace contactsd::model
