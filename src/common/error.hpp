// The one error type that crosses every layer: a code that knows nothing of HTTP, a stable
// machine string, a client-safe message, per-field details, and internal text for the log only.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace contactsd {

enum class ErrorCode {
  kBadRequest,        // malformed input: JSON, ids, query parameters, cursors
  kValidation,        // well-formed input that breaks the model's rules (carries details)
  kUnauthenticated,   // missing or bad credentials
  kPaymentRequired,   // not enough credits
  kForbidden,         // authenticated, but the plan or role may not do this
  kNotFound,          // no such resource in the caller's tenant
  kMethodNotAllowed,  // route exists, method does not
  kConflict,          // archived, unique key taken, name clash
  kPreconditionFailed,
  kGone,  // what the request names existed and is no longer kept (an expired cursor)
  // well-formed, but at odds with what the server holds: an Idempotency-Key reused for
  // another request
  kUnprocessable,
  kPayloadTooLarge,
  kUriTooLong,
  kUnsupportedMediaType,
  kHeadersTooLarge,
  kTooManyRequests,  // over a rate limit; the answer says when to try again
  kNotImplemented,   // a method or transfer coding the server does not implement
  kUnavailable,      // the database is busy or gone; retrying may help
  kInternal,         // a bug: never caused by client input
};

// One field's problem, collected so that a 400 names every bad field at once.
struct FieldError {
  std::string field;
  std::string code;  // stable: "required", "invalid_type", "invalid_format", "unknown_field", ...
  std::string message;
  // A "duplicate": the id of the contact that holds the value, in the caller's own tenant, so a
  // client can recover (fetch or update that one); empty when not known or not a contact's.
  std::string existing_id = {};
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string error;    // stable machine string, e.g. "validation_failed", "not_found"
  std::string message;  // readable, safe to show the client
  std::vector<FieldError> details;
  std::string internal;  // for the log only; never rendered

  static Error BadRequest(std::string message, std::string error = "bad_request");
  static Error Validation(std::vector<FieldError> details);
  static Error Unauthenticated(std::string message = "Missing or invalid credentials");
  static Error PaymentRequired(std::string message);
  static Error Forbidden(std::string message, std::string error = "forbidden");
  static Error NotFound(std::string message = "Not found");
  static Error MethodNotAllowed(std::string message);
  static Error Conflict(std::string message, std::string error = "conflict");
  static Error PreconditionFailed(std::string message);
  static Error Gone(std::string message, std::string error);
  static Error Unprocessable(std::string message, std::string error);
  static Error PayloadTooLarge(std::string message);
  static Error HeadersTooLarge(std::string message);
  static Error UriTooLong(std::string message);
  static Error UnsupportedMediaType(std::string message);
  static Error NotImplemented(std::string message);
  static Error TooManyRequests(std::string message);
  // A busy or missing dependency, or an overloaded server: retrying later may help. `internal`
  // is for the log; `message` is what the client reads.
  static Error Unavailable(std::string internal,
                           std::string message = "The service is temporarily unavailable");
  static Error Internal(std::string internal);
};

// The HTTP status for a code; the only place that knows the mapping.
int HttpStatus(ErrorCode code);

}  // namespace contactsd
