#include "model/custom_field.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

const Model& TestModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "", "custom_fields": true,
    "fields": {"email": {"type": "email"}, "custom_fields": {"type": "custom_fields"}},
    "system_fields": ["id"], "response": ["email"]
  })"))
                                 .value();
  return model;
}

Result<FieldSpec> Define(std::string_view body) {
  return CheckCustomFieldDefinition(TestModel(), json::parse(body).as_object());
}

TEST(CustomFieldDefinition, AcceptsEachAllowedType) {
  for (const char* type :
       {"string", "number", "integer", "boolean", "date", "datetime", "email", "phone", "url"}) {
    auto r = Define(std::string(R"({"name":"x_1","type":")") + type + "\"}");
    ASSERT_TRUE(r.ok()) << type;
    EXPECT_EQ(FieldTypeName(r->type), type);
  }
  auto e = Define(R"({"name":"tier","type":"enum","options":["gold","gold","silver"]})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->values, (std::vector<std::string>{"gold", "silver"}));
}

TEST(CustomFieldDefinition, RefusesBadDefinitionsWithEveryProblem) {
  auto r = Define(R"({"name":"Bad Name","type":"object","colour":1})");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().details.size(), 3u);
  EXPECT_EQ(r.error().details[0].field, "colour");
  EXPECT_EQ(r.error().details[1].field, "name");
  EXPECT_EQ(r.error().details[2].field, "type");
  EXPECT_FALSE(Define(R"({"name":"t","type":"enum"})").ok());
  EXPECT_FALSE(Define(R"({"name":"t","type":"enum","options":[1]})").ok());
  EXPECT_FALSE(Define(R"({"name":"t","type":"string","options":["a"]})").ok());
  EXPECT_FALSE(Define(R"({"type":"string"})").ok());
}

TEST(CustomFieldDefinition, ModelNamesAreConflicts) {
  for (const char* name : {"email", "id"}) {
    auto r = Define(std::string(R"({"name":")") + name + R"(","type":"string"})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << name;
  }
}

// Where custom values are shown flat beside the response's properties, a custom field cannot
// take a property's name (here "phone", a renamed field), or its value would never show.
TEST(CustomFieldDefinition, FlatValuesCannotTakeAResponsePropertysName) {
  const Model flat = std::move(Model::Parse(R"({
    "name": "f", "base_path": "", "custom_fields": {"placement": "flat"},
    "fields": {"mobile": {"type": "string"}, "custom_fields": {"type": "custom_fields"}},
    "response": [{"name": "phone", "field": "mobile"}, {"name": "custom_fields", "flatten": true}]
  })"))
                         .value();
  auto phone = CheckCustomFieldDefinition(
      flat, json::parse(R"({"name":"phone","type":"string"})").as_object());
  ASSERT_FALSE(phone.ok());
  EXPECT_EQ(phone.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(CheckCustomFieldDefinition(
                  flat, json::parse(R"({"name":"tier","type":"string"})").as_object())
                  .ok());
  // Nested values never stand beside the properties: the same name is fine there.
  const Model nested = std::move(Model::Parse(R"({
    "name": "n", "base_path": "", "custom_fields": true,
    "fields": {"mobile": {"type": "string"}, "custom_fields": {"type": "custom_fields"}},
    "response": [{"name": "phone", "field": "mobile"}, "custom_fields"]
  })"))
                           .value();
  EXPECT_TRUE(CheckCustomFieldDefinition(
                  nested, json::parse(R"({"name":"phone","type":"string"})").as_object())
                  .ok());
}

}  // namespace
}  // namespace contactsd::model
