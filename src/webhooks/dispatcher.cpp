#include "webhooks/dispatcher.hpp"

#include "webhooks/signature.hpp"

#include "api/event_json.hpp"
#include "api/webhook_json.hpp"
#include "common/time.hpp"
#include "common/version.hpp"
#include "contacts/webhook_rules.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <vector>

namespace contactsd::webhooks {
namespace {

constexpr int kFanOutPage = 500;
constexpr int kEndpointPage = 200;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

double Jitter() {
  thread_local std::mt19937 random(std::random_device{}());
  return std::uniform_real_distribution<double>(-1.0, 1.0)(random);
}

}  // namespace

struct Dispatcher::Inbox {
  struct Finished {
    store::DueDelivery due;  // without its payload
    http::OutboundResult result;
    std::int64_t at_ms = 0;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Finished> finished;  // guarded by mu
  bool stopping = false;           // guarded by mu
};

Dispatcher::Dispatcher(const model::Model& model, store::Store& store,
                       const contacts::EventsService& events, http::OutboundClient& client,
                       const SecretBox* secrets, DispatcherOptions options)
    : model_(model),
      store_(store),
      events_(events),
      client_(client),
      secrets_(secrets),
      options_(std::move(options)),
      inbox_(std::make_shared<Inbox>()) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(inbox_->mu);
    inbox_->stopping = true;
  }
  inbox_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Run() {
  for (;;) {
    RecordOutcomes();
    const std::int64_t now = NowMillis();
    FanOutAll(now);
    ClaimAndSend(now);
    DisableFailing(now);
    std::unique_lock lock(inbox_->mu);
    inbox_->cv.wait_for(lock, options_.poll_interval,
                        [&] { return inbox_->stopping || !inbox_->finished.empty(); });
    if (inbox_->stopping) return;
  }
}

void Dispatcher::RecordOutcomes() {
  std::vector<Inbox::Finished> finished;
  {
    std::lock_guard lock(inbox_->mu);
    finished.swap(inbox_->finished);
  }
  if (finished.empty()) return;
  std::vector<store::DeliveryOutcome> outcomes;
  outcomes.reserve(finished.size());
  for (Inbox::Finished& f : finished) {
    store::DeliveryOutcome o;
    o.org_id = f.due.org_id;
    o.endpoint_id = f.due.endpoint_id;
    o.ord = f.due.ord;
    o.at_ms = f.at_ms;
    o.status = f.result.status;
    o.error = std::move(f.result.error);
    o.latency_ms = f.result.latency_ms;
    o.delivered = IsSuccess(f.result.status);
    const EndpointKey key{f.due.org_id, f.due.endpoint_id};
    if (o.delivered) {
      paused_until_.erase(key);
    } else {
      const auto delay = options_.schedule.DelayAfter(f.due.attempts + 1, Jitter());
      if (delay) o.next_attempt_at_ms = f.at_ms + *delay;
      // Until this delivery's own retry (the first delay when it was given up).
      std::int64_t& until = paused_until_[key];
      until = std::max(until, f.at_ms + delay.value_or(options_.schedule.delays_ms().front()));
    }
    outcomes.push_back(std::move(o));
  }
  if (auto recorded = store_.RecordDeliveries(outcomes); !recorded) {
    // Their leases end, and they are sent again: at least once, never lost.
    spdlog::warn("webhooks: recording {} delivery outcomes failed: {}", outcomes.size(),
                 recorded.error().internal);
  }
  for (const Inbox::Finished& f : finished) {
    auto held = in_flight_.find({f.due.org_id, f.due.endpoint_id});
    if (--held->second == 0) in_flight_.erase(held);  // (a deleted endpoint leaves nothing)
    --in_flight_total_;
  }
}

void Dispatcher::RefreshEndpoints() {
  std::map<EndpointKey, store::WebhookEndpoint> fresh;
  std::string after_org;
  std::string after_id;
  for (;;) {
    auto page = store_.ListWebhooksForFanOut(after_org, after_id, kEndpointPage);
    if (!page.ok()) {
      spdlog::warn("webhooks: listing endpoints failed: {}", page.error().internal);
      return;  // keep the last list
    }
    for (store::WebhookEndpoint& e : *page) {
      EndpointKey key{e.org_id, e.id};
      fresh.emplace(std::move(key), std::move(e));
    }
    if (page->size() < static_cast<std::size_t>(kEndpointPage)) break;
    after_org = fresh.rbegin()->first.first;
    after_id = fresh.rbegin()->first.second;
  }
  endpoints_.swap(fresh);
}

Result<std::string> Dispatcher::PlanOf(const std::string& org_id) {
  if (auto it = plans_.find(org_id); it != plans_.end()) return it->second;
  auto org = store_.GetOrg(org_id);
  if (!org.ok()) return std::move(org).error();
  plans_[org_id] = org->plan;
  return org->plan;
}

void Dispatcher::FanOutAll(std::int64_t now_ms) {
  RefreshEndpoints();
  auto watermark = store_.EventsWatermark();
  const bool log_moved = !watermark.ok() || *watermark != watermark_;
  plans_.clear();
  bool complete = true;
  for (const auto& [key, endpoint] : endpoints_) {
    // A disabled endpoint skips what happens meanwhile: enabling moves it to the log's head.
    if (!endpoint.enabled) continue;
    auto known = progress_.find(key);
    // A replay moved it back, another process moved it on, or it is new here.
    const bool moved = known == progress_.end() || known->second.position != endpoint.fanned_out;
    if (!log_moved && !moved && !known->second.again) continue;
    if (FanOutEndpoint(endpoint, now_ms)) complete = false;
  }
  // Only once every endpoint has read up to it does the watermark mean "nothing new".
  if (watermark.ok() && complete) watermark_ = std::move(*watermark);
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = endpoints_.contains(it->first) ? std::next(it) : progress_.erase(it);
  }
}

