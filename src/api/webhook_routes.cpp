// {base}/webhooks: a tenant's webhook endpoints, their secrets, test events, delivery logs,
// retries and replays (docs/webhooks.md), for a model whose file says "change_log": true.
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "api/webhook_json.hpp"
#include "common/time.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::WebhookSettings;

// A create's or a PATCH's body: every field typed, unknown ones refused, every error at once.
Result<WebhookSettings> SettingsOf(const json::object& body) {
  WebhookSettings settings;
  std::vector<FieldError> errors;
  for (const auto& [key, value] : body) {
    if (key == "url" || key == "description") {
      if (!value.is_string()) {
        errors.push_back(
            {std::string(key), "invalid_type", std::string(key) + " must be a string"});
        continue;
      }
      (key == "url" ? settings.url : settings.description) = std::string(value.get_string());
    } else if (key == "events") {
      // (A loop, not a lambda: clang 15, which builds the fuzz targets, cannot capture a
      // structured binding.)
      std::vector<std::string> events;
      bool strings = value.is_array();
      if (strings) {
        for (const auto& item : value.get_array()) {
          if (!item.is_string()) {
            strings = false;
            break;
          }
          events.emplace_back(item.get_string());
        }
      }
      if (!strings) {
        errors.push_back({"events", "invalid_type", "events must be an array of strings"});
        continue;
      }
      settings.events = std::move(events);
    } else if (key == "enabled") {
      if (!value.is_bool()) {
        errors.push_back({"enabled", "invalid_type", "enabled must be true or false"});
        continue;
      }
      settings.enabled = value.get_bool();
    } else {
      errors.push_back({std::string(key), "unknown_field",
                        "Unknown field; a webhook has url, events, description and enabled"});
    }
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  return settings;
}

Result<int> LimitOf(const Request& req) {
  const std::string* text = req.Query("limit");
  if (!text) return 50;
  int limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Error::BadRequest("limit must be an integer", "invalid_query");
  }
  return limit;  // its range is the service's check
}

// The handlers differ only in what they do with the principal and the request.
template <class Body>
Handler WithPrincipal(const ApiContext& ctx, Body body) {
  return [&ctx, body](const Request& req) -> Result<Response> {
    auto who = PrincipalOf(ctx, req);
    if (!who.ok()) return std::move(who).error();
    return body(*who, req);
  };
}

}  // namespace

