#include "model/value_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

FieldSpec Spec(FieldType type) {
  FieldSpec s;
  s.name = "f";
  s.type = type;
  return s;
}

// Runs CheckValue on JSON text; returns the stored value as JSON text, or "error:<code>".
std::string Check(const FieldSpec& spec, std::string_view in, const TypeContext& ctx = {}) {
  json::value out;
  std::vector<FieldError> errors;
  if (!CheckValue(spec, json::parse(in), ctx, spec.name, out, errors)) {
    EXPECT_FALSE(errors.empty());
    return "error:" + errors.front().code;
  }
  EXPECT_TRUE(errors.empty());
  return json::serialize(out);
}

TEST(StringType, AcceptsStringsWithinLengthCountingCodePoints) {
  FieldSpec s = Spec(FieldType::kString);
  s.max_length = 3;
  EXPECT_EQ(Check(s, R"("abc")"), R"("abc")");
  EXPECT_EQ(Check(s, R"("äöü")"), R"("äöü")");  // 6 bytes, 3 characters
  EXPECT_EQ(Check(s, R"("abcd")"), "error:too_long");
  EXPECT_EQ(Check(s, "12"), "error:invalid_type");
  EXPECT_EQ(Check(s, "true"), "error:invalid_type");
  EXPECT_EQ(Check(s, "[]"), "error:invalid_type");
}

TEST(NullHandling, NullClearsNullableAndIsRefusedOtherwise) {
  FieldSpec s = Spec(FieldType::kString);
  EXPECT_EQ(Check(s, "null"), "null");
  s.nullable = false;
  EXPECT_EQ(Check(s, "null"), "error:not_nullable");
  FieldSpec tags = Spec(FieldType::kStringArray);
  tags.default_value = json::array();
  EXPECT_EQ(Check(tags, "null"), "null");  // ApplyPatch turns it into the default
}

TEST(EmailType, TrimsLowercasesAndFollowsWhatwg) {
  FieldSpec s = Spec(FieldType::kEmail);
  s.lowercase = true;
  EXPECT_EQ(Check(s, R"("  Ada@Example.COM ")"), R"("ada@example.com")");
  EXPECT_EQ(Check(s, R"("a.b+c@sub.example.io")"), R"("a.b+c@sub.example.io")");
  for (const char* bad : {R"("ada")", R"("ada@")", R"("@x.io")", R"("a b@x.io")", R"("a@-x.io")",
                          R"("a@x..io")", R"("a@x.io-")", R"("")"}) {
    EXPECT_EQ(Check(s, bad), "error:invalid_format") << bad;
  }
  FieldSpec keep = Spec(FieldType::kEmail);
  EXPECT_EQ(Check(keep, R"("Ada@Example.com")"), R"("Ada@Example.com")");
}

TEST(PhoneType, NormalizesToE164) {
  FieldSpec s = Spec(FieldType::kPhone);
  EXPECT_EQ(Check(s, R"("+1 (415) 555-2671")"), R"("+14155552671")");
  EXPECT_EQ(Check(s, R"("415-555-2671")"), R"("+14155552671")");
  EXPECT_EQ(Check(s, R"("+44 20 7946 0958")"), R"("+442079460958")");
  TypeContext gb;
  gb.default_phone_region = "GB";
  EXPECT_EQ(Check(s, R"("020 7946 0958")", gb), R"("+442079460958")");
  EXPECT_EQ(Check(s, R"("hello")"), "error:invalid_format");
  EXPECT_EQ(Check(s, R"("+1 123")"), "error:invalid_format");
  EXPECT_EQ(Check(s, "4155552671"), "error:invalid_type");
}

