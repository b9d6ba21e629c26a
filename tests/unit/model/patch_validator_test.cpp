#include "model/patch_validator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

// The check as the service uses it when the model has no record rules: all or nothing.
Result<json::object> ValidatePatch(const Model& model, const json::object& fields,
                                   const std::vector<FieldSpec>& custom) {
  PatchCheck check = CheckPatch(model, fields, custom, WriteKind::kUpdate);
  if (!check.errors.empty()) return Error::Validation(std::move(check.errors));
  return std::move(check.normalized);
}

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

namespace contactsd::model {
namespace {

const Model& VoiceLikeModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "v", "base_path": "", "custom_fields": {"unknown": "drop", "default_type": "any"},
    "fields": {
      "full_name": {"type": "string", "write_only": true},
      "first_name": {"type": "string"}, "last_name": {"type": "string"},
      "email": {"type": "string", "empty_as_null": true},
      "lead_source": {"type": "enum", "values": ["manual", "api"], "default": "manual",
                      "invalid_as_default": true, "nullable": false},
      "lists": {"type": "integer_array", "dedupe": true},
      "custom_fields": {"type": "custom_fields", "default": {}}
    },
    "write_rules": [{"rule": "split_name", "from": "full_name", "first": "first_name",
                     "last": "last_name"}],
    "response": ["first_name"]
  })"))
                                 .value();
  return model;
}

std::string Normalized(std::string_view body, const std::vector<FieldSpec>& custom = {}) {
  auto r = ValidatePatch(VoiceLikeModel(), json::parse(body).as_object(), custom);
  if (!r.ok()) return "error:" + r.error().details.at(0).field + ":" + r.error().details[0].code;
  return json::serialize(*r);
}

TEST(WriteRules, SplitNameIntoFirstAndRest) {
  EXPECT_EQ(Normalized(R"({"full_name":"  Mary   Ann  Smith "})"),
            R"({"first_name":"Mary","last_name":"Ann Smith"})");
  EXPECT_EQ(Normalized(R"({"full_name":"Ada"})"), R"({"first_name":"Ada","last_name":null})");
  EXPECT_EQ(Normalized(R"({"full_name":"   "})"), R"({"first_name":null,"last_name":null})");
  EXPECT_EQ(Normalized("{\"full_name\":\"\u00a0Ada\u00a0 Lovelace\u3000\"}"),
            R"({"first_name":"Ada","last_name":"Lovelace"})");
  EXPECT_EQ(Normalized(R"({"full_name":null})"), R"({"first_name":null,"last_name":null})");
}

TEST(WriteRules, ExplicitNamesWinOverTheSplit) {
  EXPECT_EQ(Normalized(R"({"full_name":"Mary Smith","last_name":"Jones"})"),
            R"({"last_name":"Jones","first_name":"Mary"})");
  EXPECT_EQ(Normalized(R"({"full_name":12})"), "error:full_name:invalid_type");
}

TEST(Coercions, EmptyAsNullAndInvalidAsDefault) {
  EXPECT_EQ(Normalized(R"({"email":""})"), R"({"email":null})");
  EXPECT_EQ(Normalized(R"({"email":"<string>"})"), R"({"email":"<string>"})");
  EXPECT_EQ(Normalized(R"({"lead_source":"api"})"), R"({"lead_source":"api"})");
  EXPECT_EQ(Normalized(R"({"lead_source":"carrier pigeon"})"), R"({"lead_source":"manual"})");
  EXPECT_EQ(Normalized(R"({"lead_source":7})"), "error:lead_source:invalid_type");
}

TEST(Coercions, IntegerArraysAndDroppedCustomKeys) {
  EXPECT_EQ(Normalized(R"({"lists":[3,1,3]})"), R"({"lists":[3,1]})");
  EXPECT_EQ(Normalized(R"({"lists":[1.5]})"), "error:lists:invalid_type");
  FieldSpec known;
  known.name = "plan";
  known.type = FieldType::kAny;
  EXPECT_EQ(Normalized(R"({"custom_fields":{"plan":{"x":1},"nope":2}})", {known}),
            R"({"custom_fields":{"plan":{"x":1}}})");
}

TEST(PatchValidator, ARequiredFieldSentEmptyIsLeftToTheRecordCheck) {
  static const Model required = std::move(Model::Parse(R"({
    "name": "r", "base_path": "",
    "fields": {"email": {"type": "email", "required": true},
               "kind": {"type": "enum", "values": ["a"], "required": true},
               "note": {"type": "email"}},
    "response": ["email"]
  })"))
                                    .value();
  PatchCheck check =
      CheckPatch(required, json::parse(R"({"email":"","kind":"","note":""})").as_object(), {},
                 WriteKind::kUpdate);
  // Only the optional field's "" is a bad value; the required ones reach the record as "",
  // where ValidateRecord calls them missing.
  ASSERT_EQ(check.errors.size(), 1u);
  EXPECT_EQ(check.errors[0].field, "note");
  EXPECT_EQ(check.errors[0].code, "invalid_format");
  EXPECT_EQ(json::serialize(check.normalized), R"({"email":"","kind":""})");
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const Model& CreateOnlyModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {
      "name": {"type": "string", "nullable": false},
      "email": {"type": "email", "create_only": true},
      "status": {"type": "enum", "values": ["pending", "done"], "default": "pending",
                 "create_only": true}
    },
    "system_fields": ["id"],
    "response": ["id", "name"]
  })"))
                                 .value();
  return model;
}

std::vector<std::pair<std::string, std::string>> Problems(const PatchCheck& check) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : check.errors) out.emplace_back(e.field, e.code);
  return out;
}

TEST(PatchValidator, CreateOnlyFieldsAreTakenByACreate) {
  auto check =
      CheckPatch(CreateOnlyModel(),
                 json::parse(R"({"name":"Ada","email":"A@x.io","status":"done"})").as_object(), {},
                 WriteKind::kCreate);
  EXPECT_TRUE(check.errors.empty());
  EXPECT_EQ(json::serialize(check.normalized),
            R"({"name":"Ada","email":"A@x.io","status":"done"})");
}

TEST(PatchValidator, CreateOnlyFieldsAreReadOnlyForAnUpdate) {
  auto check = CheckPatch(
      CreateOnlyModel(),
      json::parse(R"({"name":"Ada","email":"a@x.io","status":"nope","id":1})").as_object(), {},
      WriteKind::kUpdate);
  std::vector<std::pair<std::string, std::string>> want = {
      {"email", "read_only"}, {"status", "read_only"}, {"id", "read_only"}};
  EXPECT_EQ(Problems(check), want);
  EXPECT_EQ(check.errors[0].message, "can only be set when the contact is created");
  EXPECT_EQ(json::serialize(check.normalized), R"({"name":"Ada"})");  // the good half
}

}  // namespace
}  // namespace contactsd::model
