#include "http/error_render.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace contactsd::http {

std::string ErrorBody(const Error& error) {
  boost::json::object body;
  body.reserve(4);
  body.emplace("error", error.error);
  body.emplace("message", error.message);
  body.emplace("statusCode", HttpStatus(error.code));
  if (!error.details.empty()) {
    boost::json::array details;
    details.reserve(error.details.size());
    for (const FieldError& d : error.details) {
      details.push_back(
          boost::json::object{{"field", d.field}, {"code", d.code}, {"message", d.message}});
    }
    body.emplace("details", std::move(details));
  }
  return boost::json::serialize(body);
}

api::Response RenderError(const Error& error) {
  api::Response response;
  response.status = HttpStatus(error.code);
  response.body = ErrorBody(error);
  return response;
}

api::Response RenderRetryLater(const Error& error) {
  api::Response response = RenderError(error);
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace contactsd::http
