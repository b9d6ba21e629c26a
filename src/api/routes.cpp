#include "api/routes.hpp"

#include "api/principal_of.hpp"

#include <stdexcept>

namespace contactsd::api {

namespace {

// A tenant's settings: changing them takes admin; reading them, read.
bool IsSettingsGroup(std::vector<Route> (*group)(const ApiContext&)) {
  return group == &CustomFieldRoutes || group == &CollectionRoutes || group == &WebhookRoutes;
}

Scope RequiredScope(const Route& route, bool settings) {
  if (route.scope) return *route.scope;
  if (route.method == "GET" || route.method == "HEAD") return Scope::kRead;
  return settings ? Scope::kAdmin : Scope::kWrite;
}

}  // namespace

std::vector<Route> AllRoutes(const ApiContext& ctx) {
  std::vector<Route> routes = HealthRoutes();
  for (auto* group : {&BatchRoutes, &ImportRoutes, &ExportRoutes, &ContactRoutes,
                      &CustomFieldRoutes, &CollectionRoutes, &EventRoutes, &WebhookRoutes}) {
    for (auto& r : group(ctx)) {
      // Every resource route needs credentials, and a scope that covers it: the transport
      // checks both before it reads a body, so that a client without them cannot make the
      // server hold one, and a write refused for its scope has done nothing.
      r.scope = RequiredScope(r, IsSettingsGroup(group));
      r.check_head = [&ctx](const Request& head) -> Status {
        auto who = PrincipalOf(ctx, head);  // the scope too (Request::scope)
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
