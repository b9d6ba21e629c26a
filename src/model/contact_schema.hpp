// The JSON Schemas (2020-12) of a model's contacts: as its answers show them, and as each kind
// of write sends them, in the model's envelope. Built from the fields' types (field_types.hpp)
// and the model's rules; the OpenAPI document (api/openapi_document.cpp) places them. Pure.
#pragma once

#include "model/field_spec.hpp"
#include "model/field_types.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <vector>

namespace contactsd::model {

enum class WriteShape {
  kCreate,   // POST: required fields required
  kUpdate,   // PATCH: any subset; create-only fields refused
  kReplace,  // PUT: the whole record, required fields required
};

// `custom_fields`: the tenant's definitions, shown as typed properties; nullptr when the tenant
// is not known (the model's contract alone), where any defined custom key may appear.
boost::json::object ContactAnswerSchema(const Model& model,
                                        const std::vector<FieldSpec>* custom_fields);
boost::json::object ContactWriteSchema(const Model& model, WriteShape shape,
                                       const std::vector<FieldSpec>* custom_fields);

// The model's example write (the model file's "examples") in its envelope, as a client sends
// it; empty when the file gives none.
boost::json::object ExampleWriteBody(const Model& model, WriteShape shape);

// The schema of one field's value on one side, with its nullability, description and default.
boost::json::object FieldSchema(const FieldSpec& spec, SchemaSide side, bool nullable);

}  // namespace contactsd::model
