// The per-type checks behind CheckValue, one small function per type (grouped by family in
// text_types.cpp, phone_type.cpp, time_types.cpp, scalar_types.cpp, collection_types.cpp).
// Each receives a non-null value and either fills `out` or returns the error.
#pragma once

#include "model/value_check.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace contactsd::model::types {

using Check = std::optional<FieldError> (*)(const FieldSpec&, const boost::json::value&,
                                            const TypeContext&, std::string_view path,
                                            boost::json::value& out);

std::optional<FieldError> String(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                 std::string_view, boost::json::value&);
std::optional<FieldError> Email(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                std::string_view, boost::json::value&);
std::optional<FieldError> Url(const FieldSpec&, const boost::json::value&, const TypeContext&,
                              std::string_view, boost::json::value&);
std::optional<FieldError> Uuid(const FieldSpec&, const boost::json::value&, const TypeContext&,
                               std::string_view, boost::json::value&);
std::optional<FieldError> Country(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                  std::string_view, boost::json::value&);
std::optional<FieldError> Phone(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                std::string_view, boost::json::value&);
std::optional<FieldError> Date(const FieldSpec&, const boost::json::value&, const TypeContext&,
                               std::string_view, boost::json::value&);
std::optional<FieldError> Datetime(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                   std::string_view, boost::json::value&);
std::optional<FieldError> Boolean(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                  std::string_view, boost::json::value&);
std::optional<FieldError> Integer(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                  std::string_view, boost::json::value&);
std::optional<FieldError> Number(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                 std::string_view, boost::json::value&);
std::optional<FieldError> Enum(const FieldSpec&, const boost::json::value&, const TypeContext&,
                               std::string_view, boost::json::value&);
std::optional<FieldError> StringArray(const FieldSpec&, const boost::json::value&,
                                      const TypeContext&, std::string_view, boost::json::value&);
std::optional<FieldError> IntegerArray(const FieldSpec&, const boost::json::value&,
                                       const TypeContext&, std::string_view, boost::json::value&);
std::optional<FieldError> Object(const FieldSpec&, const boost::json::value&, const TypeContext&,
                                 std::string_view, boost::json::value&);
std::optional<FieldError> Any(const FieldSpec&, const boost::json::value&, const TypeContext&,
                              std::string_view, boost::json::value&);
// A container rather than a value: every key is checked, and every bad one reported.
bool CustomFields(const FieldSpec&, const boost::json::value&, const TypeContext&,
                  std::string_view path, boost::json::value& out, std::vector<FieldError>& errors);

// Shared by the string-like checks.
FieldError MakeError(std::string_view path, std::string code, std::string message);
FieldError TypeError(std::string_view path, std::string_view expected);
// Number of Unicode code points in valid UTF-8 text.
std::size_t CodePoints(std::string_view utf8);
// `text` without leading and trailing ASCII whitespace.
std::string_view Trim(std::string_view text);
// nullopt when `text` fits spec.max_length, else the too_long error.
std::optional<FieldError> CheckLength(const FieldSpec& spec, std::string_view text,
                                      std::string_view path);

}  // namespace contactsd::model::types
