// A tenant's webhook endpoints and their delivery logs: what the API's {base}/webhooks routes
// do. Delivering is the dispatcher's (src/webhooks); this service only writes what it reads:
// endpoints, a replay's new log position, a test event's delivery, a retry. Knows no HTTP and
// no SQL. Thread-safe.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "common/secret_box.hpp"
#include "contacts/events_service.hpp"
#include "contacts/webhook_rules.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::contacts {

// The settings a create or a PATCH sends; unset ones stay as they are (a create needs url and
// events).
struct WebhookSettings {
  std::optional<std::string> url;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
};

struct DeliveryAttemptPage {
  std::vector<store::DeliveryAttempt> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

class WebhooksService {
 public:
  // `secrets`: seals the signing secrets before they are stored; null stores them as they are
  // (no --secrets-key-file on PostgreSQL: docs/webhooks.md).
  WebhooksService(const EventsService& events, store::Store& store, WebhookPolicy policy,
                  std::string cursor_secret, const SecretBox* secrets);

  // The endpoint as stored, with its secret in clear: shown to the client this once.
  Result<store::WebhookEndpoint> Create(const Principal& who,
                                        const WebhookSettings& settings) const;
  Result<std::vector<store::WebhookEndpoint>> List(const Principal& who) const;
  Result<store::WebhookEndpoint> Get(const Principal& who, std::string_view id) const;
  Result<store::WebhookEndpoint> Update(const Principal& who, std::string_view id,
                                        const WebhookSettings& settings) const;
  Status Delete(const Principal& who, std::string_view id) const;
  // A new secret (in clear in the result); the old one keeps signing beside it for
  // kSecretOverlapMs.
  Result<store::WebhookEndpoint> RotateSecret(const Principal& who, std::string_view id) const;
  // Queues a "webhook.test" event to the endpoint, due now. Returns its event id.
  Result<std::string> SendTest(const Principal& who, std::string_view id) const;
  // The delivery log, newest attempt first. Errors: invalid_cursor, invalid_query (limit).
  Result<DeliveryAttemptPage> Attempts(const Principal& who, std::string_view id,
                                       std::string_view cursor, int limit) const;
  // Sends the endpoint's delivery of `event_id` again, now: a parked one (failed, given up,
  // waiting), or an event its stream has delivered. NotFound when it has none.
  Status Retry(const Principal& who, std::string_view id, std::string_view event_id) const;
  // Sends every matching event after the feed cursor `after` again (the endpoint's log position
  // goes back there; it never goes forward). Errors: invalid_cursor.
  Status Replay(const Principal& who, std::string_view id, std::string_view after) const;

  static constexpr std::int64_t kSecretOverlapMs = 24 * 60 * 60 * 1000;

 private:
  Status CheckSettings(const WebhookSettings& settings) const;

  const EventsService& events_;
  store::Store& store_;
  WebhookPolicy policy_;
  std::string cursor_secret_;
  const SecretBox* secrets_;
};

}  // namespace contactsd::contacts
