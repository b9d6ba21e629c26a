// The model keys "collections" and "references", and the functions over referencing fields.
#include "model/collection_entry.hpp"
#include "model/iso_codes.hpp"
#include "model/model.hpp"
#include "model/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

namespace json = boost::json;

const Model& ListsModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "t", "base_path": "",
    "collections": ["lists", "labels"],
    "fields": {
      "name": {"type": "string"},
      "lists": {"type": "integer_array", "references": "lists", "dedupe": true, "default": []},
      "main_list": {"type": "integer", "references": "lists"},
      "labels": {"type": "integer_array", "references": "labels", "default": []},
      "scores": {"type": "integer_array", "default": []}
    },
    "response": ["name"]
  })"))
                                 .value();
  return model;
}

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

std::string ParseError(std::string_view text) {
  auto m = Model::Parse(text);
  return m.ok() ? "" : m.error().message;
}

TEST(ModelCollections, AreReadWithTheFieldsThatReferenceThem) {
  const Model& m = ListsModel();
  EXPECT_EQ(m.collections(), (std::vector<std::string>{"lists", "labels"}));
  EXPECT_TRUE(m.HasCollection("labels"));
  EXPECT_FALSE(m.HasCollection("tags"));
  EXPECT_EQ(m.FindField("lists")->references, "lists");
  EXPECT_EQ(m.FindField("scores")->references, "");
  EXPECT_EQ(m.FieldsReferencing("lists"),
            (std::vector<const FieldSpec*>{m.FindField("lists"), m.FindField("main_list")}));
  EXPECT_EQ(m.FieldsReferencing("labels"), (std::vector<const FieldSpec*>{m.FindField("labels")}));
  EXPECT_TRUE(m.FieldsReferencing("nope").empty());
}

TEST(ModelCollections, BadDeclarationsNameTheKey) {
  auto model = [](std::string_view collections, std::string_view field) {
    return R"({"name":"x","base_path":"","collections":)" + std::string(collections) +
           R"(,"fields":{"a":)" + std::string(field) + R"(},"response":["a"]})";
  };
  const std::string ok_field = R"({"type":"integer_array","references":"lists"})";
  EXPECT_EQ(ParseError(model(R"(["lists"])", ok_field)), "");
  EXPECT_EQ(ParseError(model(R"("lists")", ok_field)), "collections: must be an array of names");
  EXPECT_EQ(ParseError(model(R"(["Lists"])", ok_field)),
            "collections: names are lower-case identifiers");
  EXPECT_EQ(ParseError(model(R"(["lists","lists"])", ok_field)), "collections.lists: listed twice");
  EXPECT_EQ(ParseError(model(R"(["contacts"])", ok_field)),
            "collections.contacts: is the path of another resource");
  EXPECT_EQ(ParseError(model(R"(["healthz"])", ok_field)),
            "collections.healthz: is the path of another resource");
  EXPECT_EQ(ParseError(model(R"(["labels"])", ok_field)),
            "fields.a.references: must name one of the model's collections");
  EXPECT_EQ(ParseError(model(R"(["lists"])", R"({"type":"string_array","references":"lists"})")),
            "fields.a.references: type string_array does not take this key");
  EXPECT_EQ(ParseError(model(R"(["lists"])", R"({"type":"integer","references":7})")),
            "fields.a.references: must name one of the model's collections");
  EXPECT_EQ(ParseError(model(R"(["lists"])",
                             R"({"type":"integer_array","references":"lists","default":[1]})")),
            "fields.a.default: a field that references a collection defaults to null or []");
  // Without "collections", nothing can be referenced.
  EXPECT_EQ(ParseError(R"({"name":"x","base_path":"","fields":{"a":{"type":"integer",
      "references":"lists"}},"response":["a"]})"),
            "fields.a.references: must name one of the model's collections");
}

TEST(ReferencedIds, GivesEachFieldsIdsOnceInOrder) {
  auto refs = ReferencedIds(
      ListsModel(),
      Obj(R"({"name":"x","lists":[5,3,5],"main_list":9,"labels":[],"scores":[1,2]})"));
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].field->name, "lists");
  EXPECT_EQ(refs[0].ids, (std::vector<std::int64_t>{5, 3}));
  EXPECT_EQ(refs[1].field->name, "main_list");
  EXPECT_EQ(refs[1].ids, (std::vector<std::int64_t>{9}));
  EXPECT_TRUE(ReferencedIds(ListsModel(), Obj(R"({"lists":null,"main_list":null})")).empty());
  EXPECT_TRUE(ReferencedIds(ListsModel(), Obj(R"({"name":"only"})")).empty());
}

TEST(RemoveReference, TakesTheIdOutOfEveryFieldOfTheCollectionOnly) {
  json::object record = Obj(R"({"lists":[4,7,4,2],"main_list":4,"labels":[4],"scores":[4]})");
  EXPECT_TRUE(RemoveReference(ListsModel(), "lists", 4, record));
  EXPECT_EQ(json::serialize(record),
            R"({"lists":[7,2],"main_list":null,"labels":[4],"scores":[4]})");
  EXPECT_FALSE(RemoveReference(ListsModel(), "lists", 4, record));
  EXPECT_TRUE(RemoveReference(ListsModel(), "labels", 4, record));
  EXPECT_EQ(json::serialize(record),
            R"({"lists":[7,2],"main_list":null,"labels":[],"scores":[4]})");
  json::object old_record = Obj(R"({"name":"written before the field existed"})");
  EXPECT_FALSE(RemoveReference(ListsModel(), "lists", 1, old_record));
}

TEST(CollectionEntry, NameIsRequiredTrimmedAndBounded) {
  auto name = CheckCollectionEntry(Obj(R"({"name":"  VIP clients \t"})"));
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "VIP clients");
  EXPECT_EQ(*CheckCollectionEntry(Obj(R"({"name":"Zoë 😀"})")), "Zoë 😀");

  auto codes = [](std::string_view body) {
    auto r = CheckCollectionEntry(Obj(body));
    std::vector<std::string> out;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kValidation);
      for (const auto& d : r.error().details) out.push_back(d.field + ":" + d.code);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(codes(R"({})"), V{"name:required"});
  EXPECT_EQ(codes(R"({"name":null})"), V{"name:required"});
  EXPECT_EQ(codes(R"({"name":"   "})"), V{"name:required"});
  EXPECT_EQ(codes(R"({"name":5})"), V{"name:invalid_type"});
  EXPECT_EQ(codes(R"({"name":"ok","colour":"red"})"), V{"colour:unknown_field"});
  EXPECT_EQ(codes(R"({"id":3,"name":""})"), (V{"id:unknown_field", "name:required"}));
  // 255 characters (not bytes) fit; 256 do not.
  std::string longest;
  for (int i = 0; i < 255; ++i) longest += "é";
  EXPECT_TRUE(CheckCollectionEntry(json::object{{"name", longest}}).ok());
  EXPECT_EQ(codes(json::serialize(json::object{{"name", longest + "x"}})), V{"name:too_long"});
}

TEST(IsoCodes, SubdivisionExampleComesFromTheData) {
  EXPECT_EQ(SubdivisionExample("US"), "AK");
  EXPECT_EQ(SubdivisionExample("CA"), "AB");
  EXPECT_TRUE(IsSubdivisionCode("US", SubdivisionExample("US")));
  EXPECT_EQ(SubdivisionExample("XX"), "");
  EXPECT_EQ(SubdivisionExample("U"), "");
}

}  // namespace
}  // namespace contactsd::model
