#include "http/router.hpp"

#include "http/target.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace contactsd::http {
namespace {

api::Route R(std::string method, std::string pattern) {
  return {std::move(method), std::move(pattern),
          [](const api::Request&) -> Result<api::Response> { return api::Response{}; }};
}

Router ContactsRouter() {
  return Router({R("GET", "/v1/contacts"), R("POST", "/v1/contacts"), R("GET", "/v1/contacts/{id}"),
                 R("PATCH", "/v1/contacts/{id}"), R("DELETE", "/v1/contacts/{id}"),
                 R("POST", "/v1/contacts/{id}/restore"), R("GET", "/v1/contacts/search"),
                 R("GET", "/")});
}

std::vector<std::string> Segments(std::string_view target) {
  Result<Target> t = ParseTarget(target);
  EXPECT_TRUE(t.ok()) << target;
  return t.ok() ? t->segments : std::vector<std::string>{};
}

TEST(Router, MatchesLiteralPattern) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("POST", Segments("/v1/contacts"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->method, "POST");
  EXPECT_EQ(m.route->pattern, "/v1/contacts");
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, MatchesParamAndFillsIt) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("PATCH", Segments("/v1/contacts/c_123"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/v1/contacts/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "c_123");
}

TEST(Router, MatchesParamFollowedByLiteral) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("POST", Segments("/v1/contacts/abc/restore"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/v1/contacts/{id}/restore");
  EXPECT_EQ(m.params, (std::vector<api::NameValue>{{"id", "abc"}}));
}

TEST(Router, LiteralBeatsParam) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("GET", Segments("/v1/contacts/search"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/v1/contacts/search");
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, TrailingSlashIsIgnored) {
  const Router router = ContactsRouter();
  const RouteMatch list = router.Match("GET", Segments("/v1/contacts/"));
  ASSERT_TRUE(list.found());
  EXPECT_EQ(list.route->pattern, "/v1/contacts");
  const RouteMatch one = router.Match("GET", Segments("/v1/contacts/x1/"));
  ASSERT_TRUE(one.found());
  EXPECT_EQ(one.route->pattern, "/v1/contacts/{id}");
  EXPECT_EQ(one.params[0].second, "x1");
}

TEST(Router, RootStaysRoot) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("GET", Segments("/"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/");
}

TEST(Router, ParamNeedsANonEmptySegment) {
  const Router router = ContactsRouter();
  // "/v1/contacts//restore": the {id} segment is empty.
  const RouteMatch m = router.Match("POST", Segments("/v1/contacts//restore"));
  EXPECT_FALSE(m.found());
  EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, UnknownPathIsNotFound) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("GET", Segments("/v1/companies/1"));
  EXPECT_FALSE(m.found());
  EXPECT_TRUE(m.allowed.empty());
  const Error e = Router::NoRouteError(m, "GET", "/v1/companies/1");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.error, "not_found");
  EXPECT_EQ(HttpStatus(e.code), 404);
  EXPECT_NE(e.message.find("/v1/companies/1"), std::string::npos);
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllowSet) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("PUT", Segments("/v1/contacts/42"));
  EXPECT_FALSE(m.found());
  // "/v1/contacts/42" matches only the {id} routes; HEAD comes with GET, OPTIONS everywhere.
  EXPECT_EQ(Router::AllowHeader(m), "GET, HEAD, PATCH, DELETE, OPTIONS");
  const Error e = Router::NoRouteError(m, "PUT", "/v1/contacts/42");
  EXPECT_EQ(e.code, ErrorCode::kMethodNotAllowed);
  EXPECT_EQ(e.error, "method_not_allowed");
  EXPECT_EQ(HttpStatus(e.code), 405);
}

TEST(Router, AllowSetIncludesEveryPatternMatchingThePath) {
  const Router router = ContactsRouter();
  // "search" is both the literal route (GET) and a value of {id} (GET, PATCH, DELETE).
  const RouteMatch m = router.Match("POST", Segments("/v1/contacts/search"));
  EXPECT_FALSE(m.found());
  EXPECT_EQ(Router::AllowHeader(m), "GET, HEAD, PATCH, DELETE, OPTIONS");
  const RouteMatch list = router.Match("DELETE", Segments("/v1/contacts"));
  EXPECT_EQ(Router::AllowHeader(list), "GET, HEAD, POST, OPTIONS");
}

TEST(Router, MethodIsCaseSensitive) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("get", Segments("/v1/contacts"));
  EXPECT_FALSE(m.found());
  EXPECT_EQ(Router::AllowHeader(m), "GET, HEAD, POST, OPTIONS");
  // "get" is no method of RFC 9110: 501, not 405.
  EXPECT_EQ(Router::NoRouteError(m, "get", "/v1/contacts").code, ErrorCode::kNotImplemented);
}

