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

Error TooLargeBody(std::size_t max_body_bytes) {
  return Error::PayloadTooLarge("The request body exceeds " + std::to_string(max_body_bytes) +
                                " bytes");
}

}  // namespace contactsd::http
