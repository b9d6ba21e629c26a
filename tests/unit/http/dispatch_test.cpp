#include "http/dispatch.hpp"

#include "common/log_capture.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

namespace contactsd::http {
namespace {

Router TestRouter() {
  std::vector<api::Route> routes;
  routes.push_back({"GET", "/v1/contacts/{id}", [](const api::Request& r) -> Result<api::Response> {
                      r.log_org = "acme";
                      boost::json::object q;
                      for (const auto& [k, v] : r.query) q[k] = v;
                      return api::Response{
                          200,
                          boost::json::serialize(boost::json::object{
                              {"id", r.Param("id")}, {"path", r.path}, {"query", q}}),
                          {{"ETag", "\"v1\""}}};
                    }});
  routes.push_back({"PATCH", "/v1/contacts/{id}", [](const api::Request&) -> Result<api::Response> {
                      return Error::Validation({{"email", "invalid_format", "bad e-mail"}});
                    }});
  routes.push_back({"GET", "/throw", [](const api::Request&) -> Result<api::Response> {
                      throw std::runtime_error("secret: db password wrong");
                    }});
  routes.push_back(
      {"GET", "/throw-int", [](const api::Request&) -> Result<api::Response> { throw 42; }});
  routes.push_back({"GET", "/internal", [](const api::Request&) -> Result<api::Response> {
                      return Error::Internal("secret: invariant broken");
                    }});
  routes.push_back({"GET", "/bad-status", [](const api::Request&) -> Result<api::Response> {
                      return api::Response{42, "{}", {}};
                    }});
  routes.push_back({"GET", "/unavailable", [](const api::Request&) -> Result<api::Response> {
                      return Error::Unavailable("postgres: server closed the connection");
                    }});
  return Router(std::move(routes));
}

api::Request MakeRequest(std::string method) {
  api::Request r;
  r.method = std::move(method);
  r.request_id = "rid-1";
  return r;
}

boost::json::object Body(const api::Response& r) { return boost::json::parse(r.body).as_object(); }

TEST(Dispatch, FillsPathParamsAndQueryThenCallsTheHandler) {
  const Router router = TestRouter();
  api::Request request = MakeRequest("GET");
  const Dispatched d = Dispatch(router, request, "/v1/contacts/c%201/?properties=name&x=%C3%A9");
  EXPECT_EQ(d.route, "/v1/contacts/{id}");
  EXPECT_EQ(d.response.status, 200);
  EXPECT_EQ(Body(d.response),
            (boost::json::object{{"id", "c 1"},
                                 {"path", "/v1/contacts/c 1/"},
                                 {"query", {{"properties", "name"}, {"x", "\xC3\xA9"}}}}));
  EXPECT_EQ(d.response.headers, (std::vector<api::NameValue>{{"ETag", "\"v1\""}}));
  EXPECT_EQ(request.log_org, "acme");
}

TEST(Dispatch, RendersAHandlersError) {
  const Router router = TestRouter();
  api::Request request = MakeRequest("PATCH");
  const Dispatched d = Dispatch(router, request, "/v1/contacts/1");
  EXPECT_EQ(d.route, "/v1/contacts/{id}");
  EXPECT_EQ(d.response.status, 400);
  const boost::json::object body = Body(d.response);
  EXPECT_EQ(body.at("error").as_string(), "validation_failed");
  EXPECT_EQ(body.at("details").as_array()[0].as_object().at("code").as_string(), "invalid_format");
}

TEST(Dispatch, AnUnavailableStoreIsA503WithRetryAfter) {
  // The database failing over: the client is told to come back, not that the server broke.
  const Router router = TestRouter();
  api::Request request = MakeRequest("GET");
  const Dispatched d = Dispatch(router, request, "/unavailable");
  EXPECT_EQ(d.response.status, 503);
  EXPECT_EQ(d.response.headers, (std::vector<api::NameValue>{{"Retry-After", "1"}}));
  EXPECT_EQ(Body(d.response),
            (boost::json::object{{"error", "unavailable"},
                                 {"message", "The service is temporarily unavailable"},
                                 {"statusCode", 503}}));
}

TEST(Dispatch, BadTargetIs400) {
  const Router router = TestRouter();
  api::Request request = MakeRequest("GET");
  const Dispatched d = Dispatch(router, request, "/v1/contacts/%zz");
  EXPECT_EQ(d.route, "-");
  EXPECT_EQ(d.response.status, 400);
  EXPECT_EQ(Body(d.response).at("error").as_string(), "bad_request");
}

TEST(Dispatch, NoRouteIs404AndWrongMethodIs405WithAllow) {
  const Router router = TestRouter();
  api::Request a = MakeRequest("GET");
  const Dispatched missing = Dispatch(router, a, "/v2/nothing");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(Body(missing.response).at("error").as_string(), "not_found");
  EXPECT_EQ(Body(missing.response).at("statusCode").as_int64(), 404);
  EXPECT_TRUE(missing.response.headers.empty());

  api::Request b = MakeRequest("DELETE");
  const Dispatched wrong = Dispatch(router, b, "/v1/contacts/1");
  EXPECT_EQ(wrong.route, "-");
  EXPECT_EQ(wrong.response.status, 405);
  EXPECT_EQ(Body(wrong.response).at("error").as_string(), "method_not_allowed");
  EXPECT_EQ(wrong.response.headers,
            (std::vector<api::NameValue>{{"Allow", "GET, HEAD, PATCH, OPTIONS"}}));
}

TEST(Dispatch, OptionsAnswersWhatThePathAllows) {
  const Router router = TestRouter();
  api::Request a = MakeRequest("OPTIONS");
  const Dispatched one = Dispatch(router, a, "/v1/contacts/1");
  EXPECT_EQ(one.response.status, 204);
  EXPECT_EQ(one.response.headers,
            (std::vector<api::NameValue>{{"Allow", "GET, HEAD, PATCH, OPTIONS"},
                                         {"Accept-Patch", std::string(kAcceptPatch)}}));
  api::Request b = MakeRequest("OPTIONS");
  EXPECT_EQ(Dispatch(router, b, "/v2/nothing").response.status, 404);
  api::Request c = MakeRequest("OPTIONS");
  const Dispatched server = Dispatch(router, c, "*");
  EXPECT_EQ(server.response.status, 204);
  EXPECT_EQ(server.response.headers[0].second, "GET, HEAD, PATCH, OPTIONS");
  api::Request d = MakeRequest("GET");
  EXPECT_EQ(Dispatch(router, d, "*").response.status, 400);
}

TEST(Dispatch, AnUnknownMethodIs501WithoutAllow) {
  const Router router = TestRouter();
  api::Request a = MakeRequest("FOO");
  const Dispatched out = Dispatch(router, a, "/v1/contacts/1");
  EXPECT_EQ(out.response.status, 501);
  EXPECT_EQ(Body(out.response).at("error").as_string(), "not_implemented");
  EXPECT_TRUE(out.response.headers.empty());
}

TEST(Dispatch, AnAbsoluteFormTargetIsServedAsItsPath) {
  const Router router = TestRouter();
  api::Request a = MakeRequest("GET");
  const Dispatched out = Dispatch(router, a, "http://127.0.0.1:8080/v1/contacts/9?x=1");
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(Body(out.response).at("id").as_string(), "9");
  EXPECT_EQ(Body(out.response).at("path").as_string(), "/v1/contacts/9");
  api::Request b = MakeRequest("GET");
  EXPECT_EQ(Dispatch(router, b, "ftp://host/v1/contacts/9").response.status, 400);
  api::Request c = MakeRequest("GET");
  EXPECT_EQ(Dispatch(router, c, "v1/contacts/9").response.status, 400);
}

TEST(Dispatch, ExceptionsBecomeA500NamingTheRequestId) {
  const Router router = TestRouter();
  for (const char* target : {"/throw", "/throw-int", "/internal", "/bad-status"}) {
    api::Request request = MakeRequest("GET");
    const Dispatched d = Dispatch(router, request, target);
    EXPECT_EQ(d.response.status, 500) << target;
    EXPECT_EQ(Body(d.response),
              (boost::json::object{{"error", "internal_error"},
                                   {"message", "Internal server error (request id rid-1)"},
                                   {"statusCode", 500}}))
        << target;
    EXPECT_EQ(d.response.body.find("secret"), std::string::npos);
  }
}

TEST(Dispatch, LogsAFailureWithTheRequestItConcerns) {
  const Router router = TestRouter();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"/throw",
       "level=error event=handler_threw msg=\"secret: db password wrong\" rid=rid-1 method=GET "
       "route=/throw"},
      {"/internal",
       "level=error event=handler_error msg=\"secret: invariant broken\" rid=rid-1 method=GET "
       "route=/internal error=internal_error"},
      {"/unavailable",
       "level=warn event=handler_error msg=\"postgres: server closed the connection\" rid=rid-1 "
       "method=GET route=/unavailable error=unavailable"},
      {"/bad-status",
       "level=error event=handler_bad_status msg=\"the handler answered a status outside "
       "200-599\" rid=rid-1 method=GET route=/bad-status status=42"}};
  for (const auto& [target, line] : expected) {
    log::LogCapture log;
    api::Request request = MakeRequest("GET");
    Dispatch(router, request, target);
    const auto lines = log.Lines();
    ASSERT_EQ(lines.size(), 1u) << target;
    EXPECT_EQ(lines[0].substr(lines[0].find(" level=") + 1), line);
  }
}

}  // namespace
}  // namespace contactsd::http
