// Request bodies in, response bodies out: the JSON edges of the API layer.
#pragma once

#include "api/request.hpp"
#include "common/result.hpp"
#include "model/model.hpp"

#include <boost/json/fwd.hpp>
#include <boost/json/storage_ptr.hpp>

#include <string_view>

namespace contactsd::api {

// The body as a JSON object, its values allocated from `storage` (default: the heap).
// Errors: 400 "invalid_json" (not JSON, or empty), 400 "invalid_body" (JSON, but not an
// object).
Result<boost::json::object> ParseObject(std::string_view body,
                                        boost::json::storage_ptr storage = {});

// The field map of a write request in the model's envelope: the body itself (flat), or its
// "fields" object (400 "invalid_body" when missing or not an object; other keys refused).
Result<boost::json::object> FieldsOf(const model::Model& model, boost::json::object body);

// A JSON response with `status` and the serialized `value`.
Response JsonResponse(int status, const boost::json::value& value);

}  // namespace contactsd::api