std::vector<Route> WebhookRoutes(const ApiContext& ctx) {
  if (!ctx.model.change_log() || ctx.webhooks == nullptr) return {};
  const std::string base = ctx.model.base_path() + "/webhooks";
  const contacts::WebhooksService& hooks = *ctx.webhooks;
  return {
      Described(
          {"POST", base,
           WithPrincipal(
               ctx,
               [&hooks, base](const Principal& who, const Request& req) -> Result<Response> {
                 auto body = ParseObject(req.body);
                 if (!body.ok()) return std::move(body).error();
                 auto settings = SettingsOf(*body);
                 if (!settings.ok()) return std::move(settings).error();
                 auto created = hooks.Create(who, *settings);
                 if (!created.ok()) return std::move(created).error();
                 Response r = JsonResponse(201, WebhookJson(*created, true));
                 r.headers.emplace_back("Location", base + "/" + created->id);
                 return r;
               })},
          {.id = "createWebhook",
           .summary = "Subscribe an endpoint to the tenant's events (its secret is shown once)",
           .tag = "webhooks",
           .request = Shape::kWebhookDefinition,
           .answer = Shape::kWebhookCreated,
           .status = 201,
           .errors = {409, 422}}),
      Described({"GET", base,
                 WithPrincipal(ctx,
                               [&hooks](const Principal& who, const Request&) -> Result<Response> {
                                 auto endpoints = hooks.List(who);  // at most kMaxWebhooksPerOrg
                                 if (!endpoints.ok()) return std::move(endpoints).error();
                                 json::array data;
                                 for (const auto& e : *endpoints)
                                   data.push_back(WebhookJson(e, false));
                                 return JsonResponse(200, json::object{{"data", std::move(data)}});
                               })},
                {.id = "listWebhooks",
                 .summary = "The tenant's webhook endpoints",
                 .tag = "webhooks",
                 .answer = Shape::kWebhookList}),
      Described(
          {"GET", base + "/{id}",
           WithPrincipal(ctx,
                         [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                           auto endpoint = hooks.Get(who, req.Param("id"));
                           if (!endpoint.ok()) return std::move(endpoint).error();
                           return JsonResponse(200, WebhookJson(*endpoint, false));
                         })},
          {.id = "getWebhook",
           .summary = "Read a webhook endpoint",
           .tag = "webhooks",
           .answer = Shape::kWebhook,
           .errors = {404}}),
      Described(
          {"PATCH", base + "/{id}",
           WithPrincipal(ctx,
                         [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                           auto body = ParseObject(req.body);
                           if (!body.ok()) return std::move(body).error();
                           auto settings = SettingsOf(*body);
                           if (!settings.ok()) return std::move(settings).error();
                           auto updated = hooks.Update(who, req.Param("id"), *settings);
                           if (!updated.ok()) return std::move(updated).error();
                           return JsonResponse(200, WebhookJson(*updated, false));
                         })},
          {.id = "updateWebhook",
           .summary = "Change a webhook endpoint's settings",
           .tag = "webhooks",
           .request = Shape::kWebhookUpdate,
           .answer = Shape::kWebhook,
           .errors = {404, 422}}),
      Described(
          {"DELETE", base + "/{id}",
           WithPrincipal(ctx,
                         [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                           if (auto deleted = hooks.Delete(who, req.Param("id")); !deleted) {
                             return std::move(deleted).error();
                           }
                           return Response{204, {}, {}};
                         })},
          {.id = "deleteWebhook",
           .summary = "Remove a webhook endpoint",
           .tag = "webhooks",
           .status = 204,
           .errors = {404}}),
      Described(
          {"POST", base + "/{id}/rotate-secret",
           WithPrincipal(ctx,
                         [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                           auto rotated = hooks.RotateSecret(who, req.Param("id"));
                           if (!rotated.ok()) return std::move(rotated).error();
                           return JsonResponse(200, WebhookJson(*rotated, true));
                         })},
          {.id = "rotateWebhookSecret",
           .summary = "Give a webhook endpoint a new signing secret (shown once)",
           .tag = "webhooks",
           .answer = Shape::kWebhookSecretRotated,
           .errors = {404}}),
      Described(
          {"POST", base + "/{id}/test",
           WithPrincipal(ctx,
                         [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                           auto event_id = hooks.SendTest(who, req.Param("id"));
                           if (!event_id.ok()) return std::move(event_id).error();
                           return JsonResponse(202, json::object{{"event_id", *event_id}});
                         })},
          {.id = "testWebhook",
           .summary = "Send a test event to a webhook endpoint",
           .tag = "webhooks",
           .answer = Shape::kWebhookTestResult,
           .status = 202,
           .errors = {404, 409}}),
      Described({"GET", base + "/{id}/deliveries",
                 WithPrincipal(
                     ctx,
                     [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                       auto limit = LimitOf(req);
                       if (!limit.ok()) return std::move(limit).error();
                       const std::string* cursor = req.Query("cursor");
                       auto page =
                           hooks.Attempts(who, req.Param("id"), cursor ? *cursor : "", *limit);
                       if (!page.ok()) return std::move(page).error();
                       json::array data;
                       for (const auto& a : page->items) data.push_back(DeliveryAttemptJson(a));
                       return JsonResponse(
                           200, json::object{{"data", std::move(data)},
                                             {"next_cursor", page->next_cursor
                                                                 ? json::value(*page->next_cursor)
                                                                 : json::value(nullptr)}});
                     })},
                {.id = "listWebhookDeliveries",
                 .summary = "A webhook endpoint's delivery attempts, newest first",
                 .tag = "webhooks",
                 .answer = Shape::kDeliveryPage,
                 .errors = {404},
                 .query = {"limit", "cursor"}}),
      Described({"POST", base + "/{id}/deliveries/{event_id}/retry",
                 WithPrincipal(
                     ctx,
                     [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                       if (auto retried = hooks.Retry(who, req.Param("id"), req.Param("event_id"));
                           !retried) {
                         return std::move(retried).error();
                       }
                       return JsonResponse(202, json::object{{"event_id", req.Param("event_id")}});
                     })},
                {.id = "retryWebhookDelivery",
                 .summary = "Deliver an event to a webhook endpoint again",
                 .tag = "webhooks",
                 .answer = Shape::kWebhookRetryResult,
                 .status = 202,
                 .errors = {404, 409}}),
      Described(
          {"POST", base + "/{id}/replay",
           WithPrincipal(
               ctx,
               [&hooks](const Principal& who, const Request& req) -> Result<Response> {
                 auto body = ParseObject(req.body);
                 if (!body.ok()) return std::move(body).error();
                 std::optional<std::string> after;
                 for (const auto& [key, value] : *body) {
                   if (key != "after") {
                     return Error::Validation({{std::string(key), "unknown_field",
                                                "Unknown field; a replay has only after"}});
                   }
                   if (!value.is_string()) {
                     return Error::Validation(
                         {{"after", "invalid_type", "after must be a cursor of the event feed"}});
                   }
                   after = std::string(value.get_string());
                 }
                 if (!after) {
                   return Error::Validation(
                       {{"after", "required", "after is required: a cursor of the event feed"}});
                 }
                 if (auto replayed = hooks.Replay(who, req.Param("id"), *after); !replayed) {
                   return std::move(replayed).error();
                 }
                 return JsonResponse(202, json::object{{"replaying", true}});
               })},
          {.id = "replayWebhook",
           .summary = "Deliver again every event after a feed cursor",
           .tag = "webhooks",
           .request = Shape::kWebhookReplayRequest,
           .answer = Shape::kWebhookReplayResult,
           .status = 202,
           .errors = {404, 410, 422}}),
  };
}

}  // namespace contactsd::api
