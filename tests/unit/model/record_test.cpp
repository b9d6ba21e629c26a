#include "model/record.hpp"

#include "model/custom_field.hpp"
#include "model/json_text.hpp"
#include "model/patch_validator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

const Model& RecordModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "", "custom_fields": true,
    "fields": {
      "name": {"type": "string", "required": true},
      "email": {"type": "email", "unique": true},
      "external_id": {"type": "string", "unique": true},
      "tags": {"type": "string_array", "default": [], "required": false},
      "custom_fields": {"type": "custom_fields", "default": {}}
    },
    "response": ["name"]
  })"))
                                 .value();
  return model;
}

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(RecordMerge, NewRecordFillsDefaults) {
  EXPECT_EQ(json::serialize(NewRecord(RecordModel(), Obj(R"({"name":"Ada"})"))),
            R"({"name":"Ada","email":null,"external_id":null,"tags":[],"custom_fields":{}})");
}

// ApplyPatch on a copy of `current`, which must report a change.
json::object Merged(std::string_view current, std::string_view patch) {
  json::object record = Obj(current);
  EXPECT_TRUE(ApplyPatch(RecordModel(), record, Obj(patch))) << current << " + " << patch;
  return record;
}

TEST(RecordMerge, PatchReplacesSentKeysOnly) {
  auto merged =
      Merged(R"({"name":"Ada","email":"a@x.io","tags":["x"]})", R"({"email":null,"tags":["y"]})");
  EXPECT_EQ(json::serialize(merged), R"({"name":"Ada","email":null,"tags":["y"]})");
}

TEST(RecordMerge, NullResetsToTheFieldsDefault) {
  auto merged =
      Merged(R"({"tags":["x"],"custom_fields":{"a":1}})", R"({"tags":null,"custom_fields":null})");
  EXPECT_EQ(json::serialize(merged), R"({"tags":[],"custom_fields":{}})");
}

// A PATCH that leaves every value as stored is reported unchanged (nothing is then written),
// and any real difference, an added key included, is a change.
TEST(RecordMerge, ApplyPatchReportsAChangeOnlyWhenAValueDiffers) {
  const char* stored = R"({"name":"Ada","email":null,"tags":[],"custom_fields":{"a":1}})";
  for (const char* same : {R"({"name":"Ada"})", R"({"email":null,"tags":null})",
                           R"({"custom_fields":{"a":1,"b":null}})", R"({})"}) {
    json::object record = Obj(stored);
    EXPECT_FALSE(ApplyPatch(RecordModel(), record, Obj(same))) << same;
    EXPECT_EQ(record, Obj(stored)) << same;
  }
  for (const char* changes :
       {R"({"name":"Ada L"})", R"({"external_id":null})", R"({"custom_fields":{"a":2}})",
        R"({"custom_fields":{"a":null}})", R"({"custom_fields":{"b":0}})", R"({"tags":["x"]})"}) {
    json::object record = Obj(stored);
    EXPECT_TRUE(ApplyPatch(RecordModel(), record, Obj(changes))) << changes;
    EXPECT_NE(record, Obj(stored)) << changes;
  }
}

// Found by tests/fuzz/contact_body_fuzzer. A number sent as 5.0 is stored as the text "5"
// (JsonText writes the shortest text that reads back), which the store reads back as the
// integer 5; the same PATCH sent again then compared its double 5.0 with the integer 5, saw a
// change and wrote a new version of an unchanged contact (and a PUT likewise). A validated
// value must compare equal to what its stored text reads back as.
TEST(RecordMerge, TheSameWriteSentAgainChangesNothingOnceStored) {
  auto model = Model::Parse(R"({
    "name": "t", "base_path": "", "custom_fields": true,
    "fields": {"score": {"type": "number"}, "facts": {"type": "any"},
               "custom_fields": {"type": "custom_fields", "default": {}}},
    "response": ["score"]
  })");
  ASSERT_TRUE(model.ok()) << model.error().message;
  const std::vector<FieldSpec> custom = {CustomFieldSpec("rating", FieldType::kNumber, {})};
  for (const char* body :
       {R"({"score":5.0})", R"({"score":-0.0})", R"({"score":1e15})", R"({"score":2.5})",
        R"({"facts":{"a":[1.0,2.5,{"b":-3.0}]}})", R"({"custom_fields":{"rating":42.0}})"}) {
    const PatchCheck check = CheckPatch(*model, Obj(body), custom, WriteKind::kUpdate);
    ASSERT_TRUE(check.errors.empty()) << body;
    json::object record = NewRecord(*model, {});
    ApplyPatch(*model, record, check.normalized);
    const std::string doc = JsonText(record);
    json::object stored = Obj(doc);  // as the store reads the document back
    EXPECT_FALSE(ApplyPatch(*model, stored, check.normalized)) << body << " stored as " << doc;
    EXPECT_EQ(ReplaceRecord(*model, Obj(doc), check.normalized), Obj(doc)) << body;
  }
}

TEST(RecordMerge, NewRecordDropsNullCustomValues) {
  auto record = NewRecord(RecordModel(), Obj(R"({"name":"A","custom_fields":{"a":null,"b":2}})"));
  EXPECT_EQ(json::serialize(record.at("custom_fields")), R"({"b":2})");
}

TEST(RecordMerge, CustomFieldsMergeKeyByKeyAndNullRemoves) {
  auto merged =
      Merged(R"({"custom_fields":{"a":1,"b":2}})", R"({"custom_fields":{"b":null,"c":3}})");
  EXPECT_EQ(json::serialize(merged), R"({"custom_fields":{"a":1,"c":3}})");
}

