// The model file's rule sections: custom fields, write rules, record rules, list filters,
// collections.
#include "model/field_types.hpp"
#include "model/iso_codes.hpp"
#include "model/model_parser.hpp"
#include "model/patch_validator.hpp"
#include "model/record.hpp"

#include <algorithm>

namespace contactsd::model {

Status ModelParser::ParseCustomFields(const json::value& v) {
  if (v.is_bool()) {
    model_.custom_fields_enabled_ = v.get_bool();
    return {};
  }
  if (!v.is_object()) return Bad("custom_fields", "must be a boolean or an object");
  model_.custom_fields_enabled_ = true;
  for (const auto& [key, value] : v.get_object()) {
    if (key == "unknown") {
      if (value == "reject") {
        model_.unknown_custom_keys_ = UnknownCustomKeys::kReject;
      } else if (value == "drop") {
        model_.unknown_custom_keys_ = UnknownCustomKeys::kDrop;
      } else {
        return Bad("custom_fields.unknown", "must be \"reject\" or \"drop\"");
      }
    } else if (key == "placement") {
      if (value == "nested") {
        model_.custom_fields_flat_ = false;
      } else if (value == "flat") {
        model_.custom_fields_flat_ = true;
      } else {
        return Bad("custom_fields.placement", "must be \"nested\" or \"flat\"");
      }
    } else if (key == "default_type") {
      auto type = value.is_string() ? ParseFieldType(value.get_string()) : std::nullopt;
      if (!type || *type == FieldType::kCustomFields || *type == FieldType::kEnum) {
        return Bad("custom_fields.default_type", "must be a field type other than enum");
      }
      model_.custom_default_type_ = *type;
    } else {
      return Bad("custom_fields." + std::string(key), "unknown key");
    }
  }
  model_.type_context_.drop_unknown_custom_keys =
      model_.unknown_custom_keys_ == UnknownCustomKeys::kDrop;
  return {};
}

Result<const FieldSpec*> ModelParser::FieldNamed(std::string_view path,
                                                 const json::value* name) const {
  if (!name || !name->is_string()) return Bad(path, "required, a field name");
  const FieldSpec* f = model_.FindField(name->get_string());
  if (!f) return Bad(path, "'" + std::string(name->get_string()) + "' is not a field");
  return f;
}

Status ModelParser::ParseWriteRules(const json::value& v) {
  if (!v.is_array()) return Bad("write_rules", "must be an array of rules");
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    std::string path = "write_rules[" + std::to_string(i) + "]";
    const json::value& item = v.get_array()[i];
    if (!item.is_object()) return Bad(path, "must be an object");
    const json::object& o = item.get_object();
    for (const auto& [key, value] : o) {
      if (key != "rule" && key != "from" && key != "first" && key != "last") {
        return Bad(path + "." + std::string(key), "unknown key");
      }
    }
    if (o.if_contains("rule") == nullptr || o.at("rule") != "split_name") {
      return Bad(path + ".rule", "must be \"split_name\"");
    }
    auto from = FieldNamed(path + ".from", o.if_contains("from"));
    auto first = FieldNamed(path + ".first", o.if_contains("first"));
    auto last = FieldNamed(path + ".last", o.if_contains("last"));
    if (!from.ok()) return std::move(from).error();
    if (!first.ok()) return std::move(first).error();
    if (!last.ok()) return std::move(last).error();
    if (!(*from)->write_only || (*from)->type != FieldType::kString) {
      return Bad(path + ".from", "must be a write_only string field");
    }
    for (const FieldSpec* target : {*first, *last}) {
      if (target->write_only || target->type != FieldType::kString) {
        return Bad(path, "first and last must be stored string fields");
      }
    }
    model_.split_name_rules_.push_back({*from, *first, *last});
  }
  return {};
}

