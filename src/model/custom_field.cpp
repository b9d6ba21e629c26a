#include "model/custom_field.hpp"

#include "model/field_types.hpp"

#include <boost/json/value.hpp>

#include <algorithm>

namespace contactsd::model {
namespace {

constexpr std::size_t kMaxCustomString = 1000;
constexpr std::size_t kMaxOptions = 100;

bool IsCustomName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

FieldSpec CustomFieldSpec(std::string name, FieldType type, std::vector<std::string> options) {
  FieldSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.values = std::move(options);
  if (type == FieldType::kString || type == FieldType::kUrl) spec.max_length = kMaxCustomString;
  return spec;
}

Result<FieldSpec> CheckCustomFieldDefinition(const Model& model, const boost::json::object& body) {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : body) {
    if (key != "name" && key != "type" && key != "options") {
      errors.push_back({std::string(key), "unknown_field", "is not part of a definition"});
    }
  }
  std::string name;
  const boost::json::value* n = body.if_contains("name");
  if (!n || !n->is_string()) {
    errors.push_back({"name", n ? "invalid_type" : "required", "must be a string"});
  } else if (!IsCustomName(n->get_string())) {
    errors.push_back({"name", "invalid_format",
                      "must start with a lower-case letter and use only a-z, 0-9 and '_' "
                      "(at most 63 characters)"});
  } else {
    name = n->get_string();
  }

  // A plain flag beside the type, not std::optional: GCC 12 warns falsely on the latter.
  FieldType type = FieldType::kString;
  bool has_type = false;
  const boost::json::value* t = body.if_contains("type");
  if ((!t || t->is_null()) && model.custom_default_type()) {
    // The model lets a definition name only the field (e.g. voice's {"name": "plan"}).
    type = *model.custom_default_type();
    has_type = true;
  } else if (!t || !t->is_string()) {
    errors.push_back({"type", t ? "invalid_type" : "required", "must be a string"});
  } else {
    const FieldTypeTraits* parsed = FindFieldType(t->get_string());
    has_type = parsed && (parsed->custom_field || parsed->type == model.custom_default_type());
    if (has_type) {
      type = parsed->type;
    } else {
      std::string allowed;
      for (const FieldTypeTraits& each : AllFieldTypes()) {
        if (!each.custom_field) continue;
        allowed += allowed.empty() ? "" : ", ";
        allowed += each.name;
      }
      errors.push_back({"type", "invalid_value", "must be one of: " + allowed});
    }
  }

  std::vector<std::string> options;
  const boost::json::value* o = body.if_contains("options");
  bool has_options = o && !o->is_null() && !(o->is_array() && o->get_array().empty());
  if (has_type && TraitsOf(type).takes_values) {
    bool ok = o && o->is_array() && !o->get_array().empty() && o->get_array().size() <= kMaxOptions;
    for (const auto& item : ok ? o->get_array() : boost::json::array()) {
      if (!item.is_string() || item.get_string().empty() || item.get_string().size() > 200) {
        ok = false;
        break;
      }
      if (std::find(options.begin(), options.end(), item.get_string()) == options.end()) {
        options.emplace_back(item.get_string());
      }
    }
    if (!ok) {
      errors.push_back({"options", "invalid_value",
                        "an enum needs 1 to 100 non-empty strings of at most 200 characters"});
    }
  } else if (has_type && has_options) {
    errors.push_back({"options", "invalid_value", "only an enum takes options"});
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));

  // Flat custom values are shown beside the response's own properties: a name one of those
  // has (a renamed or computed property) would be hidden behind it.
  const bool hidden = model.custom_fields_flat() && model.IsResponsePropertyName(name);
  if (model.FindField(name) || model.IsSystemName(name) || hidden) {
    Error e = Error::Conflict("'" + name + "' is already a field of this resource", "duplicate");
    e.details.push_back({"name", "duplicate", "is already a field of this resource"});
    return e;
  }
  return CustomFieldSpec(std::move(name), type, std::move(options));
}

}  // namespace contactsd::model
