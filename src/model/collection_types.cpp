// Collections: arrays of strings, free-form objects, and the tenant's custom fields.
#include "model/field_types.hpp"
#include "model/type_checks.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace contactsd::model::types {

std::optional<FieldError> StringArray(const FieldSpec& spec, const boost::json::value& in,
                                      const TypeContext&, std::string_view path,
                                      boost::json::value& out) {
  if (!in.is_array()) return TypeError(path, "an array of strings");
  const auto& items = in.get_array();
  if (spec.max_items && items.size() > *spec.max_items) {
    return MakeError(path, "too_many_items",
                     "must have at most " + std::to_string(*spec.max_items) + " items");
  }
  boost::json::array result(out.storage());
  result.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_string()) return TypeError(path, "an array of strings");
    std::string_view s = item.get_string();
    if (s.empty()) return MakeError(path, "invalid_value", "must not contain empty strings");
    if (spec.max_length && CodePoints(s) > *spec.max_length) {
      return MakeError(path, "too_long",
                       "items must be at most " + std::to_string(*spec.max_length) + " characters");
    }
    if (spec.dedupe) {
      bool seen = false;
      for (const auto& kept : result) seen = seen || kept.get_string() == s;
      if (seen) continue;
    }
    result.emplace_back(s);
  }
  out = std::move(result);
  return std::nullopt;
}

std::optional<FieldError> IntegerArray(const FieldSpec& spec, const boost::json::value& in,
                                       const TypeContext&, std::string_view path,
                                       boost::json::value& out) {
  if (!in.is_array()) return TypeError(path, "an array of integers");
  const auto& items = in.get_array();
  if (spec.max_items && items.size() > *spec.max_items) {
    return MakeError(path, "too_many_items",
                     "must have at most " + std::to_string(*spec.max_items) + " items");
  }
  boost::json::array result(out.storage());
  result.reserve(items.size());
  for (const auto& item : items) {
    // Fractions and exponents are refused, as for integer fields (see scalar_types.cpp).
    if (!item.is_int64() && !item.is_uint64()) return TypeError(path, "an array of integers");
    if (item.is_uint64() && item.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
      return MakeError(path, "out_of_range", "items must fit in a signed 64-bit integer");
    }
    std::int64_t v =
        item.is_int64() ? item.get_int64() : static_cast<std::int64_t>(item.get_uint64());
    if (spec.dedupe) {
      bool seen = false;
      for (const auto& kept : result) seen = seen || kept.get_int64() == v;
      if (seen) continue;
    }
    result.emplace_back(v);
  }
  out = std::move(result);
  return std::nullopt;
}

std::optional<FieldError> Object(const FieldSpec&, const boost::json::value& in, const TypeContext&,
                                 std::string_view path, boost::json::value& out) {
  if (!in.is_object()) return TypeError(path, "an object");
  out = in;
  return std::nullopt;
}

std::optional<FieldError> Any(const FieldSpec&, const boost::json::value& in, const TypeContext&,
                              std::string_view, boost::json::value& out) {
  out = in;
  return std::nullopt;
}

bool CustomFields(const FieldSpec&, const boost::json::value& in, const TypeContext& ctx,
                  std::string_view path, boost::json::value& out, std::vector<FieldError>& errors) {
  if (!in.is_object()) {
    errors.push_back(TypeError(path, "an object"));
    return false;
  }
  bool ok = true;
  boost::json::object result(out.storage());
  // A problem's path ("custom_fields.score") is built only for a key that has one.
  auto key_path = [path](std::string_view key) {
    return std::string(path) + "." + std::string(key);
  };
  for (const auto& [key, value] : in.get_object()) {
    const FieldSpec* def = nullptr;
    if (ctx.custom_fields) {
      for (const auto& f : *ctx.custom_fields) {
        if (f.name == key) def = &f;
      }
    }
    if (!def && ctx.drop_unknown_custom_keys) continue;
    if (!def) {
      errors.push_back(MakeError(key_path(key), "unknown_field", "is not a defined custom field"));
      ok = false;
      continue;
    }
    boost::json::value normalized(out.storage());
    const std::size_t first_error = errors.size();
    if (CheckValue(*def, value, ctx, key, normalized, errors)) {
      result[key] = std::move(normalized);
    } else {
      ok = false;
      for (std::size_t i = first_error; i < errors.size(); ++i) {
        errors[i].field = key_path(errors[i].field);
      }
    }
  }
  if (ok) out = std::move(result);
  return ok;
}

namespace {

void ArraySchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out,
                 boost::json::object items) {
  out["type"] = "array";
  out["items"] = std::move(items);
  if (spec.max_items) out["maxItems"] = *spec.max_items;
  // Repeated items are sent freely and stored once.
  if (spec.dedupe && side == SchemaSide::kAnswer) out["uniqueItems"] = true;
}

void StringArraySchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  boost::json::object items{{"type", "string"}, {"minLength", 1}};
  if (spec.max_length) items["maxLength"] = *spec.max_length;
  ArraySchema(spec, side, out, std::move(items));
}

void IntegerArraySchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  ArraySchema(spec, side, out, {{"type", "integer"}, {"format", "int64"}});
}

void ObjectSchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "object";
}

void AnySchema(const FieldSpec&, SchemaSide, boost::json::object&) {}

}  // namespace

extern constinit const FieldTypeTraits kStringArrayType{.name = "string_array",
                                                        .type = FieldType::kStringArray,
                                                        .check = StringArray,
                                                        .takes_max_length = true,
                                                        .takes_items = true,
                                                        .may_filter = true,
                                                        .item_type = FieldType::kString,
                                                        .from_text = text::AsJson,
                                                        .schema = StringArraySchema};
extern constinit const FieldTypeTraits kIntegerArrayType{.name = "integer_array",
                                                         .type = FieldType::kIntegerArray,
                                                         .check = IntegerArray,
                                                         .takes_items = true,
                                                         .may_reference = true,
                                                         .may_filter = true,
                                                         .item_type = FieldType::kInteger,
                                                         .from_text = text::AsJson,
                                                         .schema = IntegerArraySchema};
extern constinit const FieldTypeTraits kObjectType{.name = "object",
                                                   .type = FieldType::kObject,
                                                   .check = Object,
                                                   .item_type = FieldType::kObject,
                                                   .from_text = text::AsJson,
                                                   .schema = ObjectSchema};
extern constinit const FieldTypeTraits kAnyType{.name = "any",
                                                .type = FieldType::kAny,
                                                .check = Any,
                                                .item_type = FieldType::kAny,
                                                .from_text = text::AsJson,
                                                .schema = AnySchema};
// Its schema's properties are the tenant's custom fields, which the document's maker knows.
extern constinit const FieldTypeTraits kCustomFieldsType{.name = "custom_fields",
                                                         .type = FieldType::kCustomFields,
                                                         .check = nullptr,
                                                         .item_type = FieldType::kCustomFields,
                                                         .from_text = text::AsJson,
                                                         .schema = ObjectSchema};

}  // namespace contactsd::model::types