Status ModelParser::ParseRecordRules(const json::value& v) {
  if (!v.is_array()) return Bad("record_rules", "must be an array of rules");
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    std::string path = "record_rules[" + std::to_string(i) + "]";
    const json::value& item = v.get_array()[i];
    const json::value* rule = item.is_object() ? item.get_object().if_contains("rule") : nullptr;
    if (!rule) return Bad(path + ".rule", "required: subdivision or one_of_required");
    const json::object& o = item.get_object();
    if (*rule == "subdivision") {
      for (const auto& [key, value] : o) {
        if (key != "rule" && key != "field" && key != "country_field" && key != "countries") {
          return Bad(path + "." + std::string(key), "unknown key");
        }
      }
      SubdivisionRule r;
      auto field = FieldNamed(path + ".field", o.if_contains("field"));
      auto country = FieldNamed(path + ".country_field", o.if_contains("country_field"));
      if (!field.ok()) return std::move(field).error();
      if (!country.ok()) return std::move(country).error();
      if ((*country)->type != FieldType::kCountry) {
        return Bad(path + ".country_field", "must name a field of type country");
      }
      r.field = *field;
      r.country = *country;
      const json::value* countries = o.if_contains("countries");
      if (!countries || !countries->is_array() || countries->get_array().empty()) {
        return Bad(path + ".countries", "must be a non-empty array of country codes");
      }
      for (const auto& c : countries->get_array()) {
        if (!c.is_string() || !IsCountryCode(c.get_string())) {
          return Bad(path + ".countries", "must be a non-empty array of country codes");
        }
        r.countries.emplace_back(c.get_string());
      }
      model_.subdivision_rules_.push_back(std::move(r));
    } else if (*rule == "one_of_required") {
      for (const auto& [key, value] : o) {
        if (key != "rule" && key != "fields") {
          return Bad(path + "." + std::string(key), "unknown key");
        }
      }
      const json::value* fields = o.if_contains("fields");
      if (!fields || !fields->is_array() || fields->get_array().size() < 2) {
        return Bad(path + ".fields", "must list at least two fields");
      }
      OneOfRequiredRule r;
      for (const auto& name : fields->get_array()) {
        auto f = FieldNamed(path + ".fields", &name);
        if (!f.ok()) return std::move(f).error();
        r.fields.push_back(*f);
      }
      model_.one_of_rules_.push_back(std::move(r));
    } else {
      return Bad(path + ".rule", "must be subdivision or one_of_required");
    }
  }
  return {};
}

Result<std::vector<std::string>> ModelParser::PlanNames(std::string_view path,
                                                        const json::value& v) {
  if (!v.is_array()) return Bad(path, "must be an array of plan names");
  std::vector<std::string> plans;
  for (const auto& plan : v.get_array()) {
    if (!plan.is_string() || plan.get_string().empty()) {
      return Bad(path, "must be an array of plan names");
    }
    plans.emplace_back(plan.get_string());
  }
  return plans;
}

Status ModelParser::ParseUnlocks(const json::value& v) {
  if (!v.is_object()) return Bad("unlocks", "must be an object");
  const json::object& o = v.get_object();
  for (const auto& [key, value] : o) {
    if (key != "cost_field" && key != "full_access_plans") {
      return Bad("unlocks." + std::string(key), "unknown key");
    }
  }
  UnlockPolicy policy;
  auto cost = FieldNamed("unlocks.cost_field", o.if_contains("cost_field"));
  if (!cost.ok()) return std::move(cost).error();
  // A negative cost would add credits, and a contact without a cost could not be priced.
  const FieldSpec& f = **cost;
  if (f.type != FieldType::kInteger || !f.minimum || *f.minimum < 0 || f.write_only ||
      !f.default_value.is_int64()) {
    return Bad("unlocks.cost_field",
               "must name an integer field with a minimum of 0 or more and a default");
  }
  policy.cost_field = &f;
  if (const json::value* plans = o.if_contains("full_access_plans")) {
    auto parsed = PlanNames("unlocks.full_access_plans", *plans);
    if (!parsed.ok()) return std::move(parsed).error();
    policy.full_access_plans = std::move(parsed).value();
  }
  model_.unlocks_ = std::move(policy);
  return {};
}