TEST(RecordValidation, RequiredMeansPresentAndNotEmpty) {
  EXPECT_TRUE(ValidateRecord(RecordModel(), Obj(R"({"name":"Ada"})")).empty());
  for (const char* bad : {R"({})", R"({"name":null})", R"({"name":""})"}) {
    auto errors = ValidateRecord(RecordModel(), Obj(bad));
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].field, "name");
    EXPECT_EQ(errors[0].code, "required");
  }
}

TEST(RecordKeys, UniqueFieldsThatAreSetEmailsLowerCased) {
  auto keys = UniqueKeys(RecordModel(), Obj(R"({"email":"Ada@X.io","external_id":"e-1"})"));
  std::vector<std::pair<std::string, std::string>> want = {{"email", "ada@x.io"},
                                                           {"external_id", "e-1"}};
  EXPECT_EQ(keys, want);
  EXPECT_TRUE(UniqueKeys(RecordModel(), Obj(R"({"email":null,"external_id":""})")).empty());
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const Model& AddressModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "a", "base_path": "",
    "fields": {"country": {"type": "country", "required": true},
               "state": {"type": "string", "required": true},
               "address": {"type": "string"}, "address2": {"type": "string"}},
    "record_rules": [
      {"rule": "subdivision", "field": "state", "country_field": "country",
       "countries": ["US", "CA"]},
      {"rule": "one_of_required", "fields": ["address", "address2"]}],
    "response": ["country"]
  })"))
                                 .value();
  return model;
}

std::vector<std::string> Problems(std::string_view record) {
  std::vector<std::string> out;
  for (const auto& e : ValidateRecord(AddressModel(), Obj(record))) {
    out.push_back(e.field + ":" + e.code);
  }
  return out;
}

TEST(RecordRules, SubdivisionsOfCheckedCountriesComeFromIsoCodes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Problems(R"({"country":"US","state":"NY","address":"1 Main St"})"), V{});
  EXPECT_EQ(Problems(R"({"country":"US","state":"DC","address":"1 Main St"})"), V{});
  EXPECT_EQ(Problems(R"({"country":"CA","state":"ON","address2":"Unit 4"})"), V{});
  EXPECT_EQ(Problems(R"({"country":"US","state":"ON","address":"x"})"), V{"state:invalid_value"});
  EXPECT_EQ(Problems(R"({"country":"CA","state":"NY","address":"x"})"), V{"state:invalid_value"});
  EXPECT_EQ(Problems(R"({"country":"FR","state":"Anything","address":"x"})"), V{});
}

TEST(RecordRules, SubdivisionMessageNamesTheCountryAndAnExampleFromIsoCodes) {
  auto errors =
      ValidateRecord(AddressModel(), Obj(R"({"country":"CA","state":"NY","address":"x"})"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "must be an ISO 3166-2 subdivision code of CA, such as AB");
}

TEST(RecordRules, OneOfRequiredAndRequiredFields) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Problems(R"({"country":"FR","state":"x","address":"","address2":null})"),
            V{"address:required"});
  EXPECT_EQ(Problems(R"({})"), (V{"country:required", "state:required", "address:required"}));
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

TEST(RecordReplace, KeepsCreateOnlyFieldsAndClearsTheRest) {
  auto model = Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {"name": {"type": "string"}, "title": {"type": "string"},
               "source": {"type": "string", "create_only": true},
               "cost": {"type": "integer", "default": 1, "create_only": true}},
    "response": ["name"]
  })");
  ASSERT_TRUE(model.ok()) << model.error().message;
  auto replaced = ReplaceRecord(*model, Obj(R"({"name":"A","title":"T","source":"web","cost":3})"),
                                Obj(R"({"name":"B"})"));
  EXPECT_EQ(json::serialize(replaced), R"({"name":"B","title":null,"source":"web","cost":3})");
  // A record written before a create_only field existed gets its default.
  EXPECT_EQ(json::serialize(ReplaceRecord(*model, Obj(R"({"name":"A"})"), Obj("{}"))),
            R"({"name":null,"title":null,"source":null,"cost":1})");
}

// A value looked up by key is normalized as a write of it would be stored, so it finds the
// contact whatever the case or padding it is sent with.
TEST(RecordKeys, AKeyLookedUpIsTheKeyAWriteOfItHolds) {
  const Model& model = RecordModel();
  const FieldSpec& email = *model.FindField("email");
  const FieldSpec& external_id = *model.FindField("external_id");
  EXPECT_EQ(UniqueKeyOf(model, email, " Ada@X.io "), "ada@x.io");
  auto written = UniqueKeys(model, Obj(R"({"email":"ada@x.io","external_id":"e-1"})"));
  EXPECT_EQ(UniqueKeyOf(model, email, "ADA@x.IO"), written[0].second);
  EXPECT_EQ(UniqueKeyOf(model, external_id, "e-1"), written[1].second);
  EXPECT_EQ(UniqueKeyOf(model, external_id, "E-1"), "E-1");  // compared exactly
  EXPECT_EQ(UniqueKeyOf(model, email, "not an email"), std::nullopt);
  EXPECT_EQ(UniqueKeyOf(model, external_id, ""), std::nullopt);
  EXPECT_EQ(UniqueKeyOf(model, *model.FindField("name"), "Ada"), std::nullopt);  // not unique
}

}  // namespace
}  // namespace contactsd::model
