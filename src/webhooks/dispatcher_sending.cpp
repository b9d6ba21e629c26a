// Dispatcher (webhooks/dispatcher.hpp): what it sends, and how. The parked deliveries due are
// claimed, the windows hand out their next events, and each one becomes a signed request,
// handed to the outbound client with the rest of its round.
#include "webhooks/dispatcher.hpp"
#include "webhooks/dispatcher_inbox.hpp"
#include "webhooks/signature.hpp"

#include "api/event_json.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/version.hpp"
#include "contacts/event_ids.hpp"

#include <algorithm>
#include <map>

namespace contactsd::webhooks {

void Dispatcher::ClaimAndSend(std::int64_t now_ms) {
  std::map<EndpointKey, int> budgets;
  int total = 0;
  for (const auto& [key, d] : delivering_) {
    const int budget = Budget(d, now_ms);
    if (budget <= 0) continue;
    budgets[key] = budget;
    total += budget;
  }
  total = std::min(total, options_.max_in_flight - in_flight_total_);
  if (total <= 0) return;
  const store::DeliveryFilter within_budget = [&](const store::DueDelivery& due) {
    auto budget = budgets.find({due.org_id, due.endpoint_id});
    if (budget == budgets.end() || budget->second == 0) return false;
    --budget->second;
    return true;
  };
  auto claimed =
      store_.ClaimDeliveries(owner_, now_ms, now_ms + options_.lease_ms, total, within_budget);
  if (!claimed.ok()) {
    log::Warn("webhook_claim_failed", "claiming deliveries failed",
              {{"error", claimed.error().internal}});
    return;
  }
  for (store::DueDelivery& due : *claimed) {
    EndpointKey key{due.org_id, due.endpoint_id};
    Delivering& d = delivering_.at(key);
    std::string body = std::move(due.payload);
    due.payload.clear();
    Finished done;
    done.key = key;
    done.event_id = due.event_id;
    done.due = std::move(due);
    if (body.empty()) {  // an event of the log: rendered as it is now
      auto rendered = RenderFromLog(done.due);
      if (!rendered.ok()) {  // its lease ends, and it is claimed again
        log::Warn("webhook_event_read_failed", "reading an event to deliver failed",
                  {{"event", done.due.event_id}, {"error", rendered.error().internal}});
        continue;
      }
      if (!*rendered) {  // erased, or past the log's retention: nothing to send
        done.give_up = true;
        done.result.error = "the event is no longer in the log";
        done.at_ms = now_ms;
        ++in_flight_total_;
        metrics_.in_flight.store(in_flight_total_, std::memory_order_relaxed);
        ++in_flight_[key];
        std::lock_guard lock(inbox_->mu);
        inbox_->finished.push_back(std::move(done));
        continue;
      }
      body = std::move(**rendered);
    }
    Send(d, std::move(body), std::move(done), now_ms);
  }
}

Result<std::optional<std::string>> Dispatcher::RenderFromLog(const store::DueDelivery& due) {
  std::optional<std::string> body;
  const auto seq = contacts::SeqOfEventId(due.event_id);
  if (!seq) return body;
  auto plan = PlanOf(due.org_id);
  if (!plan.ok()) return std::move(plan).error();
  auto found =
      events_.Find(Principal{due.org_id, *plan, "webhooks", "system"}, due.contact_id, *seq);
  if (!found.ok()) return std::move(found).error();
  if (*found) api::AppendEventJson(body.emplace(), model_, **found);
  return body;
}

void Dispatcher::SendStreams(std::int64_t now_ms) {
  for (auto& [key, d] : delivering_) {
    // What it drops is read again (the log has not moved for it: ReadLogs would not look).
    if (d.health.failures > 0 && d.stream.DropWaitingAfter(1)) d.log_exhausted = false;
    for (const EndpointStream::Serial serial : d.stream.Next(std::max(Budget(d, now_ms), 0))) {
      const StreamEvent& event = d.stream.event(serial);
      Finished done;
      done.key = key;
      done.event_id = event.delivery.event_id;
      done.generation = d.generation;
      done.serial = serial;
      Send(d, event.delivery.payload, std::move(done), now_ms);
    }
  }
}

const std::optional<std::string>& Dispatcher::SecretInClear(const std::string& stored) {
  auto [it, added] = opened_secrets_.try_emplace(stored);
  if (added) {
    if (!SecretBox::IsSealed(stored)) {
      it->second = stored;
    } else if (secrets_ != nullptr) {
      it->second = secrets_->Open(stored);
    }
  }
  return it->second;
}

void Dispatcher::Send(Delivering& d, std::string body, Finished done, std::int64_t now_ms) {
  const store::WebhookEndpoint& endpoint = d.endpoint;
  const std::string& event_id = done.event_id;
  // The current secret, and the one a rotation replaced while it still signs.
  std::vector<const std::string*> stored = {&endpoint.secret};
  if (!endpoint.previous_secret.empty() && endpoint.previous_secret_until_ms > now_ms) {
    stored.push_back(&endpoint.previous_secret);
  }
  std::vector<std::string> secrets;
  bool readable = true;
  for (const std::string* secret : stored) {
    const std::optional<std::string>& clear = SecretInClear(*secret);
    readable = readable && clear.has_value();
    if (clear) secrets.push_back(*clear);
  }
  const std::int64_t timestamp = now_ms / 1000;
  auto signature = readable ? SignatureHeader(secrets, event_id, timestamp, body) : std::nullopt;
  ++in_flight_[done.key];
  ++in_flight_total_;
  metrics_.in_flight.store(in_flight_total_, std::memory_order_relaxed);
  if (!signature) {  // an attempt that fails, in the delivery log, and is retried
    const char* why = readable ? "the endpoint's secret is malformed"
                               : "the endpoint's secret is sealed with another key than this "
                                 "server's --secrets-key-file";
    done.result = {0, why, 0, {}};
    done.at_ms = now_ms;
    std::lock_guard lock(inbox_->mu);
    inbox_->finished.push_back(std::move(done));
    return;
  }
  http::OutboundRequest request;
  request.url = endpoint.url;
  request.headers = {{"webhook-id", done.event_id},
                     {"webhook-timestamp", std::to_string(timestamp)},
                     {"webhook-signature", *signature},
                     {"content-type", "application/json"},
                     {"user-agent", std::string("contactsd/") + kVersion + " (webhooks)"}};
  request.body = std::move(body);
  outgoing_.push_back(
      {std::move(request),
       [inbox = inbox_, done = std::move(done)](http::OutboundResult result) mutable {
         done.result = std::move(result);
         done.at_ms = NowMillis();
         bool wake = false;
         {
           std::lock_guard lock(inbox->mu);
           wake = inbox->finished.empty();  // else it is woken already, and takes them all
           inbox->finished.push_back(std::move(done));
         }
         if (wake) inbox->cv.notify_one();
       }});
}

}  // namespace contactsd::webhooks
