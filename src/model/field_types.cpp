#include "model/field_types.hpp"

#include "model/json_text.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <charconv>
#include <cmath>

namespace contactsd::model {

// Each type's traits live beside its check (text_types.cpp, scalar_types.cpp, ...).
namespace types {
extern const FieldTypeTraits kStringType, kEmailType, kPhoneType, kUrlType, kDateType,
    kDatetimeType, kBooleanType, kIntegerType, kNumberType, kUuidType, kCountryType, kEnumType,
    kStringArrayType, kIntegerArrayType, kObjectType, kAnyType, kCustomFieldsType;
}  // namespace types

namespace {

// In FieldType's order: TraitsOf indexes it by the enum's value.
const std::array<const FieldTypeTraits*, 17> kTypes = {
    &types::kStringType,      &types::kEmailType,        &types::kPhoneType,
    &types::kUrlType,         &types::kDateType,         &types::kDatetimeType,
    &types::kBooleanType,     &types::kIntegerType,      &types::kNumberType,
    &types::kUuidType,        &types::kCountryType,      &types::kEnumType,
    &types::kStringArrayType, &types::kIntegerArrayType, &types::kObjectType,
    &types::kAnyType,         &types::kCustomFieldsType,
};

}  // namespace

std::span<const FieldTypeTraits> AllFieldTypes() {
  // The traits themselves, in order, copied once: callers iterate values, not pointers.
  static const std::array<FieldTypeTraits, kTypes.size()> all = [] {
    std::array<FieldTypeTraits, kTypes.size()> out{};
    for (std::size_t i = 0; i < kTypes.size(); ++i) out[i] = *kTypes[i];
    return out;
  }();
  return all;
}

const FieldTypeTraits& TraitsOf(FieldType type) {
  return AllFieldTypes()[static_cast<std::size_t>(type)];
}

const FieldTypeTraits* FindFieldType(std::string_view name) {
  for (const FieldTypeTraits& t : AllFieldTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  const FieldTypeTraits* t = FindFieldType(name);
  if (!t) return std::nullopt;
  return t->type;
}

std::string_view FieldTypeName(FieldType type) { return TraitsOf(type).name; }

namespace text {

std::optional<boost::json::value> AsString(std::string_view text) {
  return boost::json::value(boost::json::string(text));
}

std::optional<boost::json::value> AsBoolean(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return boost::json::value(true);
  if (text == "false" || text == "False" || text == "FALSE") return boost::json::value(false);
  return std::nullopt;
}

std::optional<boost::json::value> AsInteger(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return boost::json::value(n);
}

std::optional<boost::json::value> AsNumber(std::string_view text) {
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return boost::json::value(d);
}

std::optional<boost::json::value> AsJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !AllNumbersFinite(v)) return std::nullopt;
  return v;
}

}  // namespace text
}  // namespace contactsd::model
