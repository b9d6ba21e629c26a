#include "model/patch_validator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

const Model& TestModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "/v1", "custom_fields": true,
    "fields": {
      "first_name": {"type": "string", "max_length": 5},
      "email": {"type": "email", "lowercase": true, "unique": true},
      "phone": {"type": "phone"},
      "kind": {"type": "enum", "values": ["a", "b"], "nullable": false},
      "score": {"type": "integer", "read_only": true},
      "custom_fields": {"type": "custom_fields", "default": {}}
    },
    "system_fields": ["id", "created_at"],
    "response": ["id", "first_name"]
  })"))
                                 .value();
  return model;
}

Result<json::object> Validate(std::string_view body, const std::vector<FieldSpec>& custom = {}) {
  return ValidatePatch(TestModel(), json::parse(body).as_object(), custom);
}

TEST(PatchValidator, NormalizesEveryValidField) {
  auto r = Validate(R"({"first_name":"Ada","email":" ADA@X.IO ","phone":"+14155552671"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::serialize(*r),
            R"({"first_name":"Ada","email":"ada@x.io","phone":"+14155552671"})");
}

TEST(PatchValidator, EmptyPatchIsValid) {
  auto r = Validate("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(PatchValidator, ReportsEveryBadFieldAtOnce) {
  auto r = Validate(
      R"({"first_name":123,"email":"nope","id":"x","score":1,"colour":"red","kind":null,
          "phone":"12"})");
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.code, ErrorCode::kValidation);
  EXPECT_EQ(e.error, "validation_failed");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& d : e.details) got.emplace_back(d.field, d.code);
  std::vector<std::pair<std::string, std::string>> want = {
      {"first_name", "invalid_type"}, {"email", "invalid_format"}, {"id", "read_only"},
      {"score", "read_only"},         {"colour", "unknown_field"}, {"kind", "not_nullable"},
      {"phone", "invalid_format"}};
  EXPECT_EQ(got, want);
  EXPECT_NE(e.message.find("first_name"), std::string::npos);
}

TEST(PatchValidator, ChecksCustomFieldsAgainstTheTenantsDefinitions) {
  FieldSpec level;
  level.name = "level";
  level.type = FieldType::kInteger;
  auto ok = Validate(R"({"custom_fields":{"level":3}})", {level});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(json::serialize(*ok), R"({"custom_fields":{"level":3}})");
  auto bad = Validate(R"({"custom_fields":{"level":"x","other":1}})", {level});
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.error().details.size(), 2u);
  EXPECT_EQ(bad.error().details[0].field, "custom_fields.level");
  EXPECT_EQ(bad.error().details[1].field, "custom_fields.other");
  EXPECT_EQ(bad.error().details[1].code, "unknown_field");
}

}  // namespace
}  // namespace contactsd::model
