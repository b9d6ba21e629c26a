// Per-tenant custom fields: the definitions a tenant sends, checked against the model, and
// the FieldSpec each definition becomes when its values are validated.
#pragma once

#include "common/result.hpp"
#include "model/field_spec.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace contactsd::model {

// Checks a definition body {"name", "type", "options"?}. Errors: Validation with details
// (name format, type not allowed, options missing or given for a non-enum), Conflict when
// the name is a field or system name of the model.
Result<FieldSpec> CheckCustomFieldDefinition(const Model& model, const boost::json::object& body);

// The spec for a stored definition. `options` apply to enums.
FieldSpec CustomFieldSpec(std::string name, FieldType type, std::vector<std::string> options);

}  // namespace contactsd::model
