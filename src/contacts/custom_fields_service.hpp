// Per-tenant custom field definitions: define and list, checked against the model.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "contacts/contacts_service.hpp"
#include "model/field_spec.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <vector>

namespace contactsd::contacts {

class CustomFieldsService {
 public:
  CustomFieldsService(const model::Model& model, store::Store& store, Clock clock)
      : model_(model), store_(store), clock_(std::move(clock)) {}

  static constexpr std::size_t kMaxCustomFields = 100;

  // Errors: Validation for a bad definition; Conflict "duplicate" for a taken name,
  // "limit_reached" past kMaxCustomFields definitions.
  Result<store::CustomField> Define(const Principal& who, const boost::json::object& body) const;
  Result<std::vector<store::CustomField>> List(const Principal& who) const;
  // The tenant's definitions as field specs (what its custom values are checked against);
  // none for a model without custom fields.
  Result<std::vector<model::FieldSpec>> Specs(const Principal& who) const;

 private:
  const model::Model& model_;
  store::Store& store_;
  Clock clock_;
};

// The specs a tenant's stored definitions describe, for validating custom values.
// A definition as the API shows it: {name, type, options, created_at}.
boost::json::object CustomFieldJson(const store::CustomField& field);

Result<std::vector<model::FieldSpec>> CustomFieldSpecs(store::Store& store,
                                                       std::string_view org_id);

}  // namespace contactsd::contacts
