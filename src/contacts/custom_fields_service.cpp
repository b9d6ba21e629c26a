#include "contacts/custom_fields_service.hpp"

#include "common/time.hpp"
#include "contacts/change_prior.hpp"
#include "contacts/origin.hpp"
#include "model/custom_field.hpp"
#include "model/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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

namespace {

Result<store::CustomField> FindStored(store::Store& store, const Principal& who,
                                      std::string_view name) {
  auto stored = store.ListCustomFields(who.org_id);
  if (!stored.ok()) return std::move(stored).error();
  for (store::CustomField& f : *stored) {
    if (f.name == name) return std::move(f);
  }
  return Error::NotFound("No custom field named '" + std::string(name) + "'");
}

Error Incompatible(std::string message, std::string field, std::string code) {
  Error e = Error::Conflict(message, "incompatible_change");
  e.details.push_back({std::move(field), std::move(code), std::move(message)});
  return e;
}

}  // namespace

Result<store::CustomField> CustomFieldsService::Update(const Principal& who, std::string_view name,
                                                       const boost::json::object& body) const {
  if (!model_.custom_fields_enabled()) return Error::NotFound("This model has no custom fields");
  auto stored = FindStored(store_, who, name);
  if (!stored.ok()) return std::move(stored).error();
  std::vector<FieldError> errors;
  for (const auto& [key, value] : body) {
    if (key != "name" && key != "type" && key != "options") {
      errors.push_back({std::string(key), "unknown_field", "is not part of a definition"});
    } else if (key == "name" && !(value.is_string() && value.get_string() == name)) {
      errors.push_back({"name", "read_only",
                        "a custom field cannot be renamed: define a new one and delete this"});
    }
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  if (const boost::json::value* type = body.if_contains("type");
      type && !(type->is_string() && type->get_string() == stored->type)) {
    return Incompatible("A custom field's type cannot change (it is " + stored->type +
                            "): its values were checked as that type. Delete the field and "
                            "define it anew",
                        "type", "type_change");
  }
  // The definition as it would be, checked as a new one is: options only for an enum, each a
  // non-empty string, duplicates dropped.
  boost::json::object proposed{{"name", stored->name}, {"type", stored->type}};
  if (const boost::json::value* options = body.if_contains("options")) {
    proposed["options"] = *options;
  } else {
    boost::system::error_code ec;
    proposed["options"] = boost::json::parse(stored->options_json, ec);
  }
  auto spec = model::CheckCustomFieldDefinition(model_, proposed);
  if (!spec.ok()) return std::move(spec).error();

  std::vector<std::string> removed;
  boost::system::error_code ec;
  boost::json::value before = boost::json::parse(stored->options_json, ec);
  if (!ec && before.is_array()) {
    for (const auto& v : before.get_array()) {
      if (v.is_string() && std::find(spec->values.begin(), spec->values.end(), v.get_string()) ==
                               spec->values.end()) {
        removed.emplace_back(v.get_string());
      }
    }
  }
  boost::json::array options;
  for (const auto& v : spec->values) options.emplace_back(v);
  store::CustomField updated = *stored;
  updated.options_json = model::JsonText(options);
  const std::string definition = model::JsonText(CustomFieldJson(updated));
  auto holding = store_.UpdateCustomField(updated, model_.custom_fields_field()->name, removed,
                                          definition, clock_(), OriginOf(who));
  if (!holding.ok()) return std::move(holding).error();
  if (*holding > 0) {
    std::string names;
    for (const auto& r : removed) names += (names.empty() ? "'" : ", '") + r + "'";
    return Incompatible(
        std::to_string(*holding) + (*holding == 1 ? " contact holds" : " contacts hold") +
            " an option this change removes (" + names + "): change those contacts first",
        "options", "values_in_use");
  }
  return updated;
}

Result<int> CustomFieldsService::Delete(const Principal& who, std::string_view name) const {
  if (!model_.custom_fields_enabled()) return Error::NotFound("This model has no custom fields");
  auto stored = FindStored(store_, who, name);
  if (!stored.ok()) return std::move(stored).error();
  const std::string container = model_.custom_fields_field()->name;
  auto rewrite = [&](const store::Contact& current) -> Result<store::DocChange> {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(current.doc, ec);
    if (ec || !doc.is_object()) {
      return Error::Internal("stored contact " + current.id + " is not an object");
    }
    const boost::json::object before = doc.get_object();
    if (boost::json::value* values = doc.get_object().if_contains(container);
        values && values->is_object()) {
      values->get_object().erase(name);
    }
    return store::DocChange{boost::json::serialize(doc), PriorOf(before, doc.get_object())};
  };
  const std::string definition = model::JsonText(CustomFieldJson(*stored));
  return store_.DeleteCustomField(who.org_id, name, container, definition, clock_(), rewrite,
                                  OriginOf(who));
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
  return CustomFieldSpecsOf(*stored);
}

Result<std::vector<model::FieldSpec>> CustomFieldSpecsOf(
    const std::vector<store::CustomField>& stored) {
  std::vector<model::FieldSpec> specs;
  specs.reserve(stored.size());
  for (const auto& f : stored) {
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
