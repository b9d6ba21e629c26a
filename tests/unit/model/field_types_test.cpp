// The field type table: every type's traits, its text reading and its JSON Schema. The value
// checks themselves are in value_check_test.cpp.
#include "model/field_types.hpp"

#include "model/model.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>

namespace contactsd::model {
namespace {

namespace json = boost::json;

FieldSpec SpecOfType(FieldType type) {
  FieldSpec s;
  s.name = "f";
  s.type = type;
  return s;
}

std::string Schema(const FieldSpec& spec, SchemaSide side = SchemaSide::kAnswer) {
  json::object out;
  TraitsOf(spec.type).schema(spec, side, out);
  return json::serialize(out);
}

std::string FromText(FieldType type, std::string_view text) {
  auto v = TraitsOf(type).from_text(text);
  return v ? json::serialize(*v) : "none";
}

TEST(FieldTypes, TheTableIsIndexedByTypeAndNamesAreUnique) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < AllFieldTypes().size(); ++i) {
    const FieldTypeTraits& t = AllFieldTypes()[i];
    EXPECT_EQ(static_cast<std::size_t>(t.type), i) << t.name;
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_EQ(&TraitsOf(t.type), &t);
    EXPECT_EQ(FindFieldType(t.name), &t);
    EXPECT_EQ(FieldTypeName(t.type), t.name);
    EXPECT_NE(t.schema, nullptr) << t.name;
    EXPECT_NE(t.from_text, nullptr) << t.name;
    // Every type but the custom-fields container checks a value by itself.
    EXPECT_EQ(t.check == nullptr, t.type == FieldType::kCustomFields) << t.name;
    // A filter that reads text it cannot take says what it expected.
    const FieldTypeTraits& item = TraitsOf(t.item_type);
    if (t.may_filter && item.from_text("\x01not a value") == std::nullopt) {
      EXPECT_FALSE(item.expected.empty()) << t.name;
    }
  }
  EXPECT_EQ(FindFieldType("mail"), nullptr);
  EXPECT_EQ(ParseFieldType("string_array"), FieldType::kStringArray);
}

TEST(FieldTypes, WhatEachTypeAllows) {
  // Unique keys are text compared as stored.
  for (const FieldTypeTraits& t : AllFieldTypes()) {
    bool text = t.type == FieldType::kString || t.type == FieldType::kEmail ||
                t.type == FieldType::kPhone || t.type == FieldType::kUuid;
    EXPECT_EQ(t.may_be_unique, text) << t.name;
  }
  EXPECT_TRUE(TraitsOf(FieldType::kBoolean).may_filter);
  EXPECT_TRUE(TraitsOf(FieldType::kNumber).may_filter);
  EXPECT_FALSE(TraitsOf(FieldType::kObject).may_filter);
  EXPECT_FALSE(TraitsOf(FieldType::kCustomFields).may_filter);
  EXPECT_TRUE(TraitsOf(FieldType::kEnum).custom_field);
  EXPECT_FALSE(TraitsOf(FieldType::kStringArray).custom_field);
  EXPECT_EQ(TraitsOf(FieldType::kIntegerArray).item_type, FieldType::kInteger);
}

TEST(FieldTypes, ReadValuesWrittenAsText) {
  EXPECT_EQ(FromText(FieldType::kBoolean, "true"), "true");
  EXPECT_EQ(FromText(FieldType::kBoolean, "FALSE"), "false");
  EXPECT_EQ(FromText(FieldType::kBoolean, "yes"), "none");
  EXPECT_EQ(FromText(FieldType::kInteger, "-42"), "-42");
  EXPECT_EQ(FromText(FieldType::kInteger, "4.2"), "none");
  EXPECT_EQ(FromText(FieldType::kNumber, "1.5"), "1.5E0");
  EXPECT_EQ(FromText(FieldType::kNumber, "inf"), "none");
  EXPECT_EQ(FromText(FieldType::kString, "a,b"), "\"a,b\"");
  EXPECT_EQ(FromText(FieldType::kStringArray, "[\"a\",\"b\"]"), "[\"a\",\"b\"]");
  // Boost.JSON reads 1e999 as infinity, which stored would make the document invalid JSON.
  EXPECT_EQ(FromText(FieldType::kObject, "{\"n\":1e999}"), "none");
  EXPECT_EQ(FromText(FieldType::kAny, "[1,-1e999]"), "none");
  EXPECT_EQ(FromText(FieldType::kObject, "{\"n\":1e300}"), "{\"n\":1E300}");
  EXPECT_EQ(FromText(FieldType::kUuid, "not-a-uuid"), "none");
  EXPECT_EQ(FromText(FieldType::kUuid, "0190F0A5-0000-7000-8000-000000000000"),
            "\"0190F0A5-0000-7000-8000-000000000000\"");
}

