#include "api/routes.hpp"

namespace contactsd::api {

std::vector<Route> HealthRoutes() {
  return {{"GET", "/healthz", [](const Request&) -> Result<Response> {
             return Response{200, R"({"status":"ok"})", {}};
           }}};
}

}  // namespace contactsd::api
