// Webhooks in the store: a tenant's endpoints, the deliveries of its events to them, and every
// attempt of a delivery (the delivery log). The dispatcher (src/webhooks) fans the change log
// out into deliveries, claims the due ones under a lease, and records each attempt's outcome.
// All of it is in the database: a kill -9 loses no delivery, and several processes on one
// PostgreSQL share the work (a delivery is leased to one of them at a time).
#pragma once

#include "common/result.hpp"
#include "store/event_position.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store {

struct WebhookEndpoint {
  std::string org_id;
  std::string id;
  std::string url;
  std::string description;
  std::vector<std::string> events;  // the types it receives: "contact.updated", "contact.*", "*"
  bool enabled = true;
  std::string secret;  // as the service stores it (the store does not know its format)
  // The secret a rotation replaced: deliveries are signed with it too until the time given.
  std::string previous_secret;
  std::int64_t previous_secret_until_ms = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  // Written by the dispatcher's outcomes only.
  std::int64_t last_success_at_ms = 0;  // 0: never
  std::int64_t failing_since_ms = 0;    // the first failure after the last success; 0: none
  std::string disabled_reason;          // why the dispatcher disabled it; "" otherwise
  // The log position the endpoint's deliveries were made up to. A new endpoint starts at the
  // log's head: it receives the events committed after it.
  EventPosition fanned_out;
};

// One event to be delivered to one endpoint, as fanned out.
struct NewDelivery {
  std::string event_id;    // the webhook-id: the same on every attempt
  std::string contact_id;  // one contact's deliveries go in fan-out order; "": no order
  std::string payload;     // the request body (the event's JSON)
};

// The deliveries made from the log between two positions, added only while the endpoint is
// still at `from` (another process may have fanned the same events out first).
struct DeliveryFanOut {
  std::string org_id;
  std::string endpoint_id;
  EventPosition from;
  EventPosition to;
  std::vector<NewDelivery> deliveries;
  std::int64_t now_ms = 0;
};

// A delivery that is due, leased to the caller until the lease given to ClaimDeliveries.
struct DueDelivery {
  std::string org_id;
  std::string endpoint_id;
  std::int64_t ord = 0;  // the endpoint's fan-out order: the delivery's id within it
  std::string event_id;
  std::string payload;
  int attempts = 0;  // made before this one
};

// What one attempt of a delivery came to.
struct DeliveryOutcome {
  std::string org_id;
  std::string endpoint_id;
  std::int64_t ord = 0;
  std::int64_t at_ms = 0;
  int status = 0;     // the HTTP status; 0 when no answer came
  std::string error;  // why no answer came, or "" (a short text)
  std::int64_t latency_ms = 0;
  bool delivered = false;
  // Not delivered: when the next attempt is due, or unset when the delivery is given up.
  std::optional<std::int64_t> next_attempt_at_ms;
};

// A row of an endpoint's delivery log: one attempt.
struct DeliveryAttempt {
  std::int64_t ord = 0;
  int attempt = 0;  // 1 for the first
  std::string event_id;
  std::int64_t at_ms = 0;
  int status = 0;
  std::string error;
  std::int64_t latency_ms = 0;
  std::optional<std::int64_t> next_attempt_at_ms;
};

// A place in a delivery log, newest first: the attempts before it.
struct AttemptPosition {
  std::int64_t ord = 0;
  int attempt = 0;
};

inline constexpr int kMaxWebhooksPerOrg = 20;
inline constexpr int kMaxDeliveryLogPage = 100;

