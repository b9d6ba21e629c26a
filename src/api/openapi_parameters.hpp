// The query parameters of an operation of the OpenAPI document (openapi_document.cpp), by the
// names its RouteDoc lists.
#pragma once

#include "api/route_doc.hpp"
#include "model/model.hpp"

#include <boost/json/array.hpp>

namespace contactsd::api {

// Parameter objects ({name, in: query, description, schema}) for `doc.query`, in its order.
boost::json::array QueryParameters(const model::Model& model, const RouteDoc& doc);

}  // namespace contactsd::api