// The check asks the calling code's main region first (US for +1, GB for +44, RU for +7): it
// must accept exactly the numbers libphonenumber's IsValidNumber accepts, the other regions'
// included (Canada, Jamaica, the Isle of Man, Jersey, Kazakhstan).
TEST(PhoneType, AgreesWithIsValidNumberInEveryRegionOfACode) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  FieldSpec s = Spec(FieldType::kPhone);
  int valid = 0;
  for (const char* raw :
       {"+14155552671",  "+16135550110",  "+14165550199",  "+18765550123",  "+18762345678",
        "+442079460958", "+447624123456", "+441624756789", "+447797123456", "+441534456789",
        "+74951234567",  "+77172123456",  "+77012345678",  "+15555550100",  "+1800123",
        "+12025550100",  "+16045550188",  "+19055550123",  "+33123456789",  "+800 1234 5678"}) {
    PhoneNumber number;
    const bool parsed = util.Parse(raw, "US", &number) == PhoneNumberUtil::NO_PARSING_ERROR;
    const bool expected = parsed && util.IsValidNumber(number);
    valid += expected ? 1 : 0;
    const std::string got = Check(s, std::string("\"") + raw + "\"");
    EXPECT_EQ(got != "error:invalid_format", expected) << raw << " -> " << got;
  }
  EXPECT_GE(valid, 8);  // the sample holds valid numbers of several regions, not only bad ones
}

