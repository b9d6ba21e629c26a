#include "api/routes.hpp"

namespace contactsd::api {

std::vector<Route> HealthRoutes() {
  Route health{"GET", "/healthz", [](const Request&) -> Result<Response> {
                 return Response{200, R"({"status":"ok"})", {}};
               }};
  health.doc = {.id = "health",
                .summary = "Whether the server is up",
                .tag = "health",
                .answer = Shape::kHealth,
                .public_route = true};
  return {std::move(health)};
}

}  // namespace contactsd::api
