// Model files: JSON, checked key by key so a mistake is reported with the path of the bad key
// before the server starts. docs/models/README.md documents the format.
#include "model/model_parser.hpp"

#include "model/field_types.hpp"
#include "model/iso_codes.hpp"
#include "model/model.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <set>

namespace contactsd::model {

namespace {

// clang-format off
constexpr std::string_view kTopKeys[] = {
    "name", "description", "base_path", "envelope", "custom_fields", "fields", "system_fields",
    "response", "phone_default_region", "archived", "write_rules", "list_filters", "search",
    "unauthorized_message", "record_rules", "replace", "change_log", "collections", "tenancy", "write_plans",
    "unlocks", "auth_schemes", "examples"};
constexpr std::string_view kFieldKeys[] = {
    "type", "description", "required", "nullable", "read_only", "unique", "lowercase", "dedupe",
    "max_length", "max_items", "values", "default", "empty_as_null", "invalid_as_default",
    "write_only", "create_only", "gated", "minimum", "maximum", "references"};
// clang-format on

template <std::size_t N>
bool Known(const std::string_view (&keys)[N], std::string_view key) {
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

}  // namespace

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

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
  if (const json::value* d = top.if_contains("description")) {
    if (!d->is_string()) return Bad("description", "must be a string");
    model_.description_ = d->get_string();
  }

  const json::value* base = top.if_contains("base_path");
  if (!base || !base->is_string() ||
      (base->get_string() != "" &&
       (base->get_string().front() != '/' || base->get_string().back() == '/'))) {
    return Bad("base_path", "required, \"\" or a path such as \"/v1\" (no trailing slash)");
  }
  // Every route starts with it, and the router matches each of its segments as a literal.
  std::string_view rest = base->get_string();
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const std::string_view segment = rest.substr(0, rest.find('/'));
    rest.remove_prefix(segment.size());
    const bool plain = std::all_of(segment.begin(), segment.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '.' || c == '_' || c == '~';
    });
    if (segment.empty() || !plain || segment == "." || segment == "..") {
      return Bad("base_path",
                 "each segment must be letters, digits, '-', '.', '_' or '~' (and not \".\" or "
                 "\"..\")");
    }
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
  if (const json::value* schemes = top.if_contains("auth_schemes")) {
    auto bad = [&] {
      return Bad("auth_schemes", "must be a non-empty array of scheme names such as \"Bearer\"");
    };
    if (!schemes->is_array() || schemes->get_array().empty()) return bad();
    model_.auth_schemes_.clear();
    for (const json::value& scheme : schemes->get_array()) {
      // An RFC 9110 token: it is written into the WWW-Authenticate header as it is.
      if (!scheme.is_string() || scheme.get_string().empty() ||
          scheme.get_string().find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") !=
              json::string::npos) {
        return bad();
      }
      model_.auth_schemes_.emplace_back(scheme.get_string());
    }
  }
  if (const json::value* archived = top.if_contains("archived")) {
    if (*archived == "visible") {
      model_.archiving_ = Archiving::kVisible;
    } else if (*archived == "hidden") {
      model_.archiving_ = Archiving::kHidden;
    } else if (*archived == "none") {
      model_.archiving_ = Archiving::kNone;
    } else {
      return Bad("archived", "must be \"visible\", \"hidden\" or \"none\"");
    }
  }
  if (const json::value* tenancy = top.if_contains("tenancy")) {
    if (*tenancy == "org") {
      model_.tenancy_ = Tenancy::kOrg;
    } else if (*tenancy == "catalogue") {
      model_.tenancy_ = Tenancy::kCatalogue;
    } else {
      return Bad("tenancy", "must be \"org\" or \"catalogue\"");
    }
    // Custom field definitions belong to one org; a shared catalogue has no such owner.
    if (model_.tenancy_ == Tenancy::kCatalogue && model_.custom_fields_enabled_) {
      return Bad("tenancy", "a catalogue cannot have custom_fields");
    }
  }
  if (const json::value* plans = top.if_contains("write_plans")) {
    auto parsed = PlanNames("write_plans", *plans);
    if (!parsed.ok()) return std::move(parsed).error();
    if (parsed->empty()) return Bad("write_plans", "must name at least one plan");
    model_.write_plans_ = std::move(parsed).value();
  }

