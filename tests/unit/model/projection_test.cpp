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
  RecordMeta meta{"0190-x", 3, 0, 1000, std::nullopt};
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
