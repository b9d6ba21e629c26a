// Scalars: boolean, integer, number, enum. No coercion: "true" is not a boolean.
#include "model/field_types.hpp"
#include "model/type_checks.hpp"

#include <boost/json/value.hpp>

#include <cmath>
#include <string>

namespace contactsd::model::types {
namespace {

// The shortest text of a bound: "0", "100", "0.5".
std::string BoundText(double bound) {
  std::string text = std::to_string(bound);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

// nullopt when `value` lies within the field's minimum and maximum, else the out_of_range error.
std::optional<FieldError> CheckRange(const FieldSpec& spec, double value, std::string_view path) {
  bool low = spec.minimum && value < *spec.minimum;
  bool high = spec.maximum && value > *spec.maximum;
  if (!low && !high) return std::nullopt;
  std::string message;
  if (spec.minimum && spec.maximum) {
    message = "must be between " + BoundText(*spec.minimum) + " and " + BoundText(*spec.maximum);
  } else if (spec.minimum) {
    message = "must be at least " + BoundText(*spec.minimum);
  } else {
    message = "must be at most " + BoundText(*spec.maximum);
  }
  return MakeError(path, "out_of_range", std::move(message));
}

}  // namespace

std::optional<FieldError> Boolean(const FieldSpec&, const boost::json::value& in,
                                  const TypeContext&, std::string_view path,
                                  boost::json::value& out) {
  if (!in.is_bool()) return TypeError(path, "a boolean");
  out = in;
  return std::nullopt;
}

std::optional<FieldError> Integer(const FieldSpec& spec, const boost::json::value& in,
                                  const TypeContext&, std::string_view path,
                                  boost::json::value& out) {
  if (in.is_int64() || in.is_uint64()) {
    if (in.is_uint64() && in.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
      return MakeError(path, "out_of_range", "must fit in a signed 64-bit integer");
    }
    std::int64_t value =
        in.is_int64() ? in.get_int64() : static_cast<std::int64_t>(in.get_uint64());
    if (auto e = CheckRange(spec, static_cast<double>(value), path)) return e;
    out = value;
    return std::nullopt;
  }
  // A number with a fraction or an exponent is refused even when its value is whole: the
  // parser has already rounded it ("1E-400" arrives as 0.0), so its value cannot be trusted.
  return TypeError(path, "an integer");
}

std::optional<FieldError> Number(const FieldSpec& spec, const boost::json::value& in,
                                 const TypeContext&, std::string_view path,
                                 boost::json::value& out) {
  if (!in.is_number()) return TypeError(path, "a number");
  if (in.is_double() && !std::isfinite(in.get_double())) {
    return MakeError(path, "out_of_range", "must be a finite number");
  }
  if (auto e = CheckRange(spec, in.to_number<double>(), path)) return e;
  out = in;
  return std::nullopt;
}

std::optional<FieldError> Enum(const FieldSpec& spec, const boost::json::value& in,
                               const TypeContext&, std::string_view path, boost::json::value& out) {
  if (in.is_string()) {
    std::string_view s = in.get_string();
    for (const auto& v : spec.values) {
      if (s == v) {
        out = in;
        return std::nullopt;
      }
    }
    if (spec.invalid_as_default) {
      out = spec.default_value;
      return std::nullopt;
    }
  }
  std::string allowed;
  for (const auto& v : spec.values) {
    if (!allowed.empty()) allowed += ", ";
    allowed += v;
  }
  if (!in.is_string()) return TypeError(path, "one of: " + allowed);
  return MakeError(path, "invalid_value", "must be one of: " + allowed);
}

namespace {

void BooleanSchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "boolean";
}

void RangeSchema(const FieldSpec& spec, boost::json::object& out) {
  if (spec.minimum) out["minimum"] = *spec.minimum;
  if (spec.maximum) out["maximum"] = *spec.maximum;
}

void IntegerSchema(const FieldSpec& spec, SchemaSide, boost::json::object& out) {
  out["type"] = "integer";
  out["format"] = "int64";
  RangeSchema(spec, out);
}

void NumberSchema(const FieldSpec& spec, SchemaSide, boost::json::object& out) {
  out["type"] = "number";
  RangeSchema(spec, out);
}

// An enum that stores its default for a value outside its list accepts any string.
void EnumSchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  out["type"] = "string";
  boost::json::array values;
  for (const auto& v : spec.values) values.emplace_back(v);
  if (side == SchemaSide::kRequest && spec.invalid_as_default) {
    out["examples"] = std::move(values);
    out["description"] = "A value outside the list is stored as the default.";
  } else {
    out["enum"] = std::move(values);
  }
}

}  // namespace

extern constinit const FieldTypeTraits kBooleanType{.name = "boolean",
                                                    .type = FieldType::kBoolean,
                                                    .check = Boolean,
                                                    .may_filter = true,
                                                    .custom_field = true,
                                                    .item_type = FieldType::kBoolean,
                                                    .from_text = text::AsBoolean,
                                                    .expected = "must be true or false",
                                                    .schema = BooleanSchema};
extern constinit const FieldTypeTraits kIntegerType{.name = "integer",
                                                    .type = FieldType::kInteger,
                                                    .check = Integer,
                                                    .takes_range = true,
                                                    .may_reference = true,
                                                    .may_filter = true,
                                                    .custom_field = true,
                                                    .item_type = FieldType::kInteger,
                                                    .from_text = text::AsInteger,
                                                    .expected = "must be an integer",
                                                    .schema = IntegerSchema};
extern constinit const FieldTypeTraits kNumberType{.name = "number",
                                                   .type = FieldType::kNumber,
                                                   .check = Number,
                                                   .takes_range = true,
                                                   .may_filter = true,
                                                   .custom_field = true,
                                                   .item_type = FieldType::kNumber,
                                                   .from_text = text::AsNumber,
                                                   .expected = "must be a number",
                                                   .schema = NumberSchema};
extern constinit const FieldTypeTraits kEnumType{.name = "enum",
                                                 .type = FieldType::kEnum,
                                                 .check = Enum,
                                                 .takes_values = true,
                                                 .may_filter = true,
                                                 .custom_field = true,
                                                 .item_type = FieldType::kEnum,
                                                 .from_text = text::AsString,
                                                 .schema = EnumSchema};

}  // namespace contactsd::model::types