// Decides, inside ClaimDeliveries' transaction, whether the caller takes a due delivery (its
// concurrency budgets), in the order the deliveries became due.
using DeliveryFilter = std::function<bool(const DueDelivery&)>;
// Changes an endpoint inside UpdateWebhook's transaction; an error leaves it unchanged.
using WebhookChange = std::function<Status(WebhookEndpoint&)>;
// The document of a "webhook.disabled" event: the endpoint as the API shows it (the store
// knows no API shapes).
using WebhookDoc = std::function<std::string(const WebhookEndpoint&)>;

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // Endpoints of a tenant. CreateWebhook sets `fanned_out` to the log's head; Conflict
  // "limit_reached" when the tenant has `max_per_org` already. Get, Update and Delete: NotFound
  // for an id the tenant has not. UpdateWebhook writes the settings `change` leaves (url,
  // description, events, enabled, secrets, updated_at, disabled_reason, and `fanned_out`, set
  // back by a replay), never the dispatcher's columns; when `change` enables a disabled
  // endpoint, `fanned_out` moves to the log's head instead (it receives what happens from then
  // on, not what happened while it was disabled) and `failing_since` is cleared. DeleteWebhook
  // deletes its deliveries and their log too.
  virtual Status CreateWebhook(const WebhookEndpoint& endpoint, int max_per_org) = 0;
  virtual Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view org_id) = 0;
  virtual Result<WebhookEndpoint> GetWebhook(std::string_view org_id, std::string_view id) = 0;
  virtual Result<WebhookEndpoint> UpdateWebhook(std::string_view org_id, std::string_view id,
                                                const WebhookChange& change) = 0;
  virtual Status DeleteWebhook(std::string_view org_id, std::string_view id) = 0;

  // The dispatcher. Every endpoint of every tenant, enabled or not, at most `limit`, after
  // `after_org`/`after_id` in (org, id) order.
  virtual Result<std::vector<WebhookEndpoint>> ListWebhooksForFanOut(std::string_view after_org,
                                                                     std::string_view after_id,
                                                                     int limit) = 0;
  // Adds the deliveries and moves the endpoint to `to`, if it is still at `from`: false when it
  // was not (nothing added), or when the endpoint is gone.
  virtual Result<bool> FanOut(const DeliveryFanOut& fan_out) = 0;
  // Adds one delivery outside the log (a test event), due now.
  virtual Status EnqueueDelivery(std::string_view org_id, std::string_view endpoint_id,
                                 const NewDelivery& delivery, std::int64_t now_ms) = 0;
  // Leases up to `limit` deliveries of enabled endpoints that are due at `now_ms` and not leased,
  // each the first pending one of its contact for its endpoint, until `lease_until_ms`: those
  // `take` accepts, asked in the order they became due.
  virtual Result<std::vector<DueDelivery>> ClaimDeliveries(std::int64_t now_ms,
                                                           std::int64_t lease_until_ms, int limit,
                                                           const DeliveryFilter& take) = 0;
  // Records the attempts (the log), each delivery's new state and lease end, and the
  // endpoints' success and failure times, in one transaction.
  virtual Status RecordDeliveries(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // Disables every enabled endpoint failing since before `cutoff_ms` (disabled_reason
  // "failing") and records a "webhook.disabled" event in its tenant's log (doc: `doc` of the
  // endpoint as disabled), in one transaction. Returns the endpoints it disabled.
  virtual Result<std::vector<WebhookEndpoint>> DisableFailingWebhooks(std::int64_t cutoff_ms,
                                                                      std::int64_t now_ms,
                                                                      const WebhookDoc& doc) = 0;

  // Retention: deletes at most `max_deliveries` settled (delivered or given up) deliveries
  // made before `cutoff_ms`, with their attempts, in one transaction. Returns how many (fewer
  // than the most: none older is left). Pending ones are kept whatever their age.
  virtual Result<int> PruneDeliveries(std::int64_t cutoff_ms, int max_deliveries) = 0;

  // The delivery log of an endpoint, newest first, before `before` (unset: from the newest).
  virtual Result<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      std::string_view org_id, std::string_view endpoint_id,
      const std::optional<AttemptPosition>& before, int limit) = 0;
  // Makes the endpoint's deliveries of `event_id` due now (a delivered or failed one pending
  // again). NotFound when the endpoint has none.
  virtual Status RetryDelivery(std::string_view org_id, std::string_view endpoint_id,
                               std::string_view event_id, std::int64_t now_ms) = 0;
};

}  // namespace contactsd::store
