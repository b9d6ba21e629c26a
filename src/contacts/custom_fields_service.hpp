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
  // PATCH: what is safe to change of a definition. An enum's options may be added, and removed
  // where no contact holds them. Errors: NotFound; Validation for a bad body (unknown keys, a
  // new name, bad options); Conflict "incompatible_change" for a type change, or for removed
  // options that contacts hold (the message and details say how many).
  Result<store::CustomField> Update(const Principal& who, std::string_view name,
                                    const boost::json::object& body) const;
  // DELETE: the definition goes, and its value with it from every contact of the tenant
  // (archived ones too), atomically; each changed contact records its event. Returns how many
  // contacts changed. Errors: NotFound.
  Result<int> Delete(const Principal& who, std::string_view name) const;
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
// The same, of definitions already read. Errors: Internal for one that cannot be read.
Result<std::vector<model::FieldSpec>> CustomFieldSpecsOf(
    const std::vector<store::CustomField>& stored);

}  // namespace contactsd::contacts
