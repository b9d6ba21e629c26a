#include "http/error_render.hpp"

#include "http/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace contactsd::http {
namespace {

boost::json::object ParseObject(const std::string& text) {
  boost::json::value v = boost::json::parse(text);
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

TEST(ErrorRender, HasTheErrorShape) {
  const api::Response r = RenderError(Error::NotFound("No contact c_1"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"not_found","message":"No contact c_1","statusCode":404})");
  EXPECT_TRUE(r.headers.empty());
}

TEST(ErrorRender, StatusComesFromHttpStatus) {
  EXPECT_EQ(RenderError(Error::Conflict("archived", "contact_archived")).status, 409);
  EXPECT_EQ(RenderError(Error::Unauthenticated()).status, 401);
  EXPECT_EQ(RenderError(Error::Unavailable("db locked")).status, 503);
  const boost::json::object body = ParseObject(ErrorBody(Error::PaymentRequired("no credits")));
  EXPECT_EQ(body.at("statusCode").as_int64(), 402);
  EXPECT_EQ(body.at("error").as_string(), "insufficient_credits");
}

TEST(ErrorRender, TransportFactoriesHaveStableCodesAndStatuses) {
  EXPECT_EQ(RenderError(Error::MethodNotAllowed("Method PUT is not allowed")).body,
            R"({"error":"method_not_allowed","message":"Method PUT is not allowed",)"
            R"("statusCode":405})");
  EXPECT_EQ(RenderError(Error::PayloadTooLarge("The request body exceeds 10 bytes")).body,
            R"({"error":"payload_too_large","message":"The request body exceeds 10 bytes",)"
            R"("statusCode":413})");
  EXPECT_EQ(RenderError(Error::HeadersTooLarge("The request headers exceed 10 bytes")).body,
            R"({"error":"headers_too_large","message":"The request headers exceed 10 bytes",)"
            R"("statusCode":431})");
  EXPECT_EQ(RenderError(Error::MethodNotAllowed("m")).status, 405);
  EXPECT_EQ(RenderError(Error::PayloadTooLarge("m")).status, 413);
  EXPECT_EQ(RenderError(Error::HeadersTooLarge("m")).status, 431);
}

TEST(ErrorRender, UnavailableHasADefaultOrAGivenMessageAndHidesTheInternalText) {
  const Error busy = Error::Unavailable("SQLITE_BUSY");
  EXPECT_EQ(busy.code, ErrorCode::kUnavailable);
  EXPECT_EQ(busy.internal, "SQLITE_BUSY");
  EXPECT_EQ(ErrorBody(busy),
            R"({"error":"unavailable","message":"The service is temporarily unavailable",)"
            R"("statusCode":503})");
  const Error overloaded =
      Error::Unavailable("worker queue full", "The server is overloaded; retry later");
  EXPECT_EQ(ErrorBody(overloaded),
            R"({"error":"unavailable","message":"The server is overloaded; retry later",)"
            R"("statusCode":503})");
}

TEST(ErrorRender, DetailsOnlyWhenPresent) {
  EXPECT_FALSE(ParseObject(ErrorBody(Error::BadRequest("bad"))).contains("details"));

  const Error e = Error::Validation(
      {{"email", "invalid_format", "not an e-mail"}, {"age", "invalid_type", "expected a number"}});
  const api::Response r = RenderError(e);
  EXPECT_EQ(r.status, 400);
  const boost::json::object body = ParseObject(r.body);
  EXPECT_EQ(body.at("error").as_string(), "validation_failed");
  EXPECT_EQ(body.at("statusCode").as_int64(), 400);
  const boost::json::array& details = body.at("details").as_array();
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0],
            (boost::json::object{
                {"field", "email"}, {"code", "invalid_format"}, {"message", "not an e-mail"}}));
  EXPECT_EQ(details[1].as_object().at("field").as_string(), "age");
  EXPECT_EQ(body.size(), 4u);
}

TEST(ErrorRender, InternalTextIsNeverRendered) {
  Error e = Error::Internal("sqlite: disk I/O error at /var/lib/contacts.db");
  const api::Response r = RenderError(e);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("sqlite"), std::string::npos);
  EXPECT_EQ(r.body.find("contacts.db"), std::string::npos);
  const boost::json::object body = ParseObject(r.body);
  EXPECT_EQ(body.at("error").as_string(), "internal_error");
  EXPECT_EQ(body.at("message").as_string(), "Internal server error");

  Error busy = Error::Unavailable("SQLITE_BUSY on contacts");
  EXPECT_EQ(ErrorBody(busy).find("SQLITE_BUSY"), std::string::npos);
  Error conflict = Error::Conflict("taken");
  conflict.internal = "unique key email=x@y";
  EXPECT_EQ(ErrorBody(conflict).find("unique key"), std::string::npos);
}

TEST(ErrorRender, EscapesQuotesAndControlCharacters) {
  const Error e = Error::BadRequest("field \"name\" has a \\ and a\nnewline");
  const std::string body = ErrorBody(e);
  EXPECT_NE(body.find(R"(field \"name\" has a \\ and a\nnewline)"), std::string::npos) << body;
  EXPECT_EQ(ParseObject(body).at("message").as_string(), e.message);

  const Error v = Error::Validation({{"a\"b", "c\"d", "e\"f"}});
  const boost::json::object parsed = ParseObject(ErrorBody(v));
  const boost::json::object& d = parsed.at("details").as_array()[0].as_object();
  EXPECT_EQ(d.at("field").as_string(), "a\"b");
  EXPECT_EQ(d.at("code").as_string(), "c\"d");
  EXPECT_EQ(d.at("message").as_string(), "e\"f");
}

// Found by tests/fuzz/list_query_fuzzer: messages quote what the client sent, percent-decoded
// from the target ("Unknown filter 'caf%E9'", "No route matches /v1/%FF"), and those bytes need
// not be UTF-8. JSON text must be (RFC 8259 §8.1): each byte of an invalid sequence is shown
// as U+FFFD, and valid UTF-8 passes unchanged.
TEST(ErrorRender, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  Error bad = Error::BadRequest("Unknown filter 'caf\xE9'", "invalid_query");
  bad.details.push_back({"caf\xE9", "unknown_filter", "\xC0\xAF, \xED\xA0\x80 and \xF0\x9F\x98"});
  const std::string body = ErrorBody(bad);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);  // UTF-8 is checked
  ASSERT_FALSE(ec) << body;
  EXPECT_EQ(v.as_object().at("message").as_string(), "Unknown filter 'caf\uFFFD'");
  const boost::json::object& d = v.as_object().at("details").as_array()[0].as_object();
  EXPECT_EQ(d.at("field").as_string(), "caf\uFFFD");
  // An overlong form, a surrogate and a truncated sequence: one U+FFFD per byte.
  EXPECT_EQ(d.at("message").as_string(), "\uFFFD\uFFFD, \uFFFD\uFFFD\uFFFD and \uFFFD\uFFFD\uFFFD");

  // The path of a 404, as the router quotes it for GET /v1/%FF.
  const api::Response missing = RenderError(Router::NoRouteError(RouteMatch{}, "GET", "/v1/\xFF"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ParseObject(missing.body).at("message").as_string(), "No route matches /v1/\uFFFD");
}

TEST(ErrorRender, ValidUtf8IsShownAsSent) {
  const std::string body = ErrorBody(Error::NotFound("No route matches /v1/caf\u00E9/\U0001F600"));
  EXPECT_EQ(ParseObject(body).at("message").as_string(),
            "No route matches /v1/caf\u00E9/\U0001F600");
}

}  // namespace
}  // namespace contactsd::http
