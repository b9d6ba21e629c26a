// SearchTerms and SearchPrefixOf: the terms ?q= finds a record by, and the prefix it compares,
// made the same way.
#include "model/record.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::model {
namespace {

const Model& SearchModel() {
  static const Model model = std::move(Model::Parse(R"({
    "name": "search", "base_path": "/v1", "envelope": "flat",
    "fields": {
      "first_name": {"type": "string"}, "last_name": {"type": "string"},
      "email": {"type": "email"}, "notes": {"type": "string"}
    },
    "search": ["first_name", "last_name", "email"],
    "system_fields": ["id"],
    "response": ["id", "first_name", "last_name", "email", "notes"]
  })")
                                           .value());
  return model;
}

std::vector<std::string> TermsOf(const char* record) {
  return SearchTerms(SearchModel(), boost::json::parse(record).as_object());
}

TEST(SearchTerms, EachSearchedFieldAndEachLaterWordLowerCased) {
  EXPECT_EQ(
      TermsOf(R"({"first_name": " Mary Ann ", "last_name": "Smith-Jones",
                       "email": "MJ@Example.com", "notes": "Not searched"})"),
      (std::vector<std::string>{"ann", "jones", "mary ann", "mj@example.com", "smith-jones"}));
  EXPECT_EQ(TermsOf(R"({"first_name": null, "last_name": "", "email": 7})"),
            std::vector<std::string>{});
  EXPECT_EQ(TermsOf(R"({"first_name": "Ada", "last_name": "ada"})"),
            std::vector<std::string>{"ada"});
}

TEST(SearchTerms, CutOnACharacterBoundaryAndAtANul) {
  std::string long_name;
  for (int i = 0; i < 40; ++i) long_name += "\xC3\xA9";  // é, 80 bytes
  auto terms = TermsOf(("{\"first_name\": \"x" + long_name + "\"}").c_str());
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].size(), 63u);  // "x" and 31 whole é: the 32nd would pass 64 bytes
  EXPECT_EQ(TermsOf(R"({"first_name": "ab\u0000cd"})"), std::vector<std::string>{"ab"});
}

TEST(SearchPrefixOf, MadeAsTheTermsAre) {
  EXPECT_EQ(SearchPrefixOf("  AdA "), "ada");
  EXPECT_EQ(SearchPrefixOf("   "), "");
  EXPECT_EQ(SearchPrefixOf("\xC3\xA9"), "\xC3\xA9");  // only ASCII letters change case
  EXPECT_EQ(SearchPrefixOf("\xFF"), std::nullopt);    // not UTF-8
  EXPECT_EQ(SearchPrefixOf("\xC3"), std::nullopt);    // cut short
}

}  // namespace
}  // namespace contactsd::model
