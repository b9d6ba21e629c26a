// The OpenAPI 3.1 document of the API one model serves, made from the routes' own declarations
// (RouteDoc) and the model: every described route; the contact's shapes generated from the
// model's fields (with a tenant's custom fields as typed properties when given); the fixed
// shapes (openapi_schemas.json); the error shape at every error status; the security schemes.
#pragma once

#include "api/request.hpp"
#include "model/field_spec.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <span>
#include <string>
#include <vector>

namespace contactsd::api {

struct OpenApiOptions {
  // The caller's tenant's custom fields; nullptr: the model's contract alone.
  const std::vector<model::FieldSpec>* custom_fields = nullptr;
  bool jwt = false;  // the server accepts JWTs beside API keys
};

boost::json::object OpenApiDocument(const model::Model& model, std::span<const Route> routes,
                                    const OpenApiOptions& options);

// The fixed component schemas (openapi_schemas.json, embedded at build time).
std::string_view OpenApiSchemasJson();

}  // namespace contactsd::api
