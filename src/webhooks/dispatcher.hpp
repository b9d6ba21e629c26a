// The webhook dispatcher: on a thread of its own, it
//   1. fans the change log out to every endpoint: the events after the endpoint's log position
//      that match its patterns, rendered as the feed shows them to the endpoint's tenant,
//      become deliveries, and the position moves on, in one transaction (store::FanOut);
//   2. claims the due deliveries under a lease, at most `max_in_flight` at once and
//      `max_in_flight_per_endpoint` per endpoint, one contact's in log order (the store only
//      hands out the first pending delivery of a contact), and posts each, signed
//      (webhooks/signature.hpp), through the outbound client;
//   3. records each attempt's outcome: delivered (2xx), due again after the retry schedule's
//      delay, or given up (store::RecordDeliveries);
//   4. disables the endpoints that have failed without a success for `disable_after_ms`.
// An endpoint whose attempt fails is paused (in this process) until that delivery's retry:
// its other deliveries wait rather than fail one after another.
// All state is in the database, so a process killed at any point loses nothing: a delivery
// whose outcome was not recorded is sent again when its lease ends (same webhook-id). Several
// processes on one PostgreSQL run a dispatcher each and share the work through the leases.
// No API request waits for any of it.
#pragma once

#include "webhooks/retry_schedule.hpp"

#include "common/secret_box.hpp"
#include "contacts/events_service.hpp"
#include "http/outbound_client.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace contactsd::webhooks {

struct DispatcherOptions {
  RetrySchedule schedule;
  // Attempts under way at once, in all and per endpoint. Waiting attempts cost a socket and a
  // payload, no thread, so the total is large: a few slow endpoints (each at its own cap, for
  // up to the whole timeout) must leave room for everyone else's deliveries.
  int max_in_flight = 512;
  int max_in_flight_per_endpoint = 16;
  // How long a claimed delivery is the claimer's: longer than the client's whole timeout.
  std::int64_t lease_ms = 30'000;
  // An endpoint failing (no success) for this long is disabled, with a "webhook.disabled"
  // event in its tenant's log.
  std::int64_t disable_after_ms = 5LL * 24 * 60 * 60 * 1000;
  // How often it looks for new events and due deliveries when nothing wakes it.
  std::chrono::milliseconds poll_interval{50};
};

class Dispatcher {
 public:
  // Everything given outlives the dispatcher. `secrets` opens sealed signing secrets (null: none
  // are sealed).
  Dispatcher(const model::Model& model, store::Store& store, const contacts::EventsService& events,
             http::OutboundClient& client, const SecretBox* secrets, DispatcherOptions options);
  // Stops it (Stop()).
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  // Returns once the thread has ended. Deliveries still in flight are left to their leases.
  void Stop();

 private:
  using EndpointKey = std::pair<std::string, std::string>;  // org, id
  struct Inbox;  // outcomes handed over by the client's thread

  void Run();
  void RecordOutcomes();
  void RefreshEndpoints();
  void FanOutAll(std::int64_t now_ms);
  // Fans one page of events out; true when it must run again next round (a full page came, so
  // more may follow, or it failed).
  bool FanOutEndpoint(const store::WebhookEndpoint& endpoint, std::int64_t now_ms);
  void ClaimAndSend(std::int64_t now_ms);
  void DisableFailing(std::int64_t now_ms);
  void Send(store::DueDelivery due, const store::WebhookEndpoint& endpoint, std::int64_t now_ms);
  Result<std::string> PlanOf(const std::string& org_id);
  // A stored secret in clear; nullopt when it is sealed and this process cannot open it.
  std::optional<std::string> SecretInClear(const std::string& stored) const;

  const model::Model& model_;
  store::Store& store_;
  const contacts::EventsService& events_;
  http::OutboundClient& client_;
  const SecretBox* secrets_;
  const DispatcherOptions options_;
  std::shared_ptr<Inbox> inbox_;
  std::thread thread_;

  // The dispatcher thread's own state.
  std::map<EndpointKey, store::WebhookEndpoint> endpoints_;
  // Each endpoint's fan-out as this process last saw it.
  struct FanOutProgress {
    store::EventPosition position;  // where it was read from, or moved to
    bool again = false;             // a full page came, or the fan-out failed: go on next round
  };
  std::map<EndpointKey, FanOutProgress> progress_;
  std::map<EndpointKey, int> in_flight_;
  // Endpoints whose last attempt failed, and until when they get no other attempt: a dead
  // receiver with a backlog gets a probe per retry delay, not every pending delivery at once
  // (each failed attempt is a write, taken from the API's writer).
  std::map<EndpointKey, std::int64_t> paused_until_;
  std::map<std::string, std::string> plans_;  // org -> plan, for one round of fan-out
  int in_flight_total_ = 0;
  std::string watermark_;
  std::int64_t last_disable_check_ms_ = 0;
};

}  // namespace contactsd::webhooks
