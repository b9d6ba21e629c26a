// {base}/docs: the API's OpenAPI document rendered by Swagger UI (swagger-ui-dist, embedded at
// build time: the page works offline, with no CDN), with "try it" against this server.
#include "api/routes.hpp"

#include <memory>
#include <string_view>

namespace contactsd::api {

// Embedded by src/api/CMakeLists.txt from the version web/docs/package-lock.json pins.
std::string_view SwaggerUiBundleJs();
std::string_view SwaggerUiCss();

namespace {

std::string Page(const model::Model& model) {
  const std::string& base = model.base_path();
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>contactsd: " +
         model.name() + " API</title>\n<link rel=\"stylesheet\" href=\"" + base +
         "/docs/swagger-ui.css\">\n</head>\n<body>\n<div id=\"api\"></div>\n<script src=\"" + base +
         "/docs/swagger-ui-bundle.js\"></script>\n<script src=\"" + base +
         "/docs/init.js\"></script>\n</body>\n</html>\n";
}

// A script of its own rather than inline, so that a Content-Security-Policy without
// 'unsafe-inline' still lets the page run.
std::string InitScript(const model::Model& model) {
  return "window.ui = SwaggerUIBundle({url: \"" + model.base_path() +
         "/openapi.json\", dom_id: \"#api\", deepLinking: true, tryItOutEnabled: false, "
         "persistAuthorization: false, displayOperationId: true});\n";
}

// Each answer shares the route's one copy of the body: the script is 1.7 MB, and a copy per
// request would let clients that ask for it and never read hold the server's budget for large
// answers without credentials (every list page then 503).
Route Asset(std::string pattern, std::string_view content_type, std::string body) {
  Route route{.method = "GET",
              .pattern = std::move(pattern),
              .handler = [type = std::string(content_type),
                          body = std::make_shared<const std::string>(std::move(body))](
                             const Request&) -> Result<Response> {
                Response answer{200, {}, {{"Content-Type", type}}};
                answer.shared_body = body;
                return answer;
              }};
  route.doc.not_an_operation = true;
  return route;
}

}  // namespace

std::vector<Route> DocsRoutes(const ApiContext& ctx) {
  const std::string base = ctx.model.base_path() + "/docs";
  std::vector<Route> routes;
  Route page = Asset(base, "text/html; charset=utf-8", Page(ctx.model));
  page.doc = {.id = "getDocs",
              .summary = "This API's reference, rendered from its OpenAPI document",
              .tag = "meta",
              .answer = Shape::kHtml,
              .public_route = true};
  routes.push_back(std::move(page));
  routes.push_back(
      Asset(base + "/init.js", "text/javascript; charset=utf-8", InitScript(ctx.model)));
  routes.push_back(Asset(base + "/swagger-ui-bundle.js", "text/javascript; charset=utf-8",
                         std::string(SwaggerUiBundleJs())));
  routes.push_back(
      Asset(base + "/swagger-ui.css", "text/css; charset=utf-8", std::string(SwaggerUiCss())));
  return routes;
}

}  // namespace contactsd::api
