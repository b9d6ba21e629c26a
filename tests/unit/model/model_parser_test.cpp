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
            "fields.a.unique: type boolean does not take this key");
  EXPECT_EQ(ParseError("{not json"), "(model file): not valid JSON: syntax error");
}

// Found by tests/fuzz/model_file_fuzzer: a base_path with an empty segment ("/a//b") or a brace
// parsed, and the router then refused the API's routes with an exception that nothing caught:
// `contactsd serve --model` died in std::terminate instead of naming the key. A base_path is
// segments the router matches as literals.
TEST(ModelParser, ABasePathIsSegmentsTheRouterCanMatch) {
  auto with = [](std::string_view base) {
    return ParseError(R"({"name":"x","base_path":")" + std::string(base) +
                      R"(","fields":{"a":{"type":"string"}},"response":["a"]})");
  };
  for (const char* bad : {"/a//b", "//v1", "/v1/{id}", "/v1/}", "/v1/a b", "/v1?x=1", "/v1#x",
                          "/%41", "/./v1", "/v1/..", "/v1:2"}) {
    EXPECT_EQ(with(bad),
              "base_path: each segment must be letters, digits, '-', '.', '_' or '~' "
              "(and not \".\" or \"..\")")
        << bad;
  }
  for (const char* good : {"", "/v1", "/api/v1", "/V1.2/x-y_z~", "/..."}) {
    EXPECT_EQ(with(good), "") << good;
  }
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

namespace contactsd::model {
namespace {

constexpr std::string_view kCatalogue = R"({
  "name": "cat", "base_path": "/api/v1", "tenancy": "catalogue", "write_plans": ["internal"],
  "archived": "none",
  "unlocks": {"cost_field": "cost", "full_access_plans": ["internal", "staff"]},
  "fields": {"name": {"type": "string"},
             "email": {"type": "email", "gated": true, "create_only": true},
             "cost": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1,
                      "create_only": true}},
  "response": ["id", "name", "email", {"name": "_access", "source": "access"}]
})";

TEST(ModelParser, ReadsTheCatalogueKeys) {
  auto m = Model::Parse(kCatalogue);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->tenancy(), Tenancy::kCatalogue);
  EXPECT_FALSE(m->archiving_enabled());
  EXPECT_FALSE(m->archived_hidden());
  EXPECT_TRUE(m->PlanMayWrite("internal"));
  EXPECT_FALSE(m->PlanMayWrite("free"));
  ASSERT_NE(m->unlocks(), nullptr);
  EXPECT_EQ(m->unlocks()->cost_field, m->FindField("cost"));
  EXPECT_TRUE(m->PlanHasFullAccess("staff"));
  EXPECT_FALSE(m->PlanHasFullAccess("free"));
  EXPECT_TRUE(m->FindField("email")->gated);
  EXPECT_TRUE(m->FindField("email")->create_only);
  EXPECT_EQ(m->FindField("cost")->minimum, 0.0);
  EXPECT_EQ(m->FindField("cost")->maximum, 10.0);
  EXPECT_EQ(m->response()[3].source, PropertySource::kAccess);
}

TEST(ModelParser, DefaultsAreOrgTenancyWithEveryPlanWriting) {
  auto m = Model::Parse(kMinimal);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->tenancy(), Tenancy::kOrg);
  EXPECT_TRUE(m->archiving_enabled());
  EXPECT_TRUE(m->PlanMayWrite("anything"));
  EXPECT_EQ(m->unlocks(), nullptr);
}

