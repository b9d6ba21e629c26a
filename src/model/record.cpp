#include "model/record.hpp"

#include "model/iso_codes.hpp"
#include "model/value_check.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>
#include <utility>

namespace contactsd::model {

boost::json::object NewRecord(const Model& model, const boost::json::object& patch) {
  boost::json::object record;
  record.reserve(model.fields().size());
  for (const auto& f : model.fields()) {
    if (!f.write_only) record[f.name] = f.default_value;
  }
  // A create is a patch over the defaults, so null and custom values mean what they mean in
  // a PATCH (a null custom value stores nothing).
  ApplyPatch(model, record, patch);
  return record;
}

boost::json::object ReplaceRecord(const Model& model, const boost::json::object& current,
                                  const boost::json::object& patch) {
  boost::json::object record = NewRecord(model, patch);
  for (const auto& f : model.fields()) {
    if (!f.create_only) continue;
    const boost::json::value* kept = current.if_contains(f.name);
    record[f.name] = kept ? *kept : f.default_value;
  }
  return record;
}

namespace {

// Sets `target` to `value` and says whether that changed it: the comparison costs less than
// the writes (and the response) an unchanged value would otherwise cause.
template <class Value>
bool Assign(boost::json::value& target, Value&& value) {
  if (target == value) return false;
  target = std::forward<Value>(value);
  return true;
}

}  // namespace

bool ApplyPatch(const Model& model, boost::json::object& record, const boost::json::object& patch) {
  const FieldSpec* custom = model.custom_fields_field();
  bool changed = false;
  for (const auto& [key, value] : patch) {
    // A key the record lacks is new (as null, then set): a change even when set to null.
    auto [slot, added] = record.emplace(key, nullptr);
    changed = changed || added;
    boost::json::value& target = slot->value();
    if (value.is_null()) {
      // null clears: back to the field's default ([] for tags, {} for custom fields).
      const FieldSpec* spec = model.FindField(key);
      changed = Assign(target, spec ? spec->default_value : boost::json::value()) || changed;
      continue;
    }
    if (custom && key == custom->name && value.is_object()) {
      if (!target.is_object()) {
        target = boost::json::object();
        changed = true;
      }
      boost::json::object& stored = target.get_object();
      for (const auto& [name, v] : value.get_object()) {
        if (v.is_null()) {
          changed = stored.erase(name) > 0 || changed;
        } else {
          auto [entry, fresh] = stored.emplace(name, nullptr);
          changed = Assign(entry->value(), v) || fresh || changed;
        }
      }
      continue;
    }
    changed = Assign(target, value) || changed;
  }
  return changed;
}

namespace {

// The value of a JSON integer that fits in 64 bits, else nullopt.
std::optional<std::int64_t> IntegerOf(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

// The record's non-empty string value of `f`, or an empty view.
std::string_view StringOf(const boost::json::object& record, const FieldSpec& f) {
  const boost::json::value* v = record.if_contains(f.name);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

void CheckSubdivision(const SubdivisionRule& rule, const boost::json::object& record,
                      std::vector<FieldError>& errors) {
  std::string_view country = StringOf(record, *rule.country);
  std::string_view value = StringOf(record, *rule.field);
  if (value.empty()) return;  // "required" says it, when the field is required
  for (const auto& checked : rule.countries) {
    if (checked == country && !IsSubdivisionCode(country, value)) {
      errors.push_back({rule.field->name, "invalid_value",
                        "must be an ISO 3166-2 subdivision code of " + checked + ", such as " +
                            std::string(SubdivisionExample(checked))});
    }
  }
}

void CheckOneOfRequired(const OneOfRequiredRule& rule, const boost::json::object& record,
                        std::vector<FieldError>& errors) {
  std::string names;
  for (const FieldSpec* f : rule.fields) {
    if (!StringOf(record, *f).empty()) return;
    names += names.empty() ? "" : " or ";
    names += f->name;
  }
  errors.push_back({rule.fields.front()->name, "required", names + " is required"});
}

}  // namespace

std::vector<FieldError> ValidateRecord(const Model& model, const boost::json::object& record) {
  std::vector<FieldError> errors;
  for (const auto& f : model.fields()) {
    if (!f.required) continue;
    const boost::json::value* v = record.if_contains(f.name);
    bool missing = !v || v->is_null() || (v->is_string() && v->get_string().empty()) ||
                   (v->is_array() && v->get_array().empty());
    if (missing) errors.push_back({f.name, "required", "is required"});
  }
  for (const auto& rule : model.subdivision_rules()) CheckSubdivision(rule, record, errors);
  for (const auto& rule : model.one_of_required_rules()) CheckOneOfRequired(rule, record, errors);
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

std::optional<std::string> UniqueKeyOf(const Model& model, const FieldSpec& spec,
                                       std::string_view raw) {
  boost::json::object record;
  std::vector<FieldError> errors;
  if (!spec.unique || !CheckValue(spec, boost::json::string(raw), model.type_context(), spec.name,
                                  record[spec.name], errors)) {
    return std::nullopt;
  }
  for (auto& [name, value] : UniqueKeys(model, record)) {
    if (name == spec.name) return std::move(value);
  }
  return std::nullopt;  // an empty value holds no key
}

std::vector<FieldReferences> ReferencedIds(const Model& model, const boost::json::object& values) {
  std::vector<FieldReferences> found;
  for (const auto& f : model.fields()) {
    if (f.references.empty()) continue;
    const boost::json::value* v = values.if_contains(f.name);
    if (!v) continue;
    FieldReferences refs{&f, {}};
    auto add = [&](const boost::json::value& item) {
      auto id = IntegerOf(item);
      if (id && std::find(refs.ids.begin(), refs.ids.end(), *id) == refs.ids.end()) {
        refs.ids.push_back(*id);
      }
    };
    if (v->is_array()) {
      for (const auto& item : v->get_array()) add(item);
    } else {
      add(*v);
    }
    if (!refs.ids.empty()) found.push_back(std::move(refs));
  }
  return found;
}

bool RemoveReference(const Model& model, std::string_view collection, std::int64_t id,
                     boost::json::object& record) {
  bool changed = false;
  for (const FieldSpec* f : model.FieldsReferencing(collection)) {
    boost::json::value* v = record.if_contains(f->name);
    if (!v) continue;
    if (v->is_array()) {
      boost::json::array& items = v->get_array();
      auto kept = std::remove_if(items.begin(), items.end(), [&](const boost::json::value& item) {
        return IntegerOf(item) == id;
      });
      if (kept != items.end()) {
        items.erase(kept, items.end());
        changed = true;
      }
    } else if (IntegerOf(*v) == id) {
      *v = f->default_value;
      changed = true;
    }
  }
  return changed;
}

}  // namespace contactsd::model
