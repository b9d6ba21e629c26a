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

// Found by tests/fuzz/http_head_fuzzer: Boost.URL 1.81 reads "http://host:80contacts/x" as
// port 80 and the path "contacts/x" (boostorg/url#680), and "http:contacts/x" is an absolute
// URI with no authority; both were routed as /contacts/x, with a path lacking its "/". An
// http(s) URI has an authority and a path that is empty or starts with "/" (RFC 9110 §4.2.1).
TEST(ParseTarget, AnAbsoluteFormNeedsAnAuthorityAndAnAbsolutePath) {
  for (const char* bad : {"http://example.com:80contacts/x", "http://example.com:8a/x",
                          "http:contacts/x", "http:/contacts/x", "https:"}) {
    Result<Target> t = ParseTarget(bad);
    ASSERT_FALSE(t.ok()) << bad << " read as " << t->path;
    EXPECT_EQ(t.error().code, ErrorCode::kBadRequest);
  }
  for (const char* good : {"http://example.com:80/contacts/x", "http://example.com:/contacts/x",
                           "http://example.com?limit=1", "http://u@example.com/contacts/x"}) {
    Result<Target> t = ParseTarget(good);
    ASSERT_TRUE(t.ok()) << good;
    EXPECT_TRUE(t->path.starts_with('/')) << good;
  }
}

TEST(ParseTarget, AsteriskIsTheServerItself) {
  Result<Target> t = ParseTarget("*");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->asterisk);
  EXPECT_TRUE(t->segments.empty());
}

}  // namespace
}  // namespace contactsd::http