TEST(Router, HeadIsServedByTheGetRoute) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("HEAD", Segments("/v1/contacts/7"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(m.params, (std::vector<api::NameValue>{{"id", "7"}}));
  EXPECT_FALSE(router.Match("HEAD", Segments("/v1/contacts/7/restore")).found());
}

TEST(Router, AllowListsNeitherUnadvertisedRoutesNorUnknownMethods) {
  api::Route hint = R("PUT", "/v1/contacts");
  hint.advertised = false;  // answers "the id is missing", which the path does not serve
  const Router router({R("GET", "/v1/contacts"), R("POST", "/v1/contacts"), std::move(hint)});
  const RouteMatch m = router.Match("DELETE", Segments("/v1/contacts"));
  EXPECT_EQ(Router::AllowHeader(m), "GET, HEAD, POST, OPTIONS");
  EXPECT_TRUE(router.Match("PUT", Segments("/v1/contacts")).found());  // still answered
  EXPECT_EQ(Router::AllowHeader(router.all_methods()), "GET, HEAD, POST, PUT, OPTIONS");
}

TEST(Router, KnownMethodsAreRfc9110sAndPatch) {
  for (const char* m :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}) {
    EXPECT_TRUE(IsKnownMethod(m)) << m;
  }
  for (const char* m : {"FOO", "PROPFIND", "get", ""}) EXPECT_FALSE(IsKnownMethod(m)) << m;
}

TEST(Router, ParamsArePercentDecodedPerSegment) {
  const Router router = ContactsRouter();
  // %2F stays inside the segment instead of splitting the path.
  const RouteMatch m = router.Match("GET", Segments("/v1/contacts/a%2Fb%20c%C3%A9"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/v1/contacts/{id}");
  EXPECT_EQ(m.params[0].second, "a/b c\xC3\xA9");
}

TEST(Router, LiteralSegmentsMatchAfterDecoding) {
  const Router router = ContactsRouter();
  const RouteMatch m = router.Match("GET", Segments("/v1/%63ontacts"));
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.route->pattern, "/v1/contacts");
}

TEST(Router, RejectsMalformedPatterns) {
  EXPECT_THROW(Router({R("GET", "v1/contacts")}), std::invalid_argument);
  EXPECT_THROW(Router({R("GET", "/v1//contacts")}), std::invalid_argument);
  EXPECT_THROW(Router({R("GET", "/v1/{}")}), std::invalid_argument);
  EXPECT_THROW(Router({R("GET", "/v1/{id")}), std::invalid_argument);
  EXPECT_THROW(Router({R("GET", "/v1/{id}/{id}")}), std::invalid_argument);
  EXPECT_THROW(Router({R("GET", "/v1/{id}"), R("GET", "/v1/{key}")}), std::invalid_argument);
  EXPECT_NO_THROW(Router({R("GET", "/v1/{id}"), R("PATCH", "/v1/{id}")}));
}

}  // namespace
}  // namespace contactsd::http
