#include "model/projection.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

TEST(Projection, ShowsResponsePropertiesInModelOrder) {
  auto model = Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {"a": {"type": "string"}, "tags": {"type": "string_array", "default": []},
               "hidden": {"type": "string"}},
    "response": ["id", "tags", "a", "version", "created_at", "updated_at", "archived_at"]
  })");
  ASSERT_TRUE(model.ok());
  RecordMeta meta{"0190-x", 3, 0, 1000, std::nullopt, ""};
  auto out = Project(*model, meta, json::parse(R"({"a":"x","hidden":"h"})").as_object());
  EXPECT_EQ(json::serialize(out),
            R"({"id":"0190-x","tags":[],"a":"x","version":3,)"
            R"("created_at":"1970-01-01T00:00:00.000Z","updated_at":"1970-01-01T00:00:01.000Z",)"
            R"("archived_at":null})");
  meta.archived_at_ms = 2000;
  EXPECT_EQ(Project(*model, meta, {}).at("archived_at"), "1970-01-01T00:00:02.000Z");
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
  auto active = Project(
      ShapedModel(), meta,
      json::parse(R"({"first_name":"Ada","last_name":null,"phone_number":"x"})").as_object());
  EXPECT_EQ(json::serialize(active), R"({"id":"c1","name":"Ada","phone":"x","archived":false})");
  meta.archived_at_ms = 1000;
  meta.archived_by = "key-1";
  auto archived = Project(ShapedModel(), meta, json::parse(R"({})").as_object());
  EXPECT_EQ(json::serialize(archived),
            R"({"id":"c1","name":null,"phone":null,"archived":"1970-01-01T00:00:01.000Z",)"
            R"("archived_by":"key-1"})");
}

TEST(Projection, OptionalPropertiesOnlyWhenRequested) {
  RecordMeta meta{"c1", 1, 0, 0, std::nullopt, ""};
  auto record = json::parse(R"({"first_name":"Ada","last_name":"L"})").as_object();
  EXPECT_FALSE(Project(ShapedModel(), meta, record).contains("last_name"));
  std::vector<std::string> requested = {"last_name"};
  EXPECT_EQ(Project(ShapedModel(), meta, record, requested).at("last_name"), "L");
  EXPECT_EQ(Project(ShapedModel(), meta, record, requested).at("name"), "Ada L");
}

}  // namespace
}  // namespace contactsd::model
