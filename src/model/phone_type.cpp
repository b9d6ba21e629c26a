// Phone numbers, parsed and validated with libphonenumber and stored in E.164.
#include "model/field_types.hpp"
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
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return MakeError(path, "invalid_format", "must be a valid phone number");
  }
  // A number valid in its calling code's main region is valid (IsValidNumber would find that
  // region among the others). Asking it first spares IsValidNumber's walk over every region
  // that shares the code, a pattern match each: for +1, some 25 countries (a third of a
  // create's CPU went to phone checks, docs/benchmarks.md). Only a number of another region
  // (a Canadian +1, say) takes the walk.
  std::string main_region;
  util.GetRegionCodeForCountryCode(number.country_code(), &main_region);
  if (!util.IsValidNumberForRegion(number, main_region) && !util.IsValidNumber(number)) {
    return MakeError(path, "invalid_format", "must be a valid phone number");
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  out.emplace_string() = e164;
  return std::nullopt;
}

namespace {

// A request may write a number in any form its region reads; the answer shows it in E.164.
void PhoneSchema(const FieldSpec&, SchemaSide side, boost::json::object& out) {
  out["type"] = "string";
  if (side == SchemaSide::kAnswer) {
    out["pattern"] = "^\\+[1-9][0-9]{1,14}$";
  } else {
    out["maxLength"] = 64;
    out["description"] =
        "A phone number, international (+...) or national to the model's default region; "
        "stored and shown in E.164.";
  }
}

}  // namespace

extern constinit const FieldTypeTraits kPhoneType{.name = "phone",
                                                  .type = FieldType::kPhone,
                                                  .check = Phone,
                                                  .takes_max_length = true,
                                                  .may_be_unique = true,
                                                  .may_filter = true,
                                                  .custom_field = true,
                                                  .item_type = FieldType::kPhone,
                                                  .from_text = text::AsString,
                                                  .schema = PhoneSchema};

}  // namespace contactsd::model::types
