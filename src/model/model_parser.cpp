// Model files: JSON, checked key by key so a mistake is reported with the path of the bad key
// before the server starts. docs/models/README.md documents the format.
#include "model/iso_codes.hpp"
#include "model/model.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <set>

namespace contactsd::model {
namespace json = boost::json;

class ModelParser {
 public:
  static Result<Model> Parse(std::string_view text);

 private:
  Status ParseTop(const json::object& top);
  Status ParseField(std::string_view name, const json::value& v, FieldSpec& out);
  Status ParseResponse(const json::value& v);
  Status ParseResponseProperty(const json::value& item, ResponseProperty& out);
  Status ParseCustomFields(const json::value& v);
  Status ParseWriteRules(const json::value& v);
  Status ParseListFilters(const json::value& v);
  Status ParseRecordRules(const json::value& v);
  Result<const FieldSpec*> FieldNamed(std::string_view path, const json::value* name) const;

  static Error Bad(std::string_view path, std::string_view what) {
    return Error::BadRequest(std::string(path) + ": " + std::string(what), "invalid_model");
  }

  Model model_;
};

namespace {

// clang-format off
constexpr std::string_view kTopKeys[] = {
    "name", "description", "base_path", "envelope", "custom_fields", "fields", "system_fields",
    "response", "phone_default_region", "archived", "write_rules", "list_filters",
    "unauthorized_message", "record_rules", "replace"};
// clang-format on
constexpr std::string_view kFieldKeys[] = {
    "type",   "description", "required",      "nullable",           "read_only",
    "unique", "lowercase",   "dedupe",        "max_length",         "max_items",
    "values", "default",     "empty_as_null", "invalid_as_default", "write_only"};

template <std::size_t N>
bool Known(const std::string_view (&keys)[N], std::string_view key) {
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Result<Model> Model::Parse(std::string_view json_text) { return ModelParser::Parse(json_text); }

Result<Model> ModelParser::Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return Bad("(model file)", "not valid JSON: " + ec.message());
  if (!doc.is_object()) return Bad("(model file)", "must be a JSON object");
  ModelParser parser;
  if (auto st = parser.ParseTop(doc.get_object()); !st) return std::move(st).error();
  return std::move(parser.model_);
}

Status ModelParser::ParseTop(const json::object& top) {
  for (const auto& [key, value] : top) {
    if (!Known(kTopKeys, key)) return Bad(key, "unknown key");
  }
  const json::value* name = top.if_contains("name");
  if (!name || !name->is_string() || !IsIdentifier(name->get_string())) {
    return Bad("name", "required, lower-case letters, digits and '_'");
  }
  model_.name_ = name->get_string();

  const json::value* base = top.if_contains("base_path");
  if (!base || !base->is_string() ||
      (base->get_string() != "" &&
       (base->get_string().front() != '/' || base->get_string().back() == '/'))) {
    return Bad("base_path", "required, \"\" or a path such as \"/v1\" (no trailing slash)");
  }
  model_.base_path_ = base->get_string();

  if (const json::value* env = top.if_contains("envelope")) {
    if (*env == "flat") {
      model_.envelope_ = Envelope::kFlat;
    } else if (*env == "fields") {
      model_.envelope_ = Envelope::kFields;
    } else {
      return Bad("envelope", "must be \"flat\" or \"fields\"");
    }
  }
  if (const json::value* region = top.if_contains("phone_default_region")) {
    if (!region->is_string() || region->get_string().size() != 2) {
      return Bad("phone_default_region", "must be a two-letter region code such as \"US\"");
    }
    model_.type_context_.default_phone_region = region->get_string();
  }
  if (const json::value* custom = top.if_contains("custom_fields")) {
    if (auto st = ParseCustomFields(*custom); !st) return st;
  }
  if (const json::value* message = top.if_contains("unauthorized_message")) {
    if (!message->is_string() || message->get_string().empty()) {
      return Bad("unauthorized_message", "must be a non-empty string");
    }
    model_.unauthorized_message_ = message->get_string();
  }
  if (const json::value* archived = top.if_contains("archived")) {
    if (*archived == "visible") {
      model_.archived_hidden_ = false;
    } else if (*archived == "hidden") {
      model_.archived_hidden_ = true;
    } else {
      return Bad("archived", "must be \"visible\" or \"hidden\"");
    }
  }

  const json::value* fields = top.if_contains("fields");
  if (!fields || !fields->is_object() || fields->get_object().empty()) {
    return Bad("fields", "required, an object of field definitions");
  }
  model_.fields_.reserve(fields->get_object().size());
  for (const auto& [key, value] : fields->get_object()) {
    if (!IsIdentifier(key)) {
      return Bad("fields." + std::string(key), "field names are lower-case identifiers");
    }
    FieldSpec spec;
    if (auto st = ParseField(key, value, spec); !st) return st;
    model_.fields_.push_back(std::move(spec));
  }
  int custom_count = 0;
  for (const auto& f : model_.fields_) {
    if (f.type == FieldType::kCustomFields) {
      model_.custom_fields_field_ = &f;
      ++custom_count;
    }
  }
  if (custom_count > 1) return Bad("fields", "at most one field may be of type custom_fields");
  if (custom_count == 1 && !model_.custom_fields_enabled_) {
    return Bad("custom_fields", "must be true when a field has type custom_fields");
  }

  if (const json::value* system = top.if_contains("system_fields")) {
    if (!system->is_array()) return Bad("system_fields", "must be an array of names");
    for (const auto& n : system->get_array()) {
      if (!n.is_string()) return Bad("system_fields", "must be an array of names");
      if (model_.FindField(n.get_string())) {
        return Bad("system_fields." + std::string(n.get_string()), "is also a field");
      }
      model_.system_names_.emplace_back(n.get_string());
    }
  }
  if (const json::value* rules = top.if_contains("write_rules")) {
    if (auto st = ParseWriteRules(*rules); !st) return st;
  }
  for (const auto& f : model_.fields_) {
    bool used = std::any_of(model_.split_name_rules_.begin(), model_.split_name_rules_.end(),
                            [&](const SplitNameRule& r) { return r.from == &f; });
    if (f.write_only && !used) {
      return Bad("fields." + f.name + ".write_only", "no write rule reads this field");
    }
  }
  if (const json::value* rules = top.if_contains("record_rules")) {
    if (auto st = ParseRecordRules(*rules); !st) return st;
  }
  if (const json::value* replace = top.if_contains("replace")) {
    if (!replace->is_bool()) return Bad("replace", "must be a boolean");
    model_.replace_enabled_ = replace->get_bool();
  }
  model_.has_record_rules_ = !model_.subdivision_rules_.empty() || !model_.one_of_rules_.empty() ||
                             std::any_of(model_.fields_.begin(), model_.fields_.end(),
                                         [](const FieldSpec& f) { return f.required; });
  if (const json::value* filters = top.if_contains("list_filters")) {
    if (auto st = ParseListFilters(*filters); !st) return st;
  }
  const json::value* response = top.if_contains("response");
  if (!response) return Bad("response", "required, the list of response properties");
  return ParseResponse(*response);
}

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
    SplitNameRule rule;
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

Status ModelParser::ParseListFilters(const json::value& v) {
  if (!v.is_object()) return Bad("list_filters", "must be an object: parameter → field");
  for (const auto& [param, field] : v.get_object()) {
    std::string path = "list_filters." + std::string(param);
    if (!IsIdentifier(param)) return Bad(path, "parameter names are lower-case identifiers");
    if (param == "limit" || param == "cursor") return Bad(path, "is reserved for pagination");
    auto f = FieldNamed(path, &field);
    if (!f.ok()) return std::move(f).error();
    FieldType t = (*f)->type;
    if ((*f)->write_only || t == FieldType::kObject || t == FieldType::kAny ||
        t == FieldType::kCustomFields) {
      return Bad(path, "can only filter on a stored scalar or array field");
    }
    model_.list_filters_.push_back({std::string(param), *f});
  }
  return {};
}

Status ModelParser::ParseField(std::string_view name, const json::value& v, FieldSpec& out) {
  std::string path = "fields." + std::string(name);
  if (!v.is_object()) return Bad(path, "must be an object");
  const json::object& o = v.get_object();
  for (const auto& [key, value] : o) {
    if (!Known(kFieldKeys, key)) return Bad(path + "." + std::string(key), "unknown key");
  }
  out.name = name;
  const json::value* type = o.if_contains("type");
  if (!type || !type->is_string()) return Bad(path + ".type", "required");
  auto parsed = ParseFieldType(type->get_string());
  if (!parsed) {
    return Bad(path + ".type", "unknown type '" + std::string(type->get_string()) + "'");
  }
  out.type = *parsed;

  auto flag = [&](std::string_view key, bool& target) -> Status {
    if (const json::value* b = o.if_contains(key)) {
      if (!b->is_bool()) return Bad(path + "." + std::string(key), "must be a boolean");
      target = b->get_bool();
    }
    return {};
  };
  auto count = [&](std::string_view key, std::optional<std::size_t>& target) -> Status {
    if (const json::value* n = o.if_contains(key)) {
      if (!n->is_int64() || n->get_int64() < 1) {
        return Bad(path + "." + std::string(key), "must be a positive integer");
      }
      target = static_cast<std::size_t>(n->get_int64());
    }
    return {};
  };
  const std::pair<std::string_view, bool*> flags[] = {
      {"required", &out.required},           {"nullable", &out.nullable},
      {"read_only", &out.read_only},         {"unique", &out.unique},
      {"lowercase", &out.lowercase},         {"dedupe", &out.dedupe},
      {"empty_as_null", &out.empty_as_null}, {"invalid_as_default", &out.invalid_as_default},
      {"write_only", &out.write_only}};
  for (auto [key, target] : flags) {
    if (auto st = flag(key, *target); !st) return st;
  }
  if (auto st = count("max_length", out.max_length); !st) return st;
  if (auto st = count("max_items", out.max_items); !st) return st;

  if (const json::value* values = o.if_contains("values")) {
    if (out.type != FieldType::kEnum) return Bad(path + ".values", "only for type enum");
    if (!values->is_array() || values->get_array().empty()) {
      return Bad(path + ".values", "must be a non-empty array of strings");
    }
    for (const auto& s : values->get_array()) {
      if (!s.is_string()) return Bad(path + ".values", "must be a non-empty array of strings");
      out.values.emplace_back(s.get_string());
    }
  } else if (out.type == FieldType::kEnum) {
    return Bad(path + ".values", "required for type enum");
  }
  if (out.unique && out.type != FieldType::kString && out.type != FieldType::kEmail &&
      out.type != FieldType::kPhone && out.type != FieldType::kUuid) {
    return Bad(path + ".unique", "only string, email, phone and uuid fields can be unique");
  }
  if (out.invalid_as_default && (out.type != FieldType::kEnum || !o.contains("default"))) {
    return Bad(path + ".invalid_as_default", "needs an enum with a default");
  }
  if (const json::value* def = o.if_contains("default")) {
    // A default must itself be a valid value of the field.
    json::value normalized;
    std::vector<FieldError> errors;
    if (!def->is_null() &&
        !CheckValue(out, *def, model_.type_context_, path + ".default", normalized, errors)) {
      return Bad(path + ".default", errors.front().message);
    }
    out.default_value = def->is_null() ? json::value() : std::move(normalized);
  }
  return {};
}

Status ModelParser::ParseResponse(const json::value& v) {
  if (!v.is_array() || v.get_array().empty()) {
    return Bad("response", "must be a non-empty array of properties");
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& item : v.get_array()) {
    ResponseProperty property;
    if (auto st = ParseResponseProperty(item, property); !st) return st;
    if (!seen.insert(property.name).second) {
      return Bad("response." + property.name, "listed twice");
    }
    model_.response_.push_back(std::move(property));
  }
  return {};
}

// A property is a name (a field, or a system property) or an object:
// {"name", "field" | "join" | "source", "optional", "omit_when_null"}.
Status ModelParser::ParseResponseProperty(const json::value& item, ResponseProperty& out) {
  static constexpr std::pair<std::string_view, PropertySource> kSystem[] = {
      {"id", PropertySource::kId},
      {"version", PropertySource::kVersion},
      {"created_at", PropertySource::kCreatedAt},
      {"updated_at", PropertySource::kUpdatedAt},
      {"archived_at", PropertySource::kArchivedAt},
      {"archived_flag", PropertySource::kArchivedFlag},
      {"archived_by", PropertySource::kArchivedBy},
  };
  auto system = [&](std::string_view name) {
    return std::find_if(std::begin(kSystem), std::end(kSystem),
                        [&](const auto& s) { return s.first == name; });
  };
  auto field_source = [&](std::string_view path, const FieldSpec* f) -> Status {
    if (f->write_only) return Bad(path, "a write_only field is never shown");
    out.source = PropertySource::kField;
    out.field = f;
    return {};
  };

  if (item.is_string()) {
    out.name = item.get_string();
    std::string path = "response." + out.name;
    if (const FieldSpec* f = model_.FindField(out.name)) return field_source(path, f);
    auto it = system(out.name);
    if (it == std::end(kSystem) || it->second == PropertySource::kArchivedFlag) {
      return Bad(path, "is neither a field nor a system property");
    }
    out.source = it->second;
    return {};
  }
  if (!item.is_object()) return Bad("response", "items are names or objects");
  const json::object& o = item.get_object();
  const json::value* name = o.if_contains("name");
  if (!name || !name->is_string() || name->get_string().empty()) {
    return Bad("response", "an object property needs a \"name\"");
  }
  out.name = name->get_string();
  std::string path = "response." + out.name;
  int sources = 0;
  for (const auto& [key, value] : o) {
    if (key == "name") continue;
    if (key == "optional" || key == "omit_when_null" || key == "flatten") {
      if (!value.is_bool()) return Bad(path + "." + std::string(key), "must be a boolean");
      (key == "optional"  ? out.optional
       : key == "flatten" ? out.flatten
                          : out.omit_when_null) = value.get_bool();
    } else if (key == "field") {
      ++sources;
      auto f = FieldNamed(path + ".field", &value);
      if (!f.ok()) return std::move(f).error();
      if (auto st = field_source(path, *f); !st) return st;
    } else if (key == "join") {
      ++sources;
      if (!value.is_array() || value.get_array().size() < 2) {
        return Bad(path + ".join", "must list at least two string fields");
      }
      out.source = PropertySource::kJoin;
      for (const auto& part : value.get_array()) {
        auto f = FieldNamed(path + ".join", &part);
        if (!f.ok()) return std::move(f).error();
        if ((*f)->type != FieldType::kString || (*f)->write_only) {
          return Bad(path + ".join", "joins stored string fields only");
        }
        out.parts.push_back(*f);
      }
    } else if (key == "source") {
      ++sources;
      auto it = value.is_string() ? system(value.get_string()) : std::end(kSystem);
      if (it == std::end(kSystem)) {
        return Bad(path + ".source",
                   "must be one of id, version, created_at, updated_at, archived_at, "
                   "archived_flag, archived_by");
      }
      out.source = it->second;
    } else {
      return Bad(path + "." + std::string(key), "unknown key");
    }
  }
  if (out.flatten && (sources != 0 || !model_.FindField(out.name) ||
                      model_.FindField(out.name)->type != FieldType::kCustomFields)) {
    return Bad(path + ".flatten", "only for the custom_fields field, named by its name");
  }
  if (sources == 0) {
    if (const FieldSpec* f = model_.FindField(out.name)) return field_source(path, f);
    auto it = system(out.name);
    if (it == std::end(kSystem)) return Bad(path, "is neither a field nor a system property");
    out.source = it->second;
  } else if (sources > 1) {
    return Bad(path, "takes one of field, join and source");
  }
  return {};
}

}  // namespace contactsd::model
