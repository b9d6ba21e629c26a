// What each field type is, declared once: its name in model files, its value check, which
// definition keys it takes, whether it may be unique, filtered on or a custom field's type,
// how it reads a value written as text (a query parameter, a CSV cell), and its JSON Schema.
// Every other piece asks the type (TraitsOf) instead of switching on it, so a new type is
// its own file (the check, the text reading, the schema) and one line in field_types.cpp.
#pragma once

#include "model/field_spec.hpp"
#include "model/type_checks.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <span>
#include <string_view>

namespace contactsd::model {

// Which side of the API a schema describes: a request accepts what the check accepts (it may
// normalize: a phone number in any national form), an answer shows what is stored (E.164).
enum class SchemaSide { kRequest, kAnswer };

struct FieldTypeTraits {
  std::string_view name;  // in model files: "string", "email", ...
  FieldType type;
  types::Check check;  // null for custom_fields, a container checked key by key

  // The definition keys the type takes beyond the common flags.
  bool takes_max_length = false;  // max_length (for arrays: of each item)
  bool takes_range = false;       // minimum, maximum
  bool takes_values = false;      // values (required)
  bool takes_items = false;       // max_items, dedupe
  bool takes_lowercase = false;   // lowercase
  bool may_reference = false;     // references (entry ids of a collection)

  // What a model may do with a field of the type.
  bool may_be_unique = false;  // unique among the tenant's active contacts
  bool may_filter = false;     // a list filter ("filters" in the model file)
  bool custom_field = false;   // a custom field's type
  bool may_search = false;     // searched by prefix (?q=, "search" in the model file)

  // Arrays: the type of their items (a filter on an array field matches one item); else the
  // type itself.
  FieldType item_type;

  // The JSON value `text` spells as this type's value (a query parameter, a CSV cell), or
  // nullopt when it spells none; `expected` says what it should have been ("must be a number").
  std::optional<boost::json::value> (*from_text)(std::string_view text) = nullptr;
  std::string_view expected = {};

  // Adds the JSON Schema (2020-12) keywords of a value of the field to `out`: type, format,
  // limits, enum. Nullability, read-only and write-only are the caller's (they are the
  // field's, not the type's).
  void (*schema)(const FieldSpec& spec, SchemaSide side, boost::json::object& out) = nullptr;
};

// The traits of every type; TraitsOf is a lookup in this table.
std::span<const FieldTypeTraits> AllFieldTypes();
const FieldTypeTraits& TraitsOf(FieldType type);
// The type named `name` in model files, or nullptr.
const FieldTypeTraits* FindFieldType(std::string_view name);

// Text readers shared by the types (field_types.cpp).
namespace text {
std::optional<boost::json::value> AsString(std::string_view text);
std::optional<boost::json::value> AsBoolean(std::string_view text);  // true/false, any case
std::optional<boost::json::value> AsInteger(std::string_view text);
std::optional<boost::json::value> AsNumber(std::string_view text);  // finite
std::optional<boost::json::value> AsJson(std::string_view text);    // arrays, objects
}  // namespace text

}  // namespace contactsd::model
