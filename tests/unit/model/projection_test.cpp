#include "model/projection.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <span>
#include <string>

namespace contactsd::model {
namespace {

namespace json = boost::json;

// The projection as text, and parsed back, for the tests that look at single members.
std::string Projected(const Model& model, const RecordMeta& meta, const json::object& record,
                      std::span<const std::string> requested = {},
                      const AccessState* access = nullptr) {
  std::string out = "unchanged:";  // appended to, never overwritten
  AppendProjection(out, model, meta, record, requested, access);
  EXPECT_TRUE(out.starts_with("unchanged:"));
  return out.substr(10);
}

json::object ProjectedObject(const Model& model, const RecordMeta& meta, const json::object& record,
                             std::span<const std::string> requested = {},
                             const AccessState* access = nullptr) {
  return json::parse(Projected(model, meta, record, requested, access)).as_object();
}

TEST(Projection, ShowsResponsePropertiesInModelOrder) {
  auto model = Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {"a": {"type": "string"}, "tags": {"type": "string_array", "default": []},
               "hidden": {"type": "string"}},
    "response": ["id", "tags", "a", "version", "created_at", "updated_at", "archived_at"]
  })");
  ASSERT_TRUE(model.ok());
  RecordMeta meta{"0190-x", 3, 0, 1000, std::nullopt, ""};
  EXPECT_EQ(Projected(*model, meta, json::parse(R"({"a":"x","hidden":"h"})").as_object()),
            R"({"id":"0190-x","tags":[],"a":"x","version":3,)"
            R"("created_at":"1970-01-01T00:00:00.000Z","updated_at":"1970-01-01T00:00:01.000Z",)"
            R"("archived_at":null})");
  meta.archived_at_ms = 2000;
  EXPECT_EQ(ProjectedObject(*model, meta, {}).at("archived_at"), "1970-01-01T00:00:02.000Z");
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const Model& ShapedModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {"first_name": {"type": "string"}, "last_name": {"type": "string"},
               "phone_number": {"type": "string"}},
    "response": ["id", {"name": "name", "join": ["first_name", "last_name"]},
                 {"name": "phone", "field": "phone_number"},
                 {"name": "archived", "source": "archived_flag"},
                 {"name": "archived_by", "source": "archived_by", "omit_when_null": true},
                 {"name": "last_name", "optional": true}]
  })"))
                                 .value();
  return model;
}

TEST(Projection, JoinsRenamesAndShowsArchiveMarks) {
  RecordMeta meta{"c1", 1, 0, 0, std::nullopt, ""};
  auto active = Projected(
      ShapedModel(), meta,
      json::parse(R"({"first_name":"Ada","last_name":null,"phone_number":"x"})").as_object());
  EXPECT_EQ(active, R"({"id":"c1","name":"Ada","phone":"x","archived":false})");
  meta.archived_at_ms = 1000;
  meta.archived_by = "key-1";
  EXPECT_EQ(Projected(ShapedModel(), meta, json::parse(R"({})").as_object()),
            R"({"id":"c1","name":null,"phone":null,"archived":"1970-01-01T00:00:01.000Z",)"
            R"("archived_by":"key-1"})");
}

TEST(Projection, OptionalPropertiesOnlyWhenRequested) {
  RecordMeta meta{"c1", 1, 0, 0, std::nullopt, ""};
  auto record = json::parse(R"({"first_name":"Ada","last_name":"L"})").as_object();
  EXPECT_FALSE(ProjectedObject(ShapedModel(), meta, record).contains("last_name"));
  std::vector<std::string> requested = {"last_name"};
  EXPECT_EQ(ProjectedObject(ShapedModel(), meta, record, requested).at("last_name"), "L");
  EXPECT_EQ(ProjectedObject(ShapedModel(), meta, record, requested).at("name"), "Ada L");
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const Model& GatedModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "",
    "unlocks": {"cost_field": "cost", "full_access_plans": ["internal"]},
    "fields": {"name": {"type": "string"}, "email": {"type": "email", "gated": true},
               "first": {"type": "string"}, "last": {"type": "string", "gated": true},
               "cost": {"type": "integer", "minimum": 0, "default": 1}},
    "response": ["id", "name", "email", {"name": "full", "join": ["first", "last"]},
                 {"name": "_access", "source": "access"}]
  })"))
                                 .value();
  return model;
}

