#include "api/routes.hpp"

namespace contactsd::api {

std::vector<Route> AllRoutes(const ApiContext& ctx) {
  std::vector<Route> routes = HealthRoutes();
  for (auto* group : {&ContactRoutes, &CustomFieldRoutes, &CollectionRoutes}) {
    for (auto& r : group(ctx)) routes.push_back(std::move(r));
  }
  return routes;
}

}  // namespace contactsd::api
