// String-like types: string, email, url, uuid; and the helpers they share.
#include "common/uuid.hpp"
#include "model/field_types.hpp"
#include "model/iso_codes.hpp"
#include "model/type_checks.hpp"

#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

namespace contactsd::model::types {
namespace {

template <class Text>
void ToLowerAscii(Text& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The WHATWG HTML "valid e-mail address": a local part of atext characters and dots, then a
// domain of labels of letters, digits and inner hyphens, each 1..63 long.
bool IsEmailAddress(std::string_view s) {
  static constexpr std::string_view kLocalExtra = ".!#$%&'*+/=?^_`{|}~-";
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  for (char c : s.substr(0, at)) {
    if (!IsAlnum(c) && kLocalExtra.find(c) == std::string_view::npos) return false;
  }
  std::string_view domain = s.substr(at + 1);
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

FieldError MakeError(std::string_view path, std::string code, std::string message) {
  return FieldError{std::string(path), std::move(code), std::move(message)};
}

FieldError TypeError(std::string_view path, std::string_view expected) {
  return MakeError(path, "invalid_type", "must be " + std::string(expected));
}

std::size_t CodePoints(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string_view Trim(std::string_view text) {
  static constexpr std::string_view kSpace = " \t\r\n\f\v";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<FieldError> CheckLength(const FieldSpec& spec, std::string_view text,
                                      std::string_view path) {
  if (spec.max_length && CodePoints(text) > *spec.max_length) {
    return MakeError(path, "too_long",
                     "must be at most " + std::to_string(*spec.max_length) + " characters");
  }
  return std::nullopt;
}

std::optional<FieldError> String(const FieldSpec& spec, const boost::json::value& in,
                                 const TypeContext&, std::string_view path,
                                 boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view s = in.get_string();
  if (auto e = CheckLength(spec, s, path)) return e;
  boost::json::string& stored = out.emplace_string();  // in out's memory, with no copy first
  stored = s;
  if (spec.lowercase) ToLowerAscii(stored);
  return std::nullopt;
}

std::optional<FieldError> Email(const FieldSpec& spec, const boost::json::value& in,
                                const TypeContext&, std::string_view path,
                                boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view value = Trim(in.get_string());
  if (auto e = CheckLength(spec, value, path)) return e;
  if (!IsEmailAddress(value)) {
    return MakeError(path, "invalid_format", "must be a valid email address");
  }
  boost::json::string& stored = out.emplace_string();  // in out's memory, with no copy first
  stored = value;
  if (spec.lowercase) ToLowerAscii(stored);
  return std::nullopt;
}

std::optional<FieldError> Url(const FieldSpec& spec, const boost::json::value& in,
                              const TypeContext&, std::string_view path, boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view s = Trim(in.get_string());
  if (auto e = CheckLength(spec, s, path)) return e;
  auto url = boost::urls::parse_absolute_uri(s);
  bool web = url && (url->scheme() == "http" || url->scheme() == "https") && url->has_authority() &&
             !url->host().empty();
  if (!web) return MakeError(path, "invalid_format", "must be an absolute http(s) URL");
  out.emplace_string() = s;
  return std::nullopt;
}

std::optional<FieldError> Uuid(const FieldSpec&, const boost::json::value& in, const TypeContext&,
                               std::string_view path, boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view s = in.get_string();
  if (!IsUuid(s)) return MakeError(path, "invalid_format", "must be a UUID");
  out.emplace_string() = ToLowerUuid(s);
  return std::nullopt;
}

std::optional<FieldError> Country(const FieldSpec&, const boost::json::value& in,
                                  const TypeContext&, std::string_view path,
                                  boost::json::value& out) {
  if (!in.is_string()) return TypeError(path, "a string");
  if (!IsCountryCode(in.get_string())) {
    return MakeError(path, "invalid_value",
                     "must be an ISO 3166-1 alpha-2 country code in capitals, such as US");
  }
  out = in;
  return std::nullopt;
}

namespace {

void StringSchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out,
                  std::string_view format) {
  out["type"] = "string";
  // A request's email or URL is checked once its surrounding spaces are trimmed: a format or
  // a limit on the sent text would refuse what the server accepts.
  const bool trimmed = spec.type != FieldType::kString && side == SchemaSide::kRequest;
  if (!format.empty() && !trimmed) out["format"] = format;
  if (spec.max_length && !trimmed) out["maxLength"] = *spec.max_length;
  if (trimmed) out["description"] = "Surrounding spaces are trimmed.";
}

void PlainStringSchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  StringSchema(spec, side, out, {});
}
// The WHATWG HTML "valid e-mail address" (IsEmailAddress above) as a pattern: JSON Schema's
// "email" format (RFC 5321) would refuse what the server stores, such as root@localhost.
void EmailSchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  StringSchema(spec, side, out, {});
  if (side == SchemaSide::kAnswer) {
    out["pattern"] =
        "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$";
  }
}
void UrlSchema(const FieldSpec& spec, SchemaSide side, boost::json::object& out) {
  StringSchema(spec, side, out, "uri");
}
// A filter on a uuid field names one: anything else is a mistake, not a value no contact holds.
std::optional<boost::json::value> AsUuidText(std::string_view text) {
  if (!IsUuid(text)) return std::nullopt;
  return boost::json::value(boost::json::string(text));
}

void UuidSchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "string";
  out["format"] = "uuid";
}
void CountrySchema(const FieldSpec&, SchemaSide, boost::json::object& out) {
  out["type"] = "string";
  boost::json::array codes;
  for (std::string_view code : CountryCodes()) codes.emplace_back(code);
  out["enum"] = std::move(codes);
}

}  // namespace

extern constinit const FieldTypeTraits kStringType{.name = "string",
                                                   .type = FieldType::kString,
                                                   .check = String,
                                                   .takes_max_length = true,
                                                   .takes_lowercase = true,
                                                   .may_be_unique = true,
                                                   .may_filter = true,
                                                   .custom_field = true,
                                                   .may_search = true,
                                                   .item_type = FieldType::kString,
                                                   .from_text = text::AsString,
                                                   .schema = PlainStringSchema};
extern constinit const FieldTypeTraits kEmailType{.name = "email",
                                                  .type = FieldType::kEmail,
                                                  .check = Email,
                                                  .takes_max_length = true,
                                                  .takes_lowercase = true,
                                                  .may_be_unique = true,
                                                  .may_filter = true,
                                                  .custom_field = true,
                                                  .may_search = true,
                                                  .item_type = FieldType::kEmail,
                                                  .from_text = text::AsString,
                                                  .schema = EmailSchema};
extern constinit const FieldTypeTraits kUrlType{.name = "url",
                                                .type = FieldType::kUrl,
                                                .check = Url,
                                                .takes_max_length = true,
                                                .may_filter = true,
                                                .custom_field = true,
                                                .item_type = FieldType::kUrl,
                                                .from_text = text::AsString,
                                                .schema = UrlSchema};
extern constinit const FieldTypeTraits kUuidType{.name = "uuid",
                                                 .type = FieldType::kUuid,
                                                 .check = Uuid,
                                                 .may_be_unique = true,
                                                 .may_filter = true,
                                                 .item_type = FieldType::kUuid,
                                                 .from_text = AsUuidText,
                                                 .expected = "must be a UUID",
                                                 .schema = UuidSchema};
extern constinit const FieldTypeTraits kCountryType{.name = "country",
                                                    .type = FieldType::kCountry,
                                                    .check = Country,
                                                    .may_filter = true,
                                                    .item_type = FieldType::kCountry,
                                                    .from_text = text::AsString,
                                                    .schema = CountrySchema};

}  // namespace contactsd::model::types