json::object GatedRecord() {
  return json::parse(R"({"name":"Ada","email":"ada@x.io","first":"Ada","last":"L","cost":3})")
      .as_object();
}

TEST(Projection, GatedFieldsAreNullUntilUnlocked) {
  RecordMeta meta{"0190-x", 1, 0, 0, std::nullopt, ""};
  AccessState locked;
  EXPECT_EQ(Projected(GatedModel(), meta, GatedRecord(), {}, &locked),
            R"({"id":"0190-x","name":"Ada","email":null,"full":"Ada",)"
            R"("_access":{"is_unlocked":false,"is_unlocking":false,"unlocked_at":null,)"
            R"("credits_spent":0,"unlock_cost":3}})");
  // No access state at all: masked too (fail closed).
  EXPECT_TRUE(ProjectedObject(GatedModel(), meta, GatedRecord()).at("email").is_null());

  AccessState unlocked{false, true, 2000, 3};
  EXPECT_EQ(Projected(GatedModel(), meta, GatedRecord(), {}, &unlocked),
            R"({"id":"0190-x","name":"Ada","email":"ada@x.io","full":"Ada L",)"
            R"("_access":{"is_unlocked":true,"is_unlocking":false,)"
            R"("unlocked_at":"1970-01-01T00:00:02.000Z","credits_spent":3,"unlock_cost":3}})");
}

TEST(Projection, FullAccessShowsEverythingWithoutAnUnlock) {
  RecordMeta meta{"0190-x", 1, 0, 0, std::nullopt, ""};
  AccessState full{true, false, std::nullopt, 0};
  auto out = ProjectedObject(GatedModel(), meta, GatedRecord(), {}, &full);
  EXPECT_EQ(out.at("email"), "ada@x.io");
  EXPECT_EQ(json::serialize(out.at("_access")),
            R"({"is_unlocked":true,"is_unlocking":false,"unlocked_at":null,"credits_spent":0,)"
            R"("unlock_cost":3})");
}

TEST(Projection, AContactWithoutItsCostFieldCostsTheDefault) {
  RecordMeta meta{"0190-x", 1, 0, 0, std::nullopt, ""};
  auto out = ProjectedObject(GatedModel(), meta, json::parse(R"({"name":"A"})").as_object());
  EXPECT_EQ(out.at("_access").at("unlock_cost"), 1);
  EXPECT_EQ(UnlockCostOf(GatedModel(), json::parse(R"({"cost":7})").as_object()), 7);
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const Model& FlatCustomModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "",
    "custom_fields": {"placement": "flat"},
    "fields": {"email": {"type": "email"}, "mobile": {"type": "string"},
               "custom_fields": {"type": "custom_fields", "default": {}}},
    "response": ["id", "email", {"name": "custom_fields", "flatten": true},
                 {"name": "phone", "field": "mobile"}]
  })"))
                                 .value();
  return model;
}

TEST(Projection, FlattenedKeysGiveWayToTheModelsOwnProperties) {
  RecordMeta meta{"c1", 1, 0, 0, std::nullopt, ""};
  // "email" is shown before the custom fields and "phone" after them: both keep the model's
  // value, whichever side of the flattened property they stand on.
  auto record = json::parse(R"({"email":"a@x.io","mobile":"+1",)"
                            R"("custom_fields":{"tier":"gold","email":"b@x.io","phone":"9",)"
                            R"("score":1.5}})")
                    .as_object();
  EXPECT_EQ(Projected(FlatCustomModel(), meta, record),
            R"({"id":"c1","email":"a@x.io","tier":"gold","score":1.5,"phone":"+1"})");
}

TEST(Projection, EscapesTextAndWritesAnEmptyRecordAsDefaults) {
  RecordMeta meta{"c\"1", 1, 0, 0, std::nullopt, ""};
  auto record = json::parse(R"({"email":"a\"b\\c\n"})").as_object();
  std::string text = Projected(FlatCustomModel(), meta, record);
  EXPECT_EQ(text, R"({"id":"c\"1","email":"a\"b\\c\n","phone":null})");
  EXPECT_EQ(json::parse(text).at("email"), "a\"b\\c\n");
}

}  // namespace
}  // namespace contactsd::model
