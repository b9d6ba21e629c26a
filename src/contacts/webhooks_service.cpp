#include "contacts/webhooks_service.hpp"

#include "common/time.hpp"
#include "common/uuid.hpp"
#include "contacts/cursor.hpp"
#include "contacts/event_ids.hpp"
#include "model/json_text.hpp"

#include <charconv>

namespace contactsd::contacts {
namespace {

// Endpoint ids are UUIDs: anything else names no endpoint (the same 404 as an unknown one).
Status CheckId(std::string_view id) {
  if (!IsUuid(id)) return Error::NotFound("Webhook endpoint not found");
  return {};
}

Error InvalidCursor() { return Error::BadRequest("The cursor is not valid", "invalid_cursor"); }

std::string AttemptsCursorPayload(std::string_view org_id, std::string_view endpoint_id,
                                  const store::DeliveryAttempt& last) {
  return "attempts:" + std::string(org_id) + ":" + std::string(endpoint_id) + ":" +
         std::to_string(last.ord) + ":" + std::to_string(last.attempt);
}

std::optional<store::AttemptPosition> AttemptPositionOf(std::string_view payload,
                                                        std::string_view org_id,
                                                        std::string_view endpoint_id) {
  const std::string prefix =
      "attempts:" + std::string(org_id) + ":" + std::string(endpoint_id) + ":";
  if (!payload.starts_with(prefix)) return std::nullopt;
  payload.remove_prefix(prefix.size());
  const auto colon = payload.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  store::AttemptPosition position;
  const std::string_view ord = payload.substr(0, colon);
  const std::string_view attempt = payload.substr(colon + 1);
  auto [ord_end, ord_ec] = std::from_chars(ord.data(), ord.data() + ord.size(), position.ord);
  auto [at_end, at_ec] =
      std::from_chars(attempt.data(), attempt.data() + attempt.size(), position.attempt);
  if (ord_ec != std::errc() || ord_end != ord.data() + ord.size() || at_ec != std::errc() ||
      at_end != attempt.data() + attempt.size()) {
    return std::nullopt;
  }
  return position;
}

}  // namespace

WebhooksService::WebhooksService(const EventsService& events, store::Store& store,
                                 WebhookPolicy policy, std::string cursor_secret,
                                 const SecretBox* secrets)
    : events_(events),
      store_(store),
      policy_(policy),
      cursor_secret_(std::move(cursor_secret)),
      secrets_(secrets) {}

Status WebhooksService::CheckSettings(const WebhookSettings& settings) const {
  std::vector<FieldError> errors;
  auto collect = [&](Status status) {
    if (status.ok()) return;
    for (FieldError& detail : std::move(status).error().details) errors.push_back(detail);
  };
  if (settings.url) collect(CheckWebhookUrl(*settings.url, policy_));
  if (settings.events) collect(CheckEventPatterns(*settings.events, events_.ShownTypes()));
  if (settings.description && settings.description->size() > kMaxWebhookDescriptionBytes) {
    errors.push_back({"description", "too_long",
                      "At most " + std::to_string(kMaxWebhookDescriptionBytes) + " bytes"});
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  return {};
}

Result<store::WebhookEndpoint> WebhooksService::Create(const Principal& who,
                                                       const WebhookSettings& settings) const {
  std::vector<FieldError> missing;
  if (!settings.url) missing.push_back({"url", "required", "url is required"});
  if (!settings.events) missing.push_back({"events", "required", "events is required"});
  if (!missing.empty()) return Error::Validation(std::move(missing));
  if (auto ok = CheckSettings(settings); !ok) return std::move(ok).error();
  const std::int64_t now = NowMillis();
  store::WebhookEndpoint endpoint;
  endpoint.org_id = who.org_id;
  endpoint.id = NewUuidV7(now);
  endpoint.url = *settings.url;
  endpoint.description = settings.description.value_or("");
  endpoint.events = *settings.events;
  endpoint.enabled = settings.enabled.value_or(true);
  const std::string secret = NewWebhookSecret();
  endpoint.secret = secrets_ ? secrets_->Seal(secret) : secret;
  endpoint.created_at_ms = now;
  endpoint.updated_at_ms = now;
  if (auto created = store_.CreateWebhook(endpoint, store::kMaxWebhooksPerOrg); !created) {
    return std::move(created).error();
  }
  endpoint.secret = secret;
  return endpoint;
}

Result<std::vector<store::WebhookEndpoint>> WebhooksService::List(const Principal& who) const {
  return store_.ListWebhooks(who.org_id);
}

Result<store::WebhookEndpoint> WebhooksService::Get(const Principal& who,
                                                    std::string_view id) const {
  if (auto ok = CheckId(id); !ok) return std::move(ok).error();
  return store_.GetWebhook(who.org_id, ToLowerUuid(id));
}

Result<store::WebhookEndpoint> WebhooksService::Update(const Principal& who, std::string_view id,
                                                       const WebhookSettings& settings) const {
  if (auto ok = CheckId(id); !ok) return std::move(ok).error();
  if (auto ok = CheckSettings(settings); !ok) return std::move(ok).error();
  const std::int64_t now = NowMillis();
  return store_.UpdateWebhook(who.org_id, ToLowerUuid(id), [&](store::WebhookEndpoint& e) {
    if (settings.url) e.url = *settings.url;
    if (settings.description) e.description = *settings.description;
    if (settings.events) e.events = *settings.events;
    if (settings.enabled) {
      // Enabled again by hand: the reason it was disabled no longer holds.
      if (*settings.enabled && !e.enabled) e.disabled_reason.clear();
      e.enabled = *settings.enabled;
    }
    e.updated_at_ms = now;
    return Status{};
  });
}

Status WebhooksService::Delete(const Principal& who, std::string_view id) const {
  if (auto ok = CheckId(id); !ok) return ok;
  return store_.DeleteWebhook(who.org_id, ToLowerUuid(id));
}

Result<store::WebhookEndpoint> WebhooksService::RotateSecret(const Principal& who,
                                                             std::string_view id) const {
  if (auto ok = CheckId(id); !ok) return std::move(ok).error();
  const std::int64_t now = NowMillis();
  const std::string secret = NewWebhookSecret();
  auto rotated = store_.UpdateWebhook(who.org_id, ToLowerUuid(id), [&](store::WebhookEndpoint& e) {
    e.previous_secret = std::move(e.secret);
    e.previous_secret_until_ms = now + kSecretOverlapMs;
    e.secret = secrets_ ? secrets_->Seal(secret) : secret;
    e.updated_at_ms = now;
    return Status{};
  });
  if (rotated.ok()) rotated->secret = secret;
  return rotated;
}

Result<std::string> WebhooksService::SendTest(const Principal& who, std::string_view id) const {
  if (auto ok = CheckId(id); !ok) return std::move(ok).error();
  const std::string endpoint_id = ToLowerUuid(id);
  const std::int64_t now = NowMillis();
  store::NewDelivery delivery;
  delivery.event_id = "evt_test_" + NewUuidV7(now);
  std::string& body = delivery.payload;
  body = R"({"id":)";
  model::AppendJsonString(body, delivery.event_id);
  body += R"(,"type":"webhook.test","occurred_at":)";
  model::AppendJsonString(body, FormatTimestamp(now));
  body += R"(,"contact_id":null,"data":{"webhook_id":)";
  model::AppendJsonString(body, endpoint_id);
  body += "}}";
  if (auto queued = store_.EnqueueDelivery(who.org_id, endpoint_id, delivery, now); !queued) {
    return std::move(queued).error();
  }
  return delivery.event_id;
}

Result<DeliveryAttemptPage> WebhooksService::Attempts(const Principal& who, std::string_view id,
                                                      std::string_view cursor, int limit) const {
  if (auto ok = CheckId(id); !ok) return std::move(ok).error();
  if (limit < 1 || limit > store::kMaxDeliveryLogPage) {
    return Error::BadRequest(
        "limit must be between 1 and " + std::to_string(store::kMaxDeliveryLogPage),
        "invalid_query");
  }
  const std::string endpoint_id = ToLowerUuid(id);
  // The endpoint must be the tenant's: its log is read by id alone below.
  if (auto endpoint = store_.GetWebhook(who.org_id, endpoint_id); !endpoint.ok()) {
    return std::move(endpoint).error();
  }
  std::optional<store::AttemptPosition> before;
  if (!cursor.empty()) {
    auto payload = VerifyCursor(cursor, cursor_secret_);
    if (!payload) return InvalidCursor();
    before = AttemptPositionOf(*payload, who.org_id, endpoint_id);
    if (!before) return InvalidCursor();
  }
  auto attempts = store_.ListDeliveryAttempts(who.org_id, endpoint_id, before, limit + 1);
  if (!attempts.ok()) return std::move(attempts).error();
  DeliveryAttemptPage page{std::move(attempts).value(), std::nullopt};
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next_cursor = SignCursor(AttemptsCursorPayload(who.org_id, endpoint_id, page.items.back()),
                                  cursor_secret_);
  }
  return page;
}

Status WebhooksService::Retry(const Principal& who, std::string_view id,
                              std::string_view event_id) const {
  if (auto ok = CheckId(id); !ok) return ok;
  const std::string endpoint_id = ToLowerUuid(id);
  const std::int64_t now = NowMillis();
  auto parked = store_.RetryDelivery(who.org_id, endpoint_id, event_id, now);
  if (parked.ok() || parked.error().code != ErrorCode::kNotFound) return parked;
  // Not parked: an event delivered from the endpoint's stream, sent again as a parked delivery
  // (rendered from the log when sent), if the stream has passed it and the endpoint wants it.
  auto endpoint = store_.GetWebhook(who.org_id, endpoint_id);
  if (!endpoint.ok()) return std::move(endpoint).error();
  const auto seq = SeqOfEventId(event_id);
  if (!seq) return parked;
  auto event = events_.Find(who, "", *seq);
  if (!event.ok()) return std::move(event).error();
  if (!*event || (*event)->event.position > endpoint->cursor ||
      !PatternsMatch(endpoint->events, (*event)->type)) {
    return parked;
  }
  return store_.EnqueueDelivery(who.org_id, endpoint_id,
                                {std::string(event_id), (*event)->event.contact.id, ""}, now);
}

Status WebhooksService::Replay(const Principal& who, std::string_view id,
                               std::string_view after) const {
  if (auto ok = CheckId(id); !ok) return ok;
  store::EventPosition position;
  if (!after.empty()) {
    auto named = events_.PositionOf(who, after);
    if (!named.ok()) return std::move(named).error();
    position = *named;
  }
  const std::int64_t now = NowMillis();
  auto updated = store_.UpdateWebhook(who.org_id, ToLowerUuid(id), [&](store::WebhookEndpoint& e) {
    if (position < e.cursor) e.cursor = position;
    e.updated_at_ms = now;
    return Status{};
  });
  if (!updated.ok()) return std::move(updated).error();
  return {};
}

}  // namespace contactsd::contacts