Status ModelParser::ParseListFilters(const json::value& v) {
  if (!v.is_object()) return Bad("list_filters", "must be an object: parameter → field");
  for (const auto& [param, field] : v.get_object()) {
    std::string path = "list_filters." + std::string(param);
    if (!IsIdentifier(param)) return Bad(path, "parameter names are lower-case identifiers");
    if (param == "limit" || param == "cursor") return Bad(path, "is reserved for pagination");
    auto f = FieldNamed(path, &field);
    if (!f.ok()) return std::move(f).error();
    if ((*f)->write_only || !TraitsOf((*f)->type).may_filter) {
      return Bad(path, "can only filter on a stored scalar or array field");
    }
    // A filter would tell whether a locked contact holds a value, without unlocking it.
    if ((*f)->gated) return Bad(path, "cannot filter on a gated field");
    model_.list_filters_.push_back({std::string(param), *f});
  }
  return {};
}

Status ModelParser::ParseSearch(const json::value& v) {
  if (!v.is_array() || v.get_array().empty()) {
    return Bad("search", "must be a non-empty array of field names");
  }
  for (const json::value& name : v.get_array()) {
    auto f = FieldNamed("search", &name);
    if (!f.ok()) return std::move(f).error();
    const std::string path = "search." + (*f)->name;
    if (!TraitsOf((*f)->type).may_search) {
      return Bad(path, "only string and email fields are searched by prefix");
    }
    // A search would tell what a field the caller may not read holds.
    if ((*f)->write_only || (*f)->gated) return Bad(path, "cannot search a hidden field");
    if (std::find(model_.search_fields_.begin(), model_.search_fields_.end(), *f) !=
        model_.search_fields_.end()) {
      return Bad(path, "listed twice");
    }
    model_.search_fields_.push_back(*f);
  }
  return {};
}

Status ModelParser::ParseCollections(const json::value& v) {
  // Each is served at {base}/<name>: names that other routes use are taken.
  static constexpr std::string_view kTaken[] = {"contacts", "healthz"};
  if (!v.is_array()) return Bad("collections", "must be an array of names");
  for (const auto& item : v.get_array()) {
    if (!item.is_string() || !IsIdentifier(item.get_string())) {
      return Bad("collections", "names are lower-case identifiers");
    }
    std::string name(item.get_string());
    if (std::find(std::begin(kTaken), std::end(kTaken), name) != std::end(kTaken)) {
      return Bad("collections." + name, "is the path of another resource");
    }
    if (model_.HasCollection(name)) return Bad("collections." + name, "listed twice");
    model_.collections_.push_back(std::move(name));
  }
  return {};
}

}  // namespace contactsd::model

namespace contactsd::model {

// {"create": {fields}, "update": {fields}}: each checked as a request of its kind would be
// (the create also as a whole record), so an example the model would refuse cannot ship.
Status ModelParser::ParseExamples(const json::value& v) {
  if (!v.is_object()) return Bad("examples", "must be an object: create, update");
  for (const auto& [key, value] : v.get_object()) {
    const std::string path = "examples." + std::string(key);
    if (key != "create" && key != "update") return Bad(path, "unknown key");
    if (!value.is_object()) return Bad(path, "must be an object of fields");
    const WriteKind kind = key == "create" ? WriteKind::kCreate : WriteKind::kUpdate;
    PatchCheck check = CheckPatch(model_, value.get_object(), {}, kind);
    std::vector<FieldError> errors = std::move(check.errors);
    if (errors.empty() && kind == WriteKind::kCreate) {
      errors = ValidateRecord(model_, NewRecord(model_, check.normalized));
    }
    if (!errors.empty()) {
      return Bad(path + "." + errors.front().field, errors.front().message);
    }
    (kind == WriteKind::kCreate ? model_.example_create_ : model_.example_update_) =
        value.get_object();
  }
  return {};
}

}  // namespace contactsd::model
