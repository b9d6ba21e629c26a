// The JSON error shape every client sees, in one place: the body of every error answer
// (http/error_render) and of each failed operation in a batch's results.
//   {"error": <machine code>, "message": <text>, "statusCode": <HTTP status>,
//    "details": [{"field", "code", "message", "existing_id"?}, ...],  // only when non-empty
//    "index": <n>}  // only for a batch's operation: its place in the batch, from 0
// Error::internal is never rendered: the caller logs it.
#pragma once

#include "common/error.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace contactsd::api {

// The JSON text of the error shape above. Thread-safe; allocates the returned string only.
std::string ErrorBody(const Error& error, std::optional<std::size_t> index = std::nullopt);

}  // namespace contactsd::api
