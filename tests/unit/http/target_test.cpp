#include "http/target.hpp"

#include <gtest/gtest.h>

namespace contactsd::http {
namespace {

TEST(ParseTarget, SplitsAndDecodesPathAndQuery) {
  Result<Target> t = ParseTarget("/v1/contacts/a%20b?properties=name,email&limit=10&tag=x&tag=y");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/v1/contacts/a b");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "contacts", "a b"}));
  EXPECT_EQ(t->query,
            (std::vector<api::NameValue>{
                {"properties", "name,email"}, {"limit", "10"}, {"tag", "x"}, {"tag", "y"}}));
}

TEST(ParseTarget, QueryIsPercentDecodedAndPlusIsKept) {
  Result<Target> t = ParseTarget("/s?email=a+b%40example.com&q=%22x%22&flag");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->query, (std::vector<api::NameValue>{
                          {"email", "a+b@example.com"}, {"q", "\"x\""}, {"flag", ""}}));
}

TEST(ParseTarget, RootHasNoSegments) {
  Result<Target> t = ParseTarget("/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/");
  EXPECT_TRUE(t->segments.empty());
  EXPECT_TRUE(t->query.empty());
}

TEST(ParseTarget, DropsOneTrailingEmptySegment) {
  Result<Target> t = ParseTarget("/v1/contacts/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/v1/contacts/");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "contacts"}));
}

TEST(ParseTarget, RejectsWhatBoostUrlRejects) {
  for (const char* bad : {"", "ftp://example.com/x", "/a%zz", "/a b", "v1/contacts",
                          "http://example.com/x#frag", "example.com:80"}) {
    Result<Target> t = ParseTarget(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(t.error().error, "bad_request");
  }
}

TEST(ParseTarget, AbsoluteFormIsItsPathAndQuery) {
  Result<Target> t = ParseTarget("http://example.com:8080/v1/contacts/a%20b?limit=2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/v1/contacts/a b");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "contacts", "a b"}));
  EXPECT_EQ(t->query, (std::vector<api::NameValue>{{"limit", "2"}}));
  Result<Target> root = ParseTarget("https://example.com");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->path, "/");
  EXPECT_TRUE(root->segments.empty());
}

TEST(ParseTarget, AsteriskIsTheServerItself) {
  Result<Target> t = ParseTarget("*");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->asterisk);
  EXPECT_TRUE(t->segments.empty());
}

}  // namespace
}  // namespace contactsd::http
