// The webhook dispatcher: on a thread of its own, round after round, it
//   1. leases the endpoints no live process delivers (store::LeaseWebhookStreams: one process
//      at a time delivers an endpoint; another takes over when its lease ends);
//   2. reads each of its endpoints' events from the change log, after the endpoint's cursor,
//      those that match its patterns rendered as the feed shows them to its tenant, into the
//      endpoint's window (EndpointStream), and sends them, signed (webhooks/signature.hpp),
//      through the outbound client, one contact's in log order;
//   3. claims the parked deliveries that are due (a failed attempt's retry, an event held
//      behind it, a test event) under a lease each, and sends them;
//   4. records what came of it in one write (store::RecordDispatch): each window's settled
//      prefix moves its cursor, with an attempt per event, and only an event that was not
//      delivered becomes a row of its own (parked); the parked deliveries' outcomes; the
//      endpoints' health;
//   5. disables the endpoints that have failed without a success for `disable_after_ms`.
// Each endpoint has its share of the concurrency while healthy, and is probed one attempt at a
// time after a failure (webhooks/endpoint_probing.hpp).
// All state is in the database, so a process killed at any point loses nothing: an event sent
// but not recorded is sent again by whoever delivers the endpoint next (the same webhook-id).
// No API request waits for any of it.
#pragma once

#include "webhooks/endpoint_stream.hpp"
#include "webhooks/retry_schedule.hpp"

#include "common/metric_cells.hpp"
#include "common/secret_box.hpp"
#include "contacts/events_service.hpp"
#include "http/outbound_client.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace contactsd::webhooks {

struct DispatcherOptions {
  RetrySchedule schedule;
  // Attempts under way at once, in all and per endpoint. Waiting attempts cost a socket and a
  // payload, no thread, so the total is large: a few slow endpoints (each at its own cap, for
  // up to the whole timeout) must leave room for everyone else's deliveries.
  int max_in_flight = 512;
  int max_in_flight_per_endpoint = 16;
  // How long a claimed parked delivery, and an endpoint's stream, are the claimer's: longer
  // than the client's whole timeout.
  std::int64_t lease_ms = 30'000;
  // An endpoint failing (no success) for this long is disabled, with a "webhook.disabled"
  // event in its tenant's log.
  std::int64_t disable_after_ms = 5LL * 24 * 60 * 60 * 1000;
  // How often it looks for new events and due deliveries when nothing wakes it.
  std::chrono::milliseconds poll_interval{50};
};

// What the dispatcher has done, for /metrics: each finished attempt by outcome, its latency, the
// attempts on the way now, and how long events waited in the log before the dispatcher read
// them for an endpoint (the log's lag behind its writers, as webhooks see it). Written by the
// dispatcher's thread, read by a scrape.
struct DeliveryMetrics {
  enum Outcome : std::size_t { kDelivered, kFailed, kGivenUp, kOutcomes };
  static constexpr const char* kOutcomeNames[kOutcomes] = {"delivered", "failed", "given_up"};
  metrics::ShardedCounts outcomes{kOutcomes};
  metrics::Histogram seconds{metrics::LatencyBounds()};  // attempts that reached the receiver
  std::atomic<int> in_flight{0};
  metrics::Histogram read_lag_seconds{metrics::LagBounds()};  // per event read for an endpoint
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
  // Returns once the thread has ended, and this process's endpoints are free for another to
  // take. Deliveries still in flight are left to be sent again.
  void Stop();

  const DeliveryMetrics& metrics() const { return metrics_; }

 private:
  using EndpointKey = std::pair<std::string, std::string>;  // org, id
  struct Inbox;  // attempts finished on the client's thread
  struct Finished;
  // An endpoint this process delivers.
  struct Delivering {
    explicit Delivering(const store::WebhookEndpoint& listed)
        : endpoint(listed), stream(listed.cursor) {}

    store::WebhookEndpoint endpoint;  // as last listed
    std::uint64_t generation = 0;     // a new one when its window starts over
    EndpointStream stream;
    store::EndpointHealth health;
    bool health_dirty = false;       // failing, or no longer: to be recorded now
    bool success_unwritten = false;  // a later success: recorded with the next commit
    bool log_exhausted = false;      // its last read found nothing new: read when the log moves
    std::int64_t last_commit_ms = 0;
  };

  void Run();
  void TakeFinished();
  void RefreshEndpoints(std::int64_t now_ms);
  void ReadLogs();
  void ReadLog(const EndpointKey& key, Delivering& d, const std::string& plan);
  void ClaimAndSend(std::int64_t now_ms);
  void SendStreams(std::int64_t now_ms);
  void Record(std::int64_t now_ms, bool all);
  void DisableFailing(std::int64_t now_ms);
  Result<std::string> PlanOf(const std::string& org_id);
  int Budget(const Delivering& d, std::int64_t now_ms) const;
  // A parked delivery's event as the log has it now; nullopt when the log has it no longer.
  Result<std::optional<std::string>> RenderFromLog(const store::DueDelivery& due);
  // Posts `body` as the delivery of done.event_id; `done` comes back to TakeFinished.
  void Send(Delivering& d, std::string body, Finished done, std::int64_t now_ms);
  // A stored secret in clear; nullopt when it is sealed and this process cannot open it. Opened
  // once (until no endpoint has it).
  const std::optional<std::string>& SecretInClear(const std::string& stored);

  const model::Model& model_;
  store::Store& store_;
  const contacts::EventsService& events_;
  http::OutboundClient& client_;
  const SecretBox* secrets_;
  const DispatcherOptions options_;
  const std::string owner_;  // this process, as its leases name it
  std::shared_ptr<Inbox> inbox_;
  std::thread thread_;

  // The dispatcher thread's own state.
  std::map<EndpointKey, Delivering> delivering_;
  std::vector<store::DeliveryOutcome> outcomes_;     // of parked deliveries, not yet recorded
  std::vector<http::OutboundClient::Job> outgoing_;  // sent this round, handed over at its end
  std::map<std::string, std::optional<std::string>> opened_secrets_;  // stored -> in clear
  std::map<std::string, std::string> plans_;                          // org -> plan, for one round
  // Attempts under way per endpoint (also of those this process no longer delivers).
  std::map<EndpointKey, int> in_flight_;
  int in_flight_total_ = 0;
  DeliveryMetrics metrics_;  // in_flight mirrors in_flight_total_ for readers elsewhere
  std::uint64_t next_generation_ = 1;
  std::string watermark_;  // the log's, as last read
  std::int64_t lease_renewed_ms_ = 0;
  bool lease_wanted_ = true;  // an enabled endpoint nobody delivers, or a renewal due
  std::int64_t last_disable_check_ms_ = 0;
};

}  // namespace contactsd::webhooks