// kCatalogue with `from` replaced by `to` (once).
std::string CatalogueWith(std::string_view from, std::string_view to) {
  std::string text(kCatalogue);
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ModelParser, NamesTheBadCatalogueKey) {
  EXPECT_EQ(ParseError(CatalogueWith(R"("tenancy": "catalogue")", R"("tenancy": "shared")")),
            "tenancy: must be \"org\" or \"catalogue\"");
  EXPECT_EQ(ParseError(CatalogueWith(R"("tenancy": "catalogue")",
                                     R"("tenancy": "catalogue", "custom_fields": true)")),
            "tenancy: a catalogue cannot have custom_fields");
  EXPECT_EQ(ParseError(CatalogueWith(R"(["internal"])", "[]")),
            "write_plans: must name at least one plan");
  EXPECT_EQ(ParseError(CatalogueWith(R"(["internal"])", R"(["internal", 3])")),
            "write_plans: must be an array of plan names");
  EXPECT_EQ(ParseError(CatalogueWith(R"("cost_field": "cost")", R"("cost_field": "name")")),
            "unlocks.cost_field: must name an integer field with a minimum of 0 or more and a "
            "default");
  EXPECT_EQ(ParseError(CatalogueWith(R"("minimum": 0, "maximum": 10)", R"("maximum": 10)")),
            "unlocks.cost_field: must name an integer field with a minimum of 0 or more and a "
            "default");
  EXPECT_EQ(ParseError(CatalogueWith(R"("cost_field": "cost")", R"("cost_field": "x")")),
            "unlocks.cost_field: 'x' is not a field");
  EXPECT_EQ(ParseError(CatalogueWith(R"("full_access_plans")", R"("free_plans")")),
            "unlocks.free_plans: unknown key");
  EXPECT_EQ(
      ParseError(CatalogueWith(R"("minimum": 0, "maximum": 10)", R"("minimum": 5, "maximum": 1)")),
      "fields.cost.minimum: must not be greater than maximum");
  EXPECT_EQ(ParseError(CatalogueWith(R"("name": {"type": "string"})",
                                     R"("name": {"type": "string", "minimum": 1})")),
            "fields.name.minimum: type string does not take this key");
  EXPECT_EQ(ParseError(CatalogueWith(R"("name": {"type": "string"})",
                                     R"("name": {"type": "string", "read_only": true,
                                                 "create_only": true})")),
            "fields.name.create_only: a read_only or write_only field is never updated anyway");
  EXPECT_EQ(ParseError(CatalogueWith(R"("default": 1,)", R"("default": -1,)")),
            "fields.cost.default: must be between 0 and 10");
  EXPECT_EQ(ParseError(CatalogueWith(R"("archived": "none",)",
                                     R"("archived": "none", "list_filters": {"e": "email"},)")),
            "list_filters.e: cannot filter on a gated field");
}

TEST(ModelParser, GatedFieldsAndAccessNeedUnlocks) {
  std::string no_unlocks = CatalogueWith(
      R"("unlocks": {"cost_field": "cost", "full_access_plans": ["internal", "staff"]},)", "");
  EXPECT_EQ(ParseError(no_unlocks), "fields.email.gated: needs the model's \"unlocks\" section");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string"}},
        "response":["a",{"name":"_access","source":"access"}]})"),
            "response._access.source: access needs the model's \"unlocks\" section");
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"string"}},
        "response":["a","access"]})"),
            "response.access: is neither a field nor a system property");
}

// A model's examples are checked as requests of their kind when it loads: an example the model
// would refuse cannot reach its users or its OpenAPI document.
TEST(ModelParser, ExamplesAreCheckedAsTheRequestsTheyShow) {
  auto with = [](std::string_view examples) {
    return ParseError(R"({"name":"x","base_path":"/v1","fields":{
        "email":{"type":"email"},"name":{"type":"string","required":true},
        "made":{"type":"string","create_only":true}},
        "response":["email","name"],"examples":)" +
                      std::string(examples) + "}");
  };
  EXPECT_EQ(with(R"({"create":{"email":"nope","name":"A"}})"),
            "examples.create.email: must be a valid email address");
  EXPECT_EQ(with(R"({"create":{"email":"a@example.com"}})"), "examples.create.name: is required");
  EXPECT_EQ(with(R"({"update":{"made":"x"}})"),
            "examples.update.made: can only be set when the contact is created");
  EXPECT_EQ(with(R"({"create":{"nickname":"A","name":"A"}})"),
            "examples.create.nickname: is not a field of this resource");
  EXPECT_EQ(with(R"({"delete":{}})"), "examples.delete: unknown key");
  auto ok = Model::Parse(R"({"name":"x","base_path":"/v1","fields":{"name":{"type":"string"}},
      "response":["name"],"examples":{"create":{"name":"A"},"update":{"name":null}}})");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->example_create().at("name"), "A");
  EXPECT_TRUE(ok->example_update().at("name").is_null());
}

}  // namespace
}  // namespace contactsd::model
