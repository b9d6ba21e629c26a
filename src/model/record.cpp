#include "model/record.hpp"

#include <boost/json/value.hpp>

namespace contactsd::model {

boost::json::object NewRecord(const Model& model, const boost::json::object& patch) {
  boost::json::object defaults;
  defaults.reserve(model.fields().size());
  for (const auto& f : model.fields()) {
    if (!f.write_only) defaults[f.name] = f.default_value;
  }
  // A create is a patch over the defaults, so null and custom values mean what they mean in
  // a PATCH (a null custom value stores nothing).
  return MergePatch(model, defaults, patch);
}

boost::json::object MergePatch(const Model& model, const boost::json::object& current,
                               const boost::json::object& patch) {
  boost::json::object merged = current;
  const FieldSpec* custom = model.custom_fields_field();
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      // null clears: back to the field's default ([] for tags, {} for custom fields).
      const FieldSpec* spec = model.FindField(key);
      merged[key] = spec ? spec->default_value : boost::json::value();
      continue;
    }
    if (custom && key == custom->name && value.is_object()) {
      boost::json::value& target = merged[key];
      if (!target.is_object()) target = boost::json::object();
      boost::json::object& stored = target.get_object();
      for (const auto& [name, v] : value.get_object()) {
        if (v.is_null()) {
          stored.erase(name);
        } else {
          stored[name] = v;
        }
      }
      continue;
    }
    merged[key] = value;
  }
  return merged;
}

std::vector<FieldError> ValidateRecord(const Model& model, const boost::json::object& record) {
  std::vector<FieldError> errors;
  for (const auto& f : model.fields()) {
    if (!f.required) continue;
    const boost::json::value* v = record.if_contains(f.name);
    bool missing = !v || v->is_null() || (v->is_string() && v->get_string().empty()) ||
                   (v->is_array() && v->get_array().empty());
    if (missing) errors.push_back({f.name, "required", "is required"});
  }
  return errors;
}

std::vector<std::pair<std::string, std::string>> UniqueKeys(const Model& model,
                                                            const boost::json::object& record) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& f : model.fields()) {
    if (!f.unique) continue;
    const boost::json::value* v = record.if_contains(f.name);
    if (!v || !v->is_string() || v->get_string().empty()) continue;
    std::string value(v->get_string());
    if (f.type == FieldType::kEmail) {
      for (char& c : value) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
    }
    keys.emplace_back(f.name, std::move(value));
  }
  return keys;
}

}  // namespace contactsd::model
