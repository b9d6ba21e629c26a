#include "common/error.hpp"

namespace contactsd {

Error Error::BadRequest(std::string message, std::string error) {
  return {ErrorCode::kBadRequest, std::move(error), std::move(message), {}, {}};
}

Error Error::Validation(std::vector<FieldError> details) {
  std::string message = "Validation failed";
  if (!details.empty()) {
    message += ": ";
    for (size_t i = 0; i < details.size(); ++i) {
      if (i > 0) message += "; ";
      message += details[i].field + ": " + details[i].message;
    }
  }
  return {ErrorCode::kValidation, "validation_failed", std::move(message), std::move(details), {}};
}

Error Error::Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, "unauthorized", std::move(message), {}, {}};
}

Error Error::PaymentRequired(std::string message) {
  return {ErrorCode::kPaymentRequired, "insufficient_credits", std::move(message), {}, {}};
}

Error Error::Forbidden(std::string message, std::string error) {
  return {ErrorCode::kForbidden, std::move(error), std::move(message), {}, {}};
}

Error Error::NotFound(std::string message) {
  return {ErrorCode::kNotFound, "not_found", std::move(message), {}, {}};
}

Error Error::MethodNotAllowed(std::string message) {
  return {ErrorCode::kMethodNotAllowed, "method_not_allowed", std::move(message), {}, {}};
}

Error Error::Conflict(std::string message, std::string error) {
  return {ErrorCode::kConflict, std::move(error), std::move(message), {}, {}};
}

Error Error::PreconditionFailed(std::string message) {
  return {ErrorCode::kPreconditionFailed, "precondition_failed", std::move(message), {}, {}};
}

Error Error::Gone(std::string message, std::string error) {
  return {ErrorCode::kGone, std::move(error), std::move(message), {}, {}};
}

Error Error::Unprocessable(std::string message, std::string error) {
  return {ErrorCode::kUnprocessable, std::move(error), std::move(message), {}, {}};
}

Error Error::PayloadTooLarge(std::string message) {
  return {ErrorCode::kPayloadTooLarge, "payload_too_large", std::move(message), {}, {}};
}

Error Error::HeadersTooLarge(std::string message) {
  return {ErrorCode::kHeadersTooLarge, "headers_too_large", std::move(message), {}, {}};
}

Error Error::UriTooLong(std::string message) {
  return {ErrorCode::kUriTooLong, "uri_too_long", std::move(message), {}, {}};
}

Error Error::UnsupportedMediaType(std::string message) {
  return {ErrorCode::kUnsupportedMediaType, "unsupported_media_type", std::move(message), {}, {}};
}

Error Error::NotImplemented(std::string message) {
  return {ErrorCode::kNotImplemented, "not_implemented", std::move(message), {}, {}};
}

Error Error::TooManyRequests(std::string message) {
  return {ErrorCode::kTooManyRequests, "rate_limited", std::move(message), {}, {}};
}

Error Error::Unavailable(std::string internal, std::string message) {
  return {ErrorCode::kUnavailable, "unavailable", std::move(message), {}, std::move(internal)};
}

Error Error::Internal(std::string internal) {
  return {ErrorCode::kInternal, "internal_error", "Internal server error", {}, std::move(internal)};
}

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
    case ErrorCode::kValidation:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPaymentRequired:
      return 402;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPreconditionFailed:
      return 412;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUriTooLong:
      return 414;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kNotImplemented:
      return 501;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace contactsd
