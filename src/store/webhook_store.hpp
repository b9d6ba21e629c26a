// Webhooks in the store: a tenant's endpoints, the deliveries of its events to them, and every
// attempt of a delivery (the delivery log). An endpoint is delivered from the change log itself
// by one process at a time (its lease): the dispatcher (src/webhooks) reads the events after the
// endpoint's cursor, sends them, and moves the cursor past a batch of them in one write, with
// their attempts. Only an event that fails, or is held behind a failed one of its contact,
// becomes a row of its own (a parked delivery), retried on its schedule under a lease of its
// own. All of it is in the database: a kill -9 loses no event (one sent but not recorded is
// sent again), and several processes on one PostgreSQL share the endpoints.
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
  // The endpoint's place in the change log: every event up to it was delivered, parked as a
  // delivery (to be tried again), or passed over (its type not wanted). A new endpoint starts
  // at the log's head: it receives the events committed after it. A replay moves it back.
  EventPosition cursor;
  // Written by the dispatcher only (EndpointHealth).
  std::int64_t last_success_at_ms = 0;  // 0: never
  std::int64_t failing_since_ms = 0;    // the first failure after the last success; 0: none
  int failures = 0;                     // failed attempts since the last success
  std::int64_t probe_after_ms = 0;      // failing: no attempt before this time
  std::string disabled_reason;          // why the dispatcher disabled it; "" otherwise
  // The process that delivers it (one at a time), until when (LeaseWebhookStreams).
  std::string lease_owner;
  std::int64_t lease_until_ms = 0;
};

// One event to be delivered to one endpoint outside its stream: parked after a failure, held
// behind a parked one of its contact, a retry asked for, or a test event.
struct NewDelivery {
  std::string event_id;    // the webhook-id: the same on every attempt
  std::string contact_id;  // one contact's deliveries go in the order parked; "": no order
  // The request body; empty for an event of the log, which is rendered from the log when sent
  // (an event erased or pruned meanwhile is then not sent).
  std::string payload;
};

// What one attempt of a delivery came to.
struct AttemptResult {
  std::int64_t at_ms = 0;
  int status = 0;     // the HTTP status; 0 when no answer came
  std::string error;  // why no answer came, or "" (a short text)
  std::int64_t latency_ms = 0;
  bool delivered = false;
  // Not delivered: when the next attempt is due, or unset when the delivery is given up.
  std::optional<std::int64_t> next_attempt_at_ms;
};

// An event of an endpoint's stream as it settled: attempted (delivered, or failed and parked
// for its retry or given up), or held back unattempted (parked, due now) behind a parked
// delivery of its contact.
struct StreamedEvent {
  NewDelivery delivery;
  std::optional<AttemptResult> attempt;  // unset: held back
};

// An endpoint's stream moved from `from` to `to` past the events given (in log order), each
// logged and, unless delivered, parked; applied only while the endpoint is still at `from` and
// leased to the recording process.
struct StreamCommit {
  std::string org_id;
  std::string endpoint_id;
  EventPosition from;
  EventPosition to;
  std::vector<StreamedEvent> events;
};

// An attempt of a parked delivery (DueDelivery).
struct DeliveryOutcome {
  std::string org_id;
  std::string endpoint_id;
  std::int64_t ord = 0;
  AttemptResult result;
};

// An endpoint's health as the dispatcher that delivers it keeps it.
struct EndpointHealth {
  std::string org_id;
  std::string endpoint_id;
  std::int64_t last_success_at_ms = 0;  // the latest success; the stored one is kept if later
  std::int64_t failing_since_ms = 0;
  int failures = 0;
  std::int64_t probe_after_ms = 0;
  // Failing before, a success since: its parked deliveries waiting for a later retry are due
  // now (the receiver is back).
  bool recovered = false;
};

// What a dispatcher did since it last recorded, written in one transaction.
struct DispatchRecord {
  std::string owner;  // the process (its stream leases)
  std::int64_t now_ms = 0;
  std::vector<StreamCommit> streams;
  std::vector<DeliveryOutcome> outcomes;
  std::vector<EndpointHealth> health;
};

// A parked delivery that is due, leased to the caller until the lease given to ClaimDeliveries.
struct DueDelivery {
  std::string org_id;
  std::string endpoint_id;
  std::int64_t ord = 0;  // the delivery's number within its endpoint
  std::string event_id;
  std::string contact_id;
  std::string payload;  // empty: render the event from the log
  int attempts = 0;     // made before this one
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

