#include "http/error_render.hpp"

namespace contactsd::http {

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
