#include "api/webhook_json.hpp"

#include "common/time.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace contactsd::api {
namespace {

namespace json = boost::json;

json::value TimestampOrNull(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return json::value(FormatTimestamp(ms));
}

}  // namespace

json::object WebhookJson(const store::WebhookEndpoint& e, bool with_secret) {
  json::array events;
  for (const std::string& type : e.events) events.emplace_back(type);
  json::object out{{"id", e.id},
                   {"url", e.url},
                   {"description", e.description},
                   {"events", std::move(events)},
                   {"enabled", e.enabled},
                   {"disabled_reason", e.disabled_reason.empty() ? json::value(nullptr)
                                                                 : json::value(e.disabled_reason)},
                   {"created_at", FormatTimestamp(e.created_at_ms)},
                   {"updated_at", FormatTimestamp(e.updated_at_ms)},
                   {"last_success_at", TimestampOrNull(e.last_success_at_ms)},
                   {"failing_since", TimestampOrNull(e.failing_since_ms)}};
  if (with_secret) {
    out["secret"] = e.secret;
    if (!e.previous_secret.empty()) {
      out["previous_secret_expires_at"] = FormatTimestamp(e.previous_secret_until_ms);
    }
  }
  return out;
}

json::object DeliveryAttemptJson(const store::DeliveryAttempt& a) {
  return {
      {"event_id", a.event_id},
      {"attempt", a.attempt},
      {"attempted_at", FormatTimestamp(a.at_ms)},
      {"status", a.status == 0 ? json::value(nullptr) : json::value(a.status)},
      {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
      {"latency_ms", a.latency_ms},
      {"next_attempt_at", a.next_attempt_at_ms ? json::value(FormatTimestamp(*a.next_attempt_at_ms))
                                               : json::value(nullptr)}};
}

}  // namespace contactsd::api