  // Before the fields, which may reference them.
  if (const json::value* collections = top.if_contains("collections")) {
    if (auto st = ParseCollections(*collections); !st) return st;
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
  if (const json::value* log = top.if_contains("change_log")) {
    if (!log->is_bool()) return Bad("change_log", "must be a boolean");
    model_.change_log_ = log->get_bool();
  }
  if (const json::value* replace = top.if_contains("replace")) {
    if (!replace->is_bool()) return Bad("replace", "must be a boolean");
    model_.replace_enabled_ = replace->get_bool();
  }
  if (const json::value* unlocks = top.if_contains("unlocks")) {
    if (auto st = ParseUnlocks(*unlocks); !st) return st;
  }
  for (const auto& f : model_.fields_) {
    if (f.gated && !model_.unlocks_) {
      return Bad("fields." + f.name + ".gated", "needs the model's \"unlocks\" section");
    }
  }
  model_.has_record_rules_ = !model_.subdivision_rules_.empty() || !model_.one_of_rules_.empty() ||
                             std::any_of(model_.fields_.begin(), model_.fields_.end(),
                                         [](const FieldSpec& f) { return f.required; });
  if (const json::value* filters = top.if_contains("list_filters")) {
    if (auto st = ParseListFilters(*filters); !st) return st;
  }
  if (const json::value* search = top.if_contains("search")) {
    if (auto st = ParseSearch(*search); !st) return st;
  }
  const json::value* response = top.if_contains("response");
  if (!response) return Bad("response", "required, the list of response properties");
  if (auto st = ParseResponse(*response); !st) return st;
  if (const json::value* examples = top.if_contains("examples")) return ParseExamples(*examples);
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
  const FieldTypeTraits* traits = FindFieldType(type->get_string());
  if (!traits) {
    return Bad(path + ".type", "unknown type '" + std::string(type->get_string()) + "'");
  }
  out.type = traits->type;
  if (const json::value* d = o.if_contains("description")) {
    if (!d->is_string()) return Bad(path + ".description", "must be a string");
    out.description = d->get_string();
  }
  // The keys the type takes; a key it does not take would be silently meaningless.
  const std::pair<std::string_view, bool> typed_keys[] = {
      {"max_length", traits->takes_max_length}, {"minimum", traits->takes_range},
      {"maximum", traits->takes_range},         {"values", traits->takes_values},
      {"max_items", traits->takes_items},       {"dedupe", traits->takes_items},
      {"lowercase", traits->takes_lowercase},   {"references", traits->may_reference},
      {"unique", traits->may_be_unique}};
  for (auto [key, taken] : typed_keys) {
    const json::value* given = o.if_contains(key);
    if (!taken && given && !(given->is_bool() && !given->get_bool())) {
      return Bad(path + "." + std::string(key),
                 "type " + std::string(traits->name) + " does not take this key");
    }
  }

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
      {"required", &out.required},
      {"nullable", &out.nullable},
      {"read_only", &out.read_only},
      {"unique", &out.unique},
      {"lowercase", &out.lowercase},
      {"dedupe", &out.dedupe},
      {"empty_as_null", &out.empty_as_null},
      {"invalid_as_default", &out.invalid_as_default},
      {"write_only", &out.write_only},
      {"create_only", &out.create_only},
      {"gated", &out.gated}};
  for (auto [key, target] : flags) {
    if (auto st = flag(key, *target); !st) return st;
  }
  if (auto st = count("max_length", out.max_length); !st) return st;
  if (auto st = count("max_items", out.max_items); !st) return st;
  for (auto [key, target] :
       {std::pair{"minimum", &out.minimum}, std::pair{"maximum", &out.maximum}}) {
    const json::value* bound = o.if_contains(key);
    if (!bound) continue;
    if (!bound->is_number()) return Bad(path + "." + key, "must be a number");
    *target = bound->to_number<double>();
  }
  if (out.minimum && out.maximum && *out.minimum > *out.maximum) {
    return Bad(path + ".minimum", "must not be greater than maximum");
  }
  if (out.create_only && (out.read_only || out.write_only)) {
    return Bad(path + ".create_only", "a read_only or write_only field is never updated anyway");
  }
  if (out.gated && out.write_only) return Bad(path + ".gated", "a write_only field is never shown");

  if (const json::value* values = o.if_contains("values")) {
    if (!values->is_array() || values->get_array().empty()) {
      return Bad(path + ".values", "must be a non-empty array of strings");
    }
    for (const auto& s : values->get_array()) {
      if (!s.is_string()) return Bad(path + ".values", "must be a non-empty array of strings");
      out.values.emplace_back(s.get_string());
    }
  } else if (traits->takes_values) {
    return Bad(path + ".values", "required for type " + std::string(traits->name));
  }
  if (const json::value* collection = o.if_contains("references")) {
    if (!collection->is_string() || !model_.HasCollection(collection->get_string())) {
      return Bad(path + ".references", "must name one of the model's collections");
    }
    out.references = collection->get_string();
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
  // Entry ids belong to one tenant: no id can be a default for every tenant.
  if (!out.references.empty() && !out.default_value.is_null() &&
      !(out.default_value.is_array() && out.default_value.get_array().empty())) {
    return Bad(path + ".default", "a field that references a collection defaults to null or []");
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
    if (property.optional) model_.optional_properties_.push_back(property.name);
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
      {"access", PropertySource::kAccess},
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
    if (it == std::end(kSystem) || it->second == PropertySource::kArchivedFlag ||
        it->second == PropertySource::kAccess) {
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
                   "archived_flag, archived_by, access");
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
  if (out.source == PropertySource::kAccess && !model_.unlocks_) {
    return Bad(path + ".source", "access needs the model's \"unlocks\" section");
  }
  return {};
}

}  // namespace contactsd::model