  // Endpoints of a tenant. CreateWebhook sets `cursor` to the log's head; Conflict
  // "limit_reached" when the tenant has `max_per_org` already. Get, Update and Delete: NotFound
  // for an id the tenant has not. UpdateWebhook writes the settings `change` leaves (url,
  // description, events, enabled, secrets, updated_at, disabled_reason, and `cursor`, set back
  // by a replay), never the dispatcher's columns; when `change` enables a disabled endpoint,
  // `cursor` moves to the log's head instead (it receives what happens from then on, not what
  // happened while it was disabled) and its health is reset (not failing). DeleteWebhook
  // deletes its deliveries and their log too.
  virtual Status CreateWebhook(const WebhookEndpoint& endpoint, int max_per_org) = 0;
  virtual Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view org_id) = 0;
  virtual Result<WebhookEndpoint> GetWebhook(std::string_view org_id, std::string_view id) = 0;
  virtual Result<WebhookEndpoint> UpdateWebhook(std::string_view org_id, std::string_view id,
                                                const WebhookChange& change) = 0;
  virtual Status DeleteWebhook(std::string_view org_id, std::string_view id) = 0;

  // The dispatcher. Every endpoint of every tenant, enabled or not, at most `limit`, after
  // `after_org`/`after_id` in (org, id) order.
  virtual Result<std::vector<WebhookEndpoint>> ListEveryWebhook(std::string_view after_org,
                                                                std::string_view after_id,
                                                                int limit) = 0;
  // Leases to `owner` until `lease_until_ms` every enabled endpoint it holds or no process
  // holds (a lease ended before `now_ms`): one process at a time delivers an endpoint.
  // ReleaseWebhookStreams ends `owner`'s leases (a process that stops).
  virtual Status LeaseWebhookStreams(std::string_view owner, std::int64_t now_ms,
                                     std::int64_t lease_until_ms) = 0;
  virtual Status ReleaseWebhookStreams(std::string_view owner) = 0;
  // The contacts with a parked delivery pending for the endpoint: its stream holds back their
  // later events (one contact's events go in log order).
  virtual Result<std::vector<std::string>> HeldContacts(std::string_view org_id,
                                                        std::string_view endpoint_id) = 0;
  // Writes the record in one transaction: each stream commit (if the endpoint is still where it
  // says and leased to the owner), the parked deliveries' outcomes (their new state and their
  // attempt in the log), then the endpoints' health. Attempts and parked deliveries take the
  // endpoint's next numbers (ords), in the order given. Returns, per stream commit, whether it
  // was applied.
  virtual Result<std::vector<bool>> RecordDispatch(const DispatchRecord& record) = 0;
  // Adds one parked delivery, due now: a test event, or an event sent again on request.
  virtual Status EnqueueDelivery(std::string_view org_id, std::string_view endpoint_id,
                                 const NewDelivery& delivery, std::int64_t now_ms) = 0;
  // Leases up to `limit` parked deliveries of enabled endpoints leased to `owner` that are due
  // at `now_ms` and not leased, each the first pending one of its contact for its endpoint,
  // until `lease_until_ms`: those `take` accepts, asked in the order they became due.
  virtual Result<std::vector<DueDelivery>> ClaimDeliveries(std::string_view owner,
                                                           std::int64_t now_ms,
                                                           std::int64_t lease_until_ms, int limit,
                                                           const DeliveryFilter& take) = 0;
  // Disables every enabled endpoint failing since before `cutoff_ms` (disabled_reason
  // "failing") and records a "webhook.disabled" event in its tenant's log (doc: `doc` of the
  // endpoint as disabled), in one transaction. Returns the endpoints it disabled.
  virtual Result<std::vector<WebhookEndpoint>> DisableFailingWebhooks(std::int64_t cutoff_ms,
                                                                      std::int64_t now_ms,
                                                                      const WebhookDoc& doc) = 0;

  // Retention, in one transaction: at most `max_rows` of the oldest settled (delivered or given
  // up) parked deliveries made before `cutoff_ms`, with their attempts, and of the attempts
  // made before it of deliveries without a row (delivered from the stream). Returns how many
  // rows it deleted (fewer than the most: none older is left). Pending deliveries and their
  // attempts are kept whatever their age.
  virtual Result<int> PruneDeliveries(std::int64_t cutoff_ms, int max_rows) = 0;

  // The delivery log of an endpoint, newest first, before `before` (unset: from the newest).
  virtual Result<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      std::string_view org_id, std::string_view endpoint_id,
      const std::optional<AttemptPosition>& before, int limit) = 0;
  // Makes the endpoint's parked delivery of `event_id` due now (a failed one pending again),
  // and a failing endpoint due for its next probe now. NotFound when the endpoint has no parked
  // delivery of it (one delivered from the stream has none: it is enqueued anew).
  virtual Status RetryDelivery(std::string_view org_id, std::string_view endpoint_id,
                               std::string_view event_id, std::int64_t now_ms) = 0;
};

}  // namespace contactsd::store