bool Dispatcher::FanOutEndpoint(const store::WebhookEndpoint& endpoint, std::int64_t now_ms) {
  FanOutProgress& progress = progress_[{endpoint.org_id, endpoint.id}];
  progress = {endpoint.fanned_out, true};  // until it succeeds
  auto plan = PlanOf(endpoint.org_id);
  if (!plan.ok()) {
    spdlog::warn("webhooks: the org of endpoint {} could not be read: {}", endpoint.id,
                 plan.error().internal);
    return true;
  }
  const Principal reader{endpoint.org_id, *plan, "webhooks", "system"};
  auto page = events_.After(reader, endpoint.fanned_out, kFanOutPage);
  if (!page.ok()) {
    spdlog::warn("webhooks: reading the log for endpoint {} failed: {}", endpoint.id,
                 page.error().internal);
    return true;
  }
  auto& [views, last] = *page;
  if (views.empty()) {
    progress.again = false;
    return false;
  }
  store::DeliveryFanOut fan_out{endpoint.org_id, endpoint.id, endpoint.fanned_out, last, {},
                                now_ms};
  for (const contacts::EventView& view : views) {
    if (!contacts::PatternsMatch(endpoint.events, view.type)) continue;
    store::NewDelivery delivery;
    delivery.event_id = "evt_" + std::to_string(view.event.position.seq);
    delivery.contact_id = view.event.contact.id;
    api::AppendEventJson(delivery.payload, model_, view);
    fan_out.deliveries.push_back(std::move(delivery));
  }
  auto done = store_.FanOut(fan_out);
  if (!done.ok()) {
    spdlog::warn("webhooks: fanning events out to endpoint {} failed: {}", endpoint.id,
                 done.error().internal);
    return true;
  }
  // Not done: another process fanned these out first; the next listing shows where it went
  // (a position other than the one recorded here), and this one carries on from there.
  if (!*done) {
    progress.again = false;
    return false;
  }
  progress = {last, views.size() == static_cast<std::size_t>(kFanOutPage)};
  return progress.again;
}

