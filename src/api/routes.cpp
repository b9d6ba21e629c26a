#include "api/routes.hpp"

#include "api/principal_of.hpp"

#include <stdexcept>

namespace contactsd::api {

std::vector<Route> AllRoutes(const ApiContext& ctx) {
  std::vector<Route> routes = HealthRoutes();
  for (auto* group : {&BatchRoutes, &ImportRoutes, &ExportRoutes, &ContactRoutes,
                      &CustomFieldRoutes, &CollectionRoutes, &EventRoutes, &WebhookRoutes}) {
    for (auto& r : group(ctx)) {
      // Every resource route needs credentials: the transport checks them before it reads a
      // body, so that a client without them cannot make the server hold one.
      r.check_head = [&ctx](const Request& head) -> Status {
        auto who = PrincipalOf(ctx, head);
        if (!who.ok()) return std::move(who).error();
        return {};
      };
      routes.push_back(std::move(r));
    }
  }
  for (auto& r : DocsRoutes(ctx)) routes.push_back(std::move(r));
  for (const Route& r : routes) {
    if (r.advertised && r.doc.id.empty() && !r.doc.not_an_operation) {
      // A route the document would not describe: a mistake of the code, not of a request.
      throw std::logic_error(r.method + " " + r.pattern + " has no RouteDoc");
    }
  }
  routes.push_back(OpenApiRoute(ctx, routes));
  return routes;
}

}  // namespace contactsd::api
