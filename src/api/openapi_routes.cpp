// {base}/openapi.json: the API's OpenAPI document, made from the routes' declarations.
#include "api/openapi_document.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "model/json_text.hpp"

#include <memory>

namespace contactsd::api {

Route OpenApiRoute(const ApiContext& ctx, const std::vector<Route>& routes) {
  // What the document needs of each route (its method, pattern and doc), without handlers.
  auto described = std::make_shared<std::vector<Route>>();
  for (const Route& r : routes) {
    described->push_back(Route{.method = r.method, .pattern = r.pattern, .handler = {}});
    described->back().advertised = r.advertised;
    described->back().doc = r.doc;
    described->back().scope = r.scope;
  }
  described->push_back(
      Route{.method = "GET", .pattern = ctx.model.base_path() + "/openapi.json", .handler = {}});
  described->back().doc = {.id = "getOpenApiDocument",
                           .summary =
                               "This document: with credentials, the caller's custom "
                               "fields are typed properties of its contacts",
                           .tag = "meta",
                           .answer = Shape::kOpenApi,
                           .errors = {401},
                           .public_route = true};
  OpenApiOptions options{.custom_fields = nullptr, .jwt = ctx.authenticator.accepts_jwt()};
  // The model's contract does not change while the server runs: made once.
  auto contract = std::make_shared<const std::string>(
      model::JsonText(OpenApiDocument(ctx.model, *described, options)));
  Route route = described->back();
  route.handler = [&ctx, described, contract, options](const Request& req) -> Result<Response> {
    if (req.Header("authorization") == nullptr) return Response{200, *contract, {}};
    // Credentials that fail are a 401 here as everywhere: a client learns of its mistake.
    auto who = PrincipalOf(ctx, req);
    if (!who.ok()) return std::move(who).error();
    auto custom = ctx.custom_fields.Specs(*who);
    if (!custom.ok()) return std::move(custom).error();
    OpenApiOptions own = options;
    own.custom_fields = &*custom;
    return Response{200, model::JsonText(OpenApiDocument(ctx.model, *described, own)), {}};
  };
  route.large_answers = true;  // tens of KiB, made on a worker
  return route;
}

}  // namespace contactsd::api