void Dispatcher::ClaimAndSend(std::int64_t now_ms) {
  // As many as the endpoints' budgets allow: the store reads a few candidates per delivery it
  // may hand out, so asking for more than can be taken only costs the writer reads.
  int budget = 0;
  for (auto it = paused_until_.begin(); it != paused_until_.end();) {
    it = it->second <= now_ms ? paused_until_.erase(it) : std::next(it);
  }
  for (const auto& [key, endpoint] : endpoints_) {
    if (!endpoint.enabled || paused_until_.contains(key)) continue;
    auto held = in_flight_.find(key);
    budget += options_.max_in_flight_per_endpoint - (held == in_flight_.end() ? 0 : held->second);
  }
  budget = std::min(budget, options_.max_in_flight - in_flight_total_);
  if (budget <= 0) return;
  std::map<EndpointKey, int> taken;
  auto claimed = store_.ClaimDeliveries(
      now_ms, now_ms + options_.lease_ms, budget, [&](const store::DueDelivery& due) {
        EndpointKey key{due.org_id, due.endpoint_id};
        if (!endpoints_.contains(key)) return false;  // created after the last listing
        if (paused_until_.contains(key)) return false;
        int& mine = taken[key];
        if (in_flight_[key] + mine >= options_.max_in_flight_per_endpoint) return false;
        ++mine;
        return true;
      });
  if (!claimed.ok()) {
    spdlog::warn("webhooks: claiming deliveries failed: {}", claimed.error().internal);
    return;
  }
  for (store::DueDelivery& due : *claimed) {
    const auto endpoint = endpoints_.find({due.org_id, due.endpoint_id});
    Send(std::move(due), endpoint->second, now_ms);
  }
}

void Dispatcher::DisableFailing(std::int64_t now_ms) {
  if (now_ms - last_disable_check_ms_ < 1000) return;  // a second late is soon enough
  last_disable_check_ms_ = now_ms;
  auto disabled = store_.DisableFailingWebhooks(
      now_ms - options_.disable_after_ms, now_ms, [](const store::WebhookEndpoint& endpoint) {
        return boost::json::serialize(api::WebhookJson(endpoint, false));
      });
  if (!disabled.ok()) {
    spdlog::warn("webhooks: disabling failing endpoints failed: {}", disabled.error().internal);
    return;
  }
  for (const store::WebhookEndpoint& endpoint : *disabled) {
    spdlog::info("webhooks: endpoint {} of org {} disabled: no success since {}", endpoint.id,
                 endpoint.org_id, FormatTimestamp(endpoint.failing_since_ms));
  }
}

std::optional<std::string> Dispatcher::SecretInClear(const std::string& stored) const {
  if (!SecretBox::IsSealed(stored)) return stored;
  if (secrets_ == nullptr) return std::nullopt;
  return secrets_->Open(stored);
}

void Dispatcher::Send(store::DueDelivery due, const store::WebhookEndpoint& endpoint,
                      std::int64_t now_ms) {
  // The current secret, and the one a rotation replaced while it still signs.
  std::vector<const std::string*> stored = {&endpoint.secret};
  if (!endpoint.previous_secret.empty() && endpoint.previous_secret_until_ms > now_ms) {
    stored.push_back(&endpoint.previous_secret);
  }
  std::vector<std::string> secrets;
  bool readable = true;
  for (const std::string* secret : stored) {
    auto clear = SecretInClear(*secret);
    readable = readable && clear.has_value();
    if (clear) secrets.push_back(std::move(*clear));
  }
  const std::int64_t timestamp = now_ms / 1000;
  auto signature =
      readable ? SignatureHeader(secrets, due.event_id, timestamp, due.payload) : std::nullopt;
  http::OutboundRequest request;
  request.url = endpoint.url;
  request.headers = {{"webhook-id", due.event_id},
                     {"webhook-timestamp", std::to_string(timestamp)},
                     {"webhook-signature", signature.value_or("")},
                     {"content-type", "application/json"},
                     {"user-agent", std::string("contactsd/") + kVersion + " (webhooks)"}};
  request.body = std::move(due.payload);
  due.payload.clear();
  ++in_flight_[{due.org_id, due.endpoint_id}];
  ++in_flight_total_;
  if (!signature) {  // an attempt that fails, in the delivery log, and is retried
    const char* why = readable ? "the endpoint's secret is malformed"
                               : "the endpoint's secret is sealed with another key than this "
                                 "server's --secrets-key-file";
    std::lock_guard lock(inbox_->mu);
    inbox_->finished.push_back({std::move(due), {0, why, 0, {}}, now_ms});
    return;
  }
  client_.Post(std::move(request),
               [inbox = inbox_, due = std::move(due)](http::OutboundResult result) mutable {
                 {
                   std::lock_guard lock(inbox->mu);
                   inbox->finished.push_back({std::move(due), std::move(result), NowMillis()});
                 }
                 inbox->cv.notify_one();
               });
}

}  // namespace contactsd::webhooks
