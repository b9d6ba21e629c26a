#include "model/field_spec.hpp"

#include <array>
#include <utility>

namespace contactsd::model {
namespace {

constexpr std::array<std::pair<std::string_view, FieldType>, 17> kTypeNames = {{
    {"string", FieldType::kString},
    {"email", FieldType::kEmail},
    {"phone", FieldType::kPhone},
    {"url", FieldType::kUrl},
    {"date", FieldType::kDate},
    {"datetime", FieldType::kDatetime},
    {"boolean", FieldType::kBoolean},
    {"integer", FieldType::kInteger},
    {"number", FieldType::kNumber},
    {"uuid", FieldType::kUuid},
    {"country", FieldType::kCountry},
    {"enum", FieldType::kEnum},
    {"string_array", FieldType::kStringArray},
    {"integer_array", FieldType::kIntegerArray},
    {"object", FieldType::kObject},
    {"any", FieldType::kAny},
    {"custom_fields", FieldType::kCustomFields},
}};

}  // namespace

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [n, t] : kTypeNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view FieldTypeName(FieldType type) {
  for (const auto& [n, t] : kTypeNames) {
    if (t == type) return n;
  }
  return "unknown";
}

}  // namespace contactsd::model
