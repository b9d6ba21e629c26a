// Every route of the API for one model, each resource's in its own file.
#pragma once

#include "api/feed_waiters.hpp"
#include "api/idempotent_writes.hpp"
#include "api/rate_limits.hpp"
#include "api/request.hpp"
#include "auth/authenticator.hpp"
#include "contacts/collections_service.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/custom_fields_service.hpp"
#include "contacts/events_service.hpp"
#include "contacts/webhooks_service.hpp"
#include "model/model.hpp"

#include <vector>

namespace contactsd::api {

// What the handlers need; all of it outlives the routes.
struct ApiContext {
  const model::Model& model;
  const auth::Authenticator& authenticator;
  const contacts::ContactsService& contacts;
  const contacts::CustomFieldsService& custom_fields;
  const contacts::CollectionsService& collections;
  const contacts::EventsService& events;
  KeysInFlight& keys_in_flight;  // Idempotency-Keys whose first request is running
  // Where feed requests with ?wait= wait for events; null: they answer at once.
  FeedWaiters* feed_waiters = nullptr;
  // The webhook endpoints' service; null: no webhook routes.
  const contacts::WebhooksService* webhooks = nullptr;
  // Per-tenant and per-credential request rates; null or not enabled: no limits.
  RateLimits* rate_limits = nullptr;
};

std::vector<Route> HealthRoutes();
std::vector<Route> ContactRoutes(const ApiContext& ctx);
std::vector<Route> BatchRoutes(const ApiContext& ctx);
std::vector<Route> ImportRoutes(const ApiContext& ctx);
std::vector<Route> ExportRoutes(const ApiContext& ctx);
std::vector<Route> CustomFieldRoutes(const ApiContext& ctx);
std::vector<Route> CollectionRoutes(const ApiContext& ctx);
std::vector<Route> EventRoutes(const ApiContext& ctx);
std::vector<Route> WebhookRoutes(const ApiContext& ctx);

// GET {base}/contacts/{id} with `value` as the id, for a route whose literal last segment a
// contact's unique value may also be: GET {base}/contacts/export?id_property=external_id is
// the contact whose external_id is "export", not an export.
Result<Response> GetContactNamed(const ApiContext& ctx, const Request& req, std::string_view value);

// GET {base}/docs: the document rendered by Swagger UI, its scripts served by the binary.
std::vector<Route> DocsRoutes(const ApiContext& ctx);

// GET {base}/openapi.json, describing `routes` and itself (openapi_routes.cpp).
Route OpenApiRoute(const ApiContext& ctx, const std::vector<Route>& routes);

// All of the above.
std::vector<Route> AllRoutes(const ApiContext& ctx);

}  // namespace contactsd::api
