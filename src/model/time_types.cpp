// Dates ("yyyy-mm-dd", real calendar dates) and datetimes (ISO 8601, stored as UTC).
#include "common/time.hpp"
#include "model/field_types.hpp"
#include "model/type_checks.hpp"

#include <boost/json/value.hpp>

namespace contactsd::model::types {

std::optional<FieldError> Date(const FieldSpec&, const boost::json::value& in, const TypeContext&,
                               std::string_view path, boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view s = in.get_string();
  if (!IsCalendarDate(s)) {
    return MakeError(path, "invalid_format", "must be a real date in the form yyyy-mm-dd");
  }
  out = in;
  return std::nullopt;
}

std::optional<FieldError> Datetime(const FieldSpec&, const boost::json::value& in,
                                   const TypeContext&, std::string_view path,
                                   boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  auto ms = ParseTimestamp(in.get_string());
  if (!ms) {
    return MakeError(path, "invalid_format",
                     "must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T09:30:00Z");
  }
  out.emplace_string() = FormatTimestamp(*ms);
  return std::nullopt;
}

namespace {

void DateSchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "string";
  out["format"] = "date";
}

// A request may write any zone; the answer is UTC with milliseconds.
void DatetimeSchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "string";
  out["format"] = "date-time";
}

}  // namespace

extern constinit const FieldTypeTraits kDateType{.name = "date",
                                                 .type = FieldType::kDate,
                                                 .check = Date,
                                                 .may_filter = true,
                                                 .custom_field = true,
                                                 .item_type = FieldType::kDate,
                                                 .from_text = text::AsString,
                                                 .schema = DateSchema};
extern constinit const FieldTypeTraits kDatetimeType{.name = "datetime",
                                                     .type = FieldType::kDatetime,
                                                     .check = Datetime,
                                                     .may_filter = true,
                                                     .custom_field = true,
                                                     .item_type = FieldType::kDatetime,
                                                     .from_text = text::AsString,
                                                     .schema = DatetimeSchema};

}  // namespace contactsd::model::types
