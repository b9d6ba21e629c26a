#include "contacts/custom_fields_service.hpp"

#include "common/time.hpp"
#include "contacts/origin.hpp"
#include "model/custom_field.hpp"
#include "model/json_text.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace contactsd::contacts {

Result<store::CustomField> CustomFieldsService::Define(const Principal& who,
                                                       const boost::json::object& body) const {
  if (!model_.custom_fields_enabled()) return Error::NotFound("This model has no custom fields");
  auto spec = model::CheckCustomFieldDefinition(model_, body);
  if (!spec.ok()) return std::move(spec).error();
  // Every write that sends custom values reads the definitions, so their number is bounded.
  auto existing = store_.ListCustomFields(who.org_id);
  if (!existing.ok()) return std::move(existing).error();
  if (existing->size() >= kMaxCustomFields) {
    return Error::Conflict(
        "An account may define at most " + std::to_string(kMaxCustomFields) + " custom fields",
        "limit_reached");
  }
  boost::json::array options;
  for (const auto& v : spec->values) options.emplace_back(v);
  // Definitions are listed in creation order (created_at, then name): two made in the same
  // millisecond, one after the other, must not come back by name.
  std::int64_t created_at = clock_();
  for (const store::CustomField& f : *existing)
    created_at = std::max(created_at, f.created_at_ms + 1);
  store::CustomField field{who.org_id, spec->name, std::string(model::FieldTypeName(spec->type)),
                           model::JsonText(options), created_at};
  const std::string definition = model::JsonText(CustomFieldJson(field));
  if (auto st = store_.CreateCustomField(field, definition, OriginOf(who)); !st) {
    Error e = std::move(st).error();
    if (e.code == ErrorCode::kConflict) e.details = {{"name", "duplicate", "is already defined"}};
    return e;
  }
  return field;
}

boost::json::object CustomFieldJson(const store::CustomField& f) {
  boost::json::object out;
  out["name"] = f.name;
  out["type"] = f.type;
  boost::system::error_code ec;
  boost::json::value options = boost::json::parse(f.options_json, ec);
  out["options"] = ec ? boost::json::array() : std::move(options);
  out["created_at"] = FormatTimestamp(f.created_at_ms);
  return out;
}

Result<std::vector<store::CustomField>> CustomFieldsService::List(const Principal& who) const {
  if (!model_.custom_fields_enabled()) return Error::NotFound("This model has no custom fields");
  return store_.ListCustomFields(who.org_id);
}

Result<std::vector<model::FieldSpec>> CustomFieldsService::Specs(const Principal& who) const {
  if (!model_.custom_fields_enabled()) return std::vector<model::FieldSpec>{};
  return CustomFieldSpecs(store_, who.org_id);
}

Result<std::vector<model::FieldSpec>> CustomFieldSpecs(store::Store& store,
                                                       std::string_view org_id) {
  auto stored = store.ListCustomFields(org_id);
  if (!stored.ok()) return std::move(stored).error();
  std::vector<model::FieldSpec> specs;
  specs.reserve(stored->size());
  for (const auto& f : *stored) {
    auto type = model::ParseFieldType(f.type);
    boost::system::error_code ec;
    boost::json::value options = boost::json::parse(f.options_json, ec);
    if (!type || ec || !options.is_array()) {
      return Error::Internal("stored custom field '" + f.name + "' is unreadable");
    }
    std::vector<std::string> values;
    for (const auto& o : options.get_array()) {
      if (o.is_string()) values.emplace_back(o.get_string());
    }
    specs.push_back(model::CustomFieldSpec(f.name, *type, std::move(values)));
  }
  return specs;
}

}  // namespace contactsd::contacts
