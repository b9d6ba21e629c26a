#include "model/model.hpp"

#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

constexpr std::string_view kMinimal = R"({
  "name": "tiny", "base_path": "/v1",
  "fields": {"email": {"type": "email", "unique": true, "lowercase": true},
             "tags": {"type": "string_array", "default": []}},
  "system_fields": ["id", "version"],
  "response": ["id", "email", "tags", "version", "created_at"]
})";

// The message of the error Parse gives for `text` (empty if it parses).
std::string ParseError(std::string_view text) {
  auto m = Model::Parse(text);
  return m.ok() ? "" : m.error().message;
}

TEST(ModelParser, LoadsAMinimalModel) {
  auto m = Model::Parse(kMinimal);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->name(), "tiny");
  EXPECT_EQ(m->base_path(), "/v1");
  EXPECT_EQ(m->envelope(), Envelope::kFlat);
  ASSERT_EQ(m->fields().size(), 2u);
  EXPECT_TRUE(m->FindField("email")->unique);
  EXPECT_TRUE(m->FindField("tags")->default_value.is_array());
  EXPECT_TRUE(m->IsSystemName("id"));
  EXPECT_FALSE(m->IsSystemName("email"));
  ASSERT_EQ(m->response().size(), 5u);
  EXPECT_EQ(m->response()[1].field, m->FindField("email"));
  EXPECT_EQ(m->response()[4].source, PropertySource::kCreatedAt);
}

TEST(ModelParser, NamesTheBadKey) {
  EXPECT_EQ(ParseError("[]"), "(model file): must be a JSON object");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"string"}},
      "response":["a"],"colour":1})"),
            "colour: unknown key");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"mail"}},
      "response":["a"]})"),
            "fields.a.type: unknown type 'mail'");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"string",
      "max_len":3}},"response":["a"]})"),
            "fields.a.max_len: unknown key");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"enum"}},
      "response":["a"]})"),
            "fields.a.values: required for type enum");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"string"}},
      "response":["a","b"]})"),
            "response.b: is neither a field nor a system property");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1/","fields":{"a":{"type":"string"}},
      "response":["a"]})"),
            "base_path: required, \"\" or a path such as \"/v1\" (no trailing slash)");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"integer",
      "default":"x"}},"response":["a"]})"),
            "fields.a.default: must be an integer");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"/v1","fields":{"a":{"type":"boolean",
      "unique":true}},"response":["a"]})"),
            "fields.a.unique: only string, email, phone and uuid fields can be unique");
  EXPECT_EQ(ParseError("{not json"), "(model file): not valid JSON: syntax error");
}

TEST(ModelParser, CustomFieldsNeedTheSwitch) {
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"c":{"type":"custom_fields"}},
      "response":["c"]})"),
            "custom_fields: must be true when a field has type custom_fields");
  auto m = Model::Parse(R"({"name":"x","base_path":"","custom_fields":true,
      "fields":{"c":{"type":"custom_fields"}},"response":["c"]})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->custom_fields_field(), m->FindField("c"));
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

TEST(ModelParser, ChecksRulesFiltersAndShapedProperties) {
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string",
      "write_only":true}},"response":["id"]})"),
            "fields.a.write_only: no write rule reads this field");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string"}},
      "write_rules":[{"rule":"split_name","from":"a","first":"a","last":"b"}],
      "response":["a"]})"),
            "write_rules[0].last: 'b' is not a field");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"object"}},
      "list_filters":{"q":"a"},"response":["a"]})"),
            "list_filters.q: can only filter on a stored scalar or array field");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string"}},
      "response":[{"name":"b","join":["a"]}]})"),
            "response.b.join: must list at least two string fields");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string"}},
      "response":[{"name":"b","source":"when"}]})"),
            "response.b.source: must be one of id, version, created_at, updated_at, "
            "archived_at, archived_flag, archived_by, access");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"enum",
      "values":["p"],"invalid_as_default":true}},"response":["a"]})"),
            "fields.a.invalid_as_default: needs an enum with a default");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","archived":"gone",
      "fields":{"a":{"type":"string"}},"response":["a"]})"),
            "archived: must be \"visible\", \"hidden\" or \"none\"");
}

}  // namespace
}  // namespace contactsd::model
