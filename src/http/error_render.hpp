// The one place an Error becomes an HTTP answer: the JSON error shape every client sees.
//   {"error": <machine code>, "message": <text>, "statusCode": <HTTP status>,
//    "details": [{"field", "code", "message", "existing_id"?}, ...]}   // details only when
//                                                                     // non-empty
// Error::internal is never rendered: the caller logs it.
#pragma once

#include "api/request.hpp"
#include "common/error.hpp"

#include <string>

namespace contactsd::http {

// The JSON text of the error shape above. Thread-safe; allocates the returned string only.
std::string ErrorBody(const Error& error);

// A response with status HttpStatus(error.code) and body ErrorBody(error).
api::Response RenderError(const Error& error);

// RenderError() with `Retry-After: 1`: for a 503 that tells the client when to come back.
api::Response RenderRetryLater(const Error& error);

}  // namespace contactsd::http