TEST(UrlType, AcceptsOnlyAbsoluteWebUrls) {
  FieldSpec s = Spec(FieldType::kUrl);
  EXPECT_EQ(Check(s, R"("https://example.com/a?b=c")"), R"("https://example.com/a?b=c")");
  EXPECT_EQ(Check(s, R"("ftp://example.com")"), "error:invalid_format");
  EXPECT_EQ(Check(s, R"("example.com")"), "error:invalid_format");
  EXPECT_EQ(Check(s, R"("https://")"), "error:invalid_format");
}

TEST(DateType, RequiresRealCalendarDates) {
  FieldSpec s = Spec(FieldType::kDate);
  EXPECT_EQ(Check(s, R"("2024-02-29")"), R"("2024-02-29")");
  EXPECT_EQ(Check(s, R"("2023-02-29")"), "error:invalid_format");
  EXPECT_EQ(Check(s, R"("2024-13-01")"), "error:invalid_format");
  EXPECT_EQ(Check(s, R"("01/02/2024")"), "error:invalid_format");
}

TEST(DatetimeType, StoresUtcMilliseconds) {
  FieldSpec s = Spec(FieldType::kDatetime);
  EXPECT_EQ(Check(s, R"("2025-11-25T02:16:03+01:00")"), R"("2025-11-25T01:16:03.000Z")");
  EXPECT_EQ(Check(s, R"("2025-11-25")"), "error:invalid_format");
}

TEST(ScalarTypes, NoCoercion) {
  EXPECT_EQ(Check(Spec(FieldType::kBoolean), "true"), "true");
  EXPECT_EQ(Check(Spec(FieldType::kBoolean), R"("true")"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kInteger), "42"), "42");
  EXPECT_EQ(Check(Spec(FieldType::kInteger), "2.0"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kInteger), "1E-400"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kInteger), "2.5"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kInteger), R"("2")"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kNumber), "2.5"), "2.5E0");
  EXPECT_EQ(Check(Spec(FieldType::kNumber), R"("2.5")"), "error:invalid_type");
  EXPECT_EQ(Check(Spec(FieldType::kUuid), R"("550E8400-E29B-41D4-A716-446655440000")"),
            R"("550e8400-e29b-41d4-a716-446655440000")");
  EXPECT_EQ(Check(Spec(FieldType::kUuid), R"("550E8400")"), "error:invalid_format");
}

TEST(CountryType, OnlyExistingUpperCaseAlpha2Codes) {
  FieldSpec s = Spec(FieldType::kCountry);
  EXPECT_EQ(Check(s, R"("US")"), R"("US")");
  EXPECT_EQ(Check(s, R"("CA")"), R"("CA")");
  for (const char* bad : {R"("XX")", R"("usa")", R"("us")", R"("")", "1"}) {
    EXPECT_NE(Check(s, bad).find("error:"), std::string::npos) << bad;
  }
}

TEST(EnumType, CaseSensitiveAndListsAllowedValues) {
  FieldSpec s = Spec(FieldType::kEnum);
  s.values = {"male", "female"};
  EXPECT_EQ(Check(s, R"("male")"), R"("male")");
  EXPECT_EQ(Check(s, R"("Male")"), "error:invalid_value");
  json::value out;
  std::vector<FieldError> errors;
  EXPECT_FALSE(CheckValue(s, json::parse(R"("x")"), {}, "gender", out, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "gender");
  EXPECT_EQ(errors[0].message, "must be one of: male, female");
}

TEST(StringArrayType, LimitsAndDedupes) {
  FieldSpec s = Spec(FieldType::kStringArray);
  s.max_items = 3;
  s.max_length = 5;
  s.dedupe = true;
  EXPECT_EQ(Check(s, R"(["b","a","b"])"), R"(["b","a"])");
  EXPECT_EQ(Check(s, R"(["a","b","c","d"])"), "error:too_many_items");
  EXPECT_EQ(Check(s, R"(["abcdef"])"), "error:too_long");
  EXPECT_EQ(Check(s, R"([1])"), "error:invalid_type");
  EXPECT_EQ(Check(s, R"([""])"), "error:invalid_value");
  EXPECT_EQ(Check(s, R"("a")"), "error:invalid_type");
}

TEST(CustomFieldsType, ChecksEveryKeyAndReportsEachBadOne) {
  std::vector<FieldSpec> defs;
  defs.push_back(Spec(FieldType::kInteger));
  defs.back().name = "score";
  defs.push_back(Spec(FieldType::kDate));
  defs.back().name = "renewal";
  TypeContext ctx;
  ctx.custom_fields = &defs;
  FieldSpec s = Spec(FieldType::kCustomFields);
  s.name = "custom_fields";
  EXPECT_EQ(Check(s, R"({"score": 3, "renewal": null})", ctx), R"({"score":3,"renewal":null})");
  EXPECT_EQ(Check(s, "null", ctx), "null");

  json::value out;
  std::vector<FieldError> errors;
  EXPECT_FALSE(CheckValue(s, json::parse(R"({"score":"x","nope":1,"renewal":"2023-02-29"})"), ctx,
                          "custom_fields", out, errors));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "custom_fields.score");
  EXPECT_EQ(errors[0].code, "invalid_type");
  EXPECT_EQ(errors[1].field, "custom_fields.nope");
  EXPECT_EQ(errors[1].code, "unknown_field");
  EXPECT_EQ(errors[2].field, "custom_fields.renewal");
  EXPECT_EQ(errors[2].code, "invalid_format");
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

TEST(NumberRange, IntegersAndNumbersStayWithinTheirBounds) {
  FieldSpec count = Spec(FieldType::kInteger);
  count.minimum = 0;
  EXPECT_EQ(Check(count, "0"), "0");
  EXPECT_EQ(Check(count, "9007199254740991"), "9007199254740991");
  EXPECT_EQ(Check(count, "-1"), "error:out_of_range");
  FieldSpec percent = Spec(FieldType::kInteger);
  percent.minimum = 0;
  percent.maximum = 100;
  EXPECT_EQ(Check(percent, "100"), "100");
  EXPECT_EQ(Check(percent, "101"), "error:out_of_range");
  EXPECT_EQ(Check(percent, "50.5"), "error:invalid_type");  // the type comes first
  FieldSpec score = Spec(FieldType::kNumber);
  score.minimum = 0;
  EXPECT_EQ(Check(score, "0.25"), "2.5E-1");
  EXPECT_EQ(Check(score, "-0.5"), "error:out_of_range");
  EXPECT_EQ(Check(score, "null"), "null");  // null is the field's business (nullable)
}

TEST(NumberRange, TheMessageSaysTheBounds) {
  FieldSpec percent = Spec(FieldType::kInteger);
  percent.minimum = 0;
  percent.maximum = 100;
  json::value out;
  std::vector<FieldError> errors;
  EXPECT_FALSE(CheckValue(percent, json::value(-3), {}, "email_confidence_score", out, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "email_confidence_score");
  EXPECT_EQ(errors[0].message, "must be between 0 and 100");
  FieldSpec low = Spec(FieldType::kNumber);
  low.minimum = 0.5;
  errors.clear();
  EXPECT_FALSE(CheckValue(low, json::value(0.25), {}, "f", out, errors));
  EXPECT_EQ(errors.at(0).message, "must be at least 0.5");
}

}  // namespace
}  // namespace contactsd::model
