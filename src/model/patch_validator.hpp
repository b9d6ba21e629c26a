// PatchValidator: the fields of one write request, checked alone (before the stored contact
// is read): every key must be a writable field of the model, every value of its type.
// Pure; collects every problem instead of stopping at the first.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>

#include <vector>

namespace contactsd::model {

// Both halves of the check of a request's fields: the normalized values (trimmed,
// lower-cased, E.164, write rules applied ...) of the fields that passed, and the problems of
// those that did not, each naming its field: unknown_field, read_only, invalid_type,
// invalid_format, too_long, ... Keeping both lets the service add the whole-record problems
// of the same request to one 400 (a required field missing beside a bad email).
// `custom_fields` are the tenant's definitions.
// `kind` says which fields are writable: a create takes create_only fields, an update (PATCH,
// PUT) refuses them as read_only.
enum class WriteKind { kCreate, kUpdate };
struct PatchCheck {
  boost::json::object normalized;
  std::vector<FieldError> errors;
};
// The normalized values are allocated from `storage` (default: the heap).
PatchCheck CheckPatch(const Model& model, const boost::json::object& fields,
                      const std::vector<FieldSpec>& custom_fields, WriteKind kind,
                      boost::json::storage_ptr storage = {});

}  // namespace contactsd::model
