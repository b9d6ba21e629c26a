// Phone numbers, parsed and validated with libphonenumber and stored in E.164.
#include "model/type_checks.hpp"

#include <boost/json/value.hpp>
#include <phonenumbers/phonenumberutil.h>

namespace contactsd::model::types {

std::optional<FieldError> Phone(const FieldSpec& spec, const boost::json::value& in,
                                const TypeContext& ctx, std::string_view path,
                                boost::json::value& out) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (!in.is_string()) return TypeError(path, "a string");
  std::string_view s = Trim(in.get_string());
  // libphonenumber rejects inputs past 250 characters itself; a cheaper, clearer bound first.
  if (s.size() > 64) return MakeError(path, "invalid_format", "must be a valid phone number");
  if (auto e = CheckLength(spec, s, path)) return e;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();  // thread-safe singleton
  PhoneNumber number;
  if (util.Parse(std::string(s), ctx.default_phone_region, &number) !=
          PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return MakeError(path, "invalid_format", "must be a valid phone number");
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  out.emplace_string() = e164;
  return std::nullopt;
}

}  // namespace contactsd::model::types
