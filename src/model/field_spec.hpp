// A field of a contact model, as declared in a model file: its type and its rules. Pure data.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::model {

enum class FieldType {
  kString,
  kEmail,
  kPhone,
  kUrl,
  kDate,      // "yyyy-mm-dd", a real calendar date
  kDatetime,  // ISO 8601 with a zone, stored as UTC with milliseconds
  kBoolean,
  kInteger,
  kNumber,
  kUuid,
  kCountry,  // an ISO 3166-1 alpha-2 code that exists, upper-case
  kEnum,
  kStringArray,
  kIntegerArray,
  kObject,        // any JSON object, stored as sent
  kAny,           // any JSON value, stored as sent
  kCustomFields,  // an object keyed by the tenant's custom field names
};

// The model-file name of a type ("string", "email", ...), and back. Returns nullopt for an
// unknown name.
std::optional<FieldType> ParseFieldType(std::string_view name);
std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;            // the merged record must have a non-null, non-empty value
  bool nullable = true;             // null is accepted (and clears the field)
  bool read_only = false;           // system-managed: a request that sends it is refused
  bool unique = false;              // unique among the tenant's active contacts
  bool lowercase = false;           // strings and emails: stored lower-cased
  bool dedupe = false;              // arrays: repeated items stored once, first occurrence kept
  bool empty_as_null = false;       // "" is stored as null
  bool invalid_as_default = false;  // enums: a string outside `values` stores the default
  bool write_only = false;          // accepted in requests for a write rule, never stored or shown
  bool create_only = false;         // accepted when a contact is created, refused by PATCH and PUT
  bool gated = false;  // unlocks: shown (not null) only to orgs that unlocked the contact
  std::optional<std::size_t> max_length;  // strings and array items, in code points
  std::optional<std::size_t> max_items;   // arrays
  std::optional<double> minimum;          // integers and numbers: the smallest value accepted
  std::optional<double> maximum;          // integers and numbers: the largest value accepted
  std::vector<std::string> values;        // enums: the allowed values, case-sensitive
  // integer and integer_array fields: the model collection ("lists") whose entry ids the values
  // must be, in the writer's tenant; empty for none.
  std::string references;
  boost::json::value default_value;  // stored when the field is absent at create
  std::string description;           // for people (the API's OpenAPI document)
};

}  // namespace contactsd::model