TEST(FieldTypes, SchemasOfTextTypes) {
  FieldSpec s = SpecOfType(FieldType::kString);
  s.max_length = 200;
  EXPECT_EQ(Schema(s), R"({"type":"string","maxLength":200})");
  EXPECT_EQ(Schema(s, SchemaSide::kRequest), R"({"type":"string","maxLength":200})");

  FieldSpec e = SpecOfType(FieldType::kEmail);
  e.max_length = 254;
  // The WHATWG address the server checks, not JSON Schema's stricter "email" format.
  EXPECT_EQ(Schema(e),
            R"({"type":"string","maxLength":254,"pattern":"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@)"
            R"([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61})"
            R"([a-zA-Z0-9])?)*$"})");
  // A request's email is checked once trimmed: neither the format nor the limit applies to
  // the text sent.
  EXPECT_EQ(Schema(e, SchemaSide::kRequest),
            R"({"type":"string","description":"Surrounding spaces are trimmed."})");

  EXPECT_EQ(Schema(SpecOfType(FieldType::kUuid)), R"({"type":"string","format":"uuid"})");
  EXPECT_EQ(Schema(SpecOfType(FieldType::kDate)), R"({"type":"string","format":"date"})");
  EXPECT_EQ(Schema(SpecOfType(FieldType::kDatetime)), R"({"type":"string","format":"date-time"})");
  EXPECT_EQ(Schema(SpecOfType(FieldType::kPhone)),
            R"({"type":"string","pattern":"^\\+[1-9][0-9]{1,14}$"})");

  json::value country = json::parse(Schema(SpecOfType(FieldType::kCountry)));
  const json::array& codes = country.at("enum").as_array();
  EXPECT_GT(codes.size(), 240u);
  EXPECT_NE(std::find(codes.begin(), codes.end(), json::value("US")), codes.end());
}

TEST(FieldTypes, SchemasOfScalarsAndArrays) {
  FieldSpec i = SpecOfType(FieldType::kInteger);
  i.minimum = 0;
  EXPECT_EQ(Schema(i), R"({"type":"integer","format":"int64","minimum":0E0})");
  EXPECT_EQ(Schema(SpecOfType(FieldType::kBoolean)), R"({"type":"boolean"})");

  FieldSpec en = SpecOfType(FieldType::kEnum);
  en.values = {"a", "b"};
  EXPECT_EQ(Schema(en), R"({"type":"string","enum":["a","b"]})");
  en.invalid_as_default = true;
  // A request may send any string: one outside the list stores the default.
  EXPECT_EQ(Schema(en, SchemaSide::kRequest),
            R"({"type":"string","examples":["a","b"],)"
            R"("description":"A value outside the list is stored as the default."})");

  FieldSpec tags = SpecOfType(FieldType::kStringArray);
  tags.max_items = 50;
  tags.max_length = 100;
  tags.dedupe = true;
  EXPECT_EQ(Schema(tags),
            R"({"type":"array","items":{"type":"string","minLength":1,"maxLength":100},)"
            R"("maxItems":50,"uniqueItems":true})");
  // Repeated tags are sent freely and stored once.
  EXPECT_EQ(Schema(tags, SchemaSide::kRequest).find("uniqueItems"), std::string::npos);
  EXPECT_EQ(Schema(SpecOfType(FieldType::kAny)), "{}");
  EXPECT_EQ(Schema(SpecOfType(FieldType::kObject)), R"({"type":"object"})");
}

// A key the type does not take is refused when the model loads, named by its path.
TEST(FieldTypes, DefinitionKeysAreTheTypes) {
  auto error = [](std::string_view field) {
    std::string text = R"({"name":"x","base_path":"/v1","fields":{"a":)" + std::string(field) +
                       R"(},"response":["a"]})";
    auto m = Model::Parse(text);
    return m.ok() ? std::string("ok") : m.error().message;
  };
  EXPECT_EQ(error(R"({"type":"boolean","max_length":3})"),
            "fields.a.max_length: type boolean does not take this key");
  EXPECT_EQ(error(R"({"type":"string","max_items":3})"),
            "fields.a.max_items: type string does not take this key");
  EXPECT_EQ(error(R"({"type":"integer","lowercase":true})"),
            "fields.a.lowercase: type integer does not take this key");
  EXPECT_EQ(error(R"({"type":"enum"})"), "fields.a.values: required for type enum");
  // A flag set to false asks for nothing.
  EXPECT_EQ(error(R"({"type":"boolean","unique":false})"), "ok");
  EXPECT_EQ(error(R"({"type":"string","description":"shown in the API's document"})"), "ok");
}

}  // namespace
}  // namespace contactsd::model
