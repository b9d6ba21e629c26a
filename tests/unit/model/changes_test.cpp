#include "model/changes.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace contactsd::model {
namespace {

namespace json = boost::json;

Model Parsed(const char* text) {
  auto model = Model::Parse(text);
  EXPECT_TRUE(model.ok());
  return std::move(model).value();
}

// The changes between two projections (JSON text), parsed back.
json::value Changes(const Model& model, const char* before, const char* after) {
  std::string out;
  AppendChanges(out, model, json::parse(before).as_object(), json::parse(after).as_object());
  return json::parse(out);
}

constexpr char kNested[] = R"({
  "name": "t", "base_path": "", "custom_fields": true,
  "fields": {"a": {"type": "string"}, "b": {"type": "string"},
             "custom_fields": {"type": "custom_fields", "default": {}}},
  "response": ["id", "a", "b", "custom_fields", "version", "created_at", "updated_at"]
})";

TEST(Changes, NameTheChangedPropertiesWithBeforeAndAfter) {
  Model model = Parsed(kNested);
  EXPECT_EQ(Changes(model, R"({"id":"1","a":"x","b":"y","version":1,"updated_at":"t1"})",
                    R"({"id":"1","a":"z","b":"y","version":2,"updated_at":"t2"})"),
            json::parse(R"({"a":{"before":"x","after":"z"}})"));
}

TEST(Changes, LeaveOutWhatMovesOnEveryWriteAndShowNothingWhenNothingElseMoved) {
  Model model = Parsed(kNested);
  EXPECT_EQ(Changes(model, R"({"a":"x","version":1,"updated_at":"t1"})",
                    R"({"a":"x","version":2,"updated_at":"t2"})"),
            json::parse("{}"));
}

TEST(Changes, CompareNestedCustomFieldsKeyByKey) {
  Model model = Parsed(kNested);
  EXPECT_EQ(Changes(model, R"({"custom_fields":{"tier":"gold","gone":1,"same":true}})",
                    R"({"custom_fields":{"tier":"silver","new":[1],"same":true}})"),
            json::parse(R"({"custom_fields":{
              "tier":{"before":"gold","after":"silver"},
              "new":{"before":null,"after":[1]},
              "gone":{"before":1,"after":null}}})"));
}

TEST(Changes, ShowAPropertyMissingOnOneSideAsNull) {
  Model model = Parsed(kNested);
  EXPECT_EQ(Changes(model, R"({"a":"x"})", R"({"b":"y"})"),
            json::parse(R"({"b":{"before":null,"after":"y"},"a":{"before":"x","after":null}})"));
}

TEST(Changes, CompareOtherObjectsWhole) {
  Model model = Parsed(R"({
    "name": "t", "base_path": "",
    "fields": {"address": {"type": "any"}},
    "response": ["id", "address"]
  })");
  EXPECT_EQ(Changes(model, R"({"address":{"city":"A","zip":"1"}})",
                    R"({"address":{"city":"B","zip":"1"}})"),
            json::parse(R"({"address":{"before":{"city":"A","zip":"1"},
                                       "after":{"city":"B","zip":"1"}}})"));
}

}  // namespace
}  // namespace contactsd::model
