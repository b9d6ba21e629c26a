// The one place an Error becomes an HTTP answer, its body in the JSON error shape every client
// sees (api/error_body.hpp).
#pragma once

#include "api/error_body.hpp"
#include "api/request.hpp"
#include "common/error.hpp"

#include <string>

namespace contactsd::http {

using api::ErrorBody;

// A response with status HttpStatus(error.code) and body ErrorBody(error).
api::Response RenderError(const Error& error);

// RenderError() with `Retry-After: 1`: for a 503 that tells the client when to come back.
api::Response RenderRetryLater(const Error& error);

// The 413 of a request body over `max_body_bytes`.
Error TooLargeBody(std::size_t max_body_bytes);

}  // namespace contactsd::http
