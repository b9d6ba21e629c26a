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

}  // namespace
}  // namespace contactsd::model
