// Dispatcher (webhooks/dispatcher.hpp): its rounds, the endpoints it delivers and their leases,
// their windows of the log, the attempts that come back, and what it records. What it sends,
// and how, is dispatcher_sending.cpp.
#include "webhooks/dispatcher.hpp"

#include "webhooks/dispatcher_inbox.hpp"
#include "webhooks/endpoint_probing.hpp"

#include "api/event_json.hpp"
#include "api/webhook_json.hpp"
#include "common/background_thread.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "contacts/event_ids.hpp"
#include "contacts/webhook_rules.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>

namespace contactsd::webhooks {
namespace {

// The events an endpoint's window holds at most: read ahead of what is sent, so that the log
// is read a page at a time.
constexpr int kWindow = 256;
constexpr int kEndpointPage = 200;
// A window's settled events are recorded once this many are, or this long after the last
// record (a kill -9 sends again at most what was not recorded).
constexpr std::size_t kRecordBatch = 128;
constexpr std::int64_t kRecordAfterMs = 100;
// A cursor moved past events the endpoint does not want only: recorded no more often.
constexpr std::int64_t kRecordSkipsAfterMs = 1000;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

double Jitter() {
  thread_local std::mt19937 random(std::random_device{}());
  return std::uniform_real_distribution<double>(-1.0, 1.0)(random);
}

}  // namespace

Dispatcher::Dispatcher(const model::Model& model, store::Store& store,
                       const contacts::EventsService& events, http::OutboundClient& client,
                       const SecretBox* secrets, DispatcherOptions options)
    : model_(model),
      store_(store),
      events_(events),
      client_(client),
      secrets_(secrets),
      options_(std::move(options)),
      owner_(NewUuidV7(NowMillis())),
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
  if (!thread_.joinable()) return;
  thread_.join();
  // Another process takes them now rather than when the leases end.
  if (auto released = store_.ReleaseWebhookStreams(owner_); !released) {
    log::Warn("webhook_release_failed", "releasing this process's endpoints failed",
              {{"error", released.error().internal}});
  }
}

void Dispatcher::Run() {
  BecomeBackgroundThread("webhooks");
  std::int64_t last_poll_ms = 0;
  for (;;) {
    const std::int64_t now = NowMillis();
    TakeFinished();
    // The endpoints' settings and leases, the parked deliveries and the failing endpoints are
    // looked at once a poll interval; the windows each time attempts come back (each one
    // leaves room for the next).
    const bool poll = now - last_poll_ms >= options_.poll_interval.count();
    if (poll) {
      last_poll_ms = now;
      plans_.clear();
      RefreshEndpoints(now);
    }
    ReadLogs();
    if (poll) ClaimAndSend(now);  // before the windows: the older events first
    SendStreams(now);
    client_.PostAll(std::move(outgoing_));
    outgoing_.clear();
    Record(now, false);
    if (poll) DisableFailing(now);
    std::unique_lock lock(inbox_->mu);
    inbox_->cv.wait_for(lock, options_.poll_interval,
                        [&] { return inbox_->stopping || !inbox_->finished.empty(); });
    if (inbox_->stopping) break;
  }
  TakeFinished();
  Record(NowMillis(), true);
}

void Dispatcher::TakeFinished() {
  std::vector<Finished> finished;
  {
    std::lock_guard lock(inbox_->mu);
    finished.swap(inbox_->finished);
  }
  for (Finished& f : finished) {
    --in_flight_total_;
    metrics_.in_flight.store(in_flight_total_, std::memory_order_relaxed);
    if (auto held = in_flight_.find(f.key); held != in_flight_.end() && --held->second == 0) {
      in_flight_.erase(held);
    }
    store::AttemptResult result;
    result.at_ms = f.at_ms;
    result.status = f.result.status;
    result.error = std::move(f.result.error);
    result.latency_ms = f.result.latency_ms;
    result.delivered = IsSuccess(f.result.status);
    if (!result.delivered && !f.give_up) {
      const int made = f.serial ? 1 : f.due.attempts + 1;
      if (auto delay = options_.schedule.DelayAfter(made, Jitter())) {
        result.next_attempt_at_ms = f.at_ms + *delay;
      }
    }
    // Failed with no attempt left (or never sendable): given up; failed with one to come: failed.
    metrics_.outcomes.Add(result.delivered            ? DeliveryMetrics::kDelivered
                          : result.next_attempt_at_ms ? DeliveryMetrics::kFailed
                                                      : DeliveryMetrics::kGivenUp);
    if (!f.give_up) metrics_.seconds.Observe(static_cast<double>(result.latency_ms) / 1000);
    auto it = delivering_.find(f.key);
    if (it != delivering_.end() && !f.give_up) {  // (given up unsent: not the receiver's doing)
      Delivering& d = it->second;
      const bool was_failing = d.health.failures > 0;
      if (result.delivered) {
        RecordSuccess(d.health, f.at_ms);
      } else {
        RecordFailure(d.health, f.at_ms, options_.schedule);
      }
      // A healthy endpoint's new success is written with its next commit; a failure, or the
      // end of one, at once.
      if (was_failing || d.health.failures > 0) {
        d.health_dirty = true;
      } else {
        d.success_unwritten = true;
      }
      if (f.serial && f.generation == d.generation) d.stream.Finish(*f.serial, std::move(result));
    }
    // A parked delivery's outcome is recorded whoever delivers its endpoint now; a window's
    // event of a window started over (or of an endpoint this process no longer delivers) is
    // sent again from the log.
    if (!f.serial) outcomes_.push_back({f.key.first, f.key.second, f.due.ord, std::move(result)});
  }
}

void Dispatcher::RefreshEndpoints(std::int64_t now_ms) {
  if (lease_wanted_ || now_ms - lease_renewed_ms_ >= options_.lease_ms / 3) {
    if (auto leased = store_.LeaseWebhookStreams(owner_, now_ms, now_ms + options_.lease_ms);
        leased) {
      lease_renewed_ms_ = now_ms;
      lease_wanted_ = false;
    } else {
      log::Warn("webhook_lease_failed", "leasing endpoints failed",
                {{"error", leased.error().internal}});
    }
  }
  std::map<EndpointKey, store::WebhookEndpoint> listed;
  std::string after_org;
  std::string after_id;
  for (;;) {
    auto page = store_.ListEveryWebhook(after_org, after_id, kEndpointPage);
    if (!page.ok()) {
      log::Warn("webhook_list_failed", "listing endpoints failed",
                {{"error", page.error().internal}});
      return;  // keep delivering what it delivered
    }
    for (store::WebhookEndpoint& e : *page) {
      EndpointKey key{e.org_id, e.id};
      listed.emplace(std::move(key), std::move(e));
    }
    if (page->size() < static_cast<std::size_t>(kEndpointPage)) break;
    after_org = listed.rbegin()->first.first;
    after_id = listed.rbegin()->first.second;
  }
  // Opened secrets no endpoint has any longer (rotated, deleted) are forgotten.
  std::set<std::string_view> in_use;
  for (const auto& [key, row] : listed) {
    in_use.insert(row.secret);
    in_use.insert(row.previous_secret);
  }
  std::erase_if(opened_secrets_, [&](const auto& entry) { return !in_use.contains(entry.first); });
  for (auto it = delivering_.begin(); it != delivering_.end();) {
    const auto row = listed.find(it->first);
    const bool mine = row != listed.end() && row->second.enabled &&
                      row->second.lease_owner == owner_ && row->second.lease_until_ms > now_ms;
    it = mine ? std::next(it) : delivering_.erase(it);
  }
  for (auto& [key, row] : listed) {
    if (!row.enabled) continue;
    if (row.lease_owner != owner_ || row.lease_until_ms <= now_ms) {
      if (row.lease_until_ms <= now_ms) lease_wanted_ = true;  // nobody delivers it
      continue;
    }
    auto [it, added] = delivering_.try_emplace(key, row);
    Delivering& d = it->second;
    // Moved by someone else (a replay, enabling it again), or new here: its window starts
    // over from the cursor.
    if (added || d.stream.cursor() != row.cursor) {
      d.generation = next_generation_++;
      d.stream = EndpointStream(row.cursor);
      d.log_exhausted = false;
      if (added || !d.health_dirty) {
        d.health = {
            row.org_id,         row.id, row.last_success_at_ms, row.failing_since_ms, row.failures,
            row.probe_after_ms, false};
      }
    } else if (!d.health_dirty && row.probe_after_ms < d.health.probe_after_ms) {
      d.health.probe_after_ms = row.probe_after_ms;  // a retry asked for: probe now
    }
    d.endpoint = std::move(row);
  }
}

Result<std::string> Dispatcher::PlanOf(const std::string& org_id) {
  if (auto it = plans_.find(org_id); it != plans_.end()) return it->second;
  auto org = store_.GetOrg(org_id);
  if (!org.ok()) return std::move(org).error();
  plans_[org_id] = org->plan;
  return org->plan;
}

void Dispatcher::ReadLogs() {
  auto watermark = store_.EventsWatermark();
  const bool moved = !watermark.ok() || *watermark != watermark_;
  if (watermark.ok()) watermark_ = std::move(*watermark);
  for (auto& [key, d] : delivering_) {
    if (moved) d.log_exhausted = false;
    if (d.log_exhausted || d.stream.size() >= static_cast<std::size_t>(kWindow)) continue;
    if (d.health.failures > 0 && d.stream.size() > 0) continue;  // probed: one at a time
    auto plan = PlanOf(d.endpoint.org_id);
    if (!plan.ok()) {
      log::Warn("webhook_org_unreadable", "the org of an endpoint could not be read",
                {{"endpoint", d.endpoint.id},
                 {"org", d.endpoint.org_id},
                 {"error", plan.error().internal}});
      continue;
    }
    ReadLog(key, d, *plan);
  }
}

void Dispatcher::ReadLog(const EndpointKey& key, Delivering& d, const std::string& plan) {
  const Principal reader{key.first, plan, "webhooks", "system"};
  const store::EventPosition from = d.stream.read_to();
  const int room = d.health.failures > 0 ? 1 : kWindow - static_cast<int>(d.stream.size());
  auto page = events_.After(reader, from, room);
  if (!page.ok()) {
    log::Warn("webhook_log_read_failed", "reading the change log for an endpoint failed",
              {{"endpoint", key.second}, {"org", key.first}, {"error", page.error().internal}});
    return;
  }
  auto& [views, last] = *page;
  d.log_exhausted = last == from;
  if (views.empty()) {
    d.stream.Append({}, {}, last);
    return;
  }
  // The contacts whose later events wait behind a parked delivery, as of now (before the
  // events just read are sent).
  auto held = store_.HeldContacts(key.first, key.second);
  if (!held.ok()) {
    log::Warn("webhook_held_read_failed", "reading the held contacts of an endpoint failed",
              {{"endpoint", key.second}, {"org", key.first}, {"error", held.error().internal}});
    return;  // read again next round
  }
  d.stream.SetHeldContacts(std::move(held).value());
  std::vector<StreamEvent> events;
  std::vector<std::string> erased;
  const std::int64_t now_ms = NowMillis();
  for (const contacts::EventView& view : views) {
    if (view.erased) erased.push_back(view.event.contact.id);
    if (!contacts::PatternsMatch(d.endpoint.events, view.type)) continue;
    metrics_.read_lag_seconds.Observe(
        static_cast<double>(std::max<std::int64_t>(0, now_ms - view.event.occurred_at_ms)) / 1000);
    StreamEvent event;
    event.position = view.event.position;
    event.delivery.event_id = contacts::EventIdOf(view.event.position.seq);
    event.delivery.contact_id = view.event.contact.id;
    api::AppendEventJson(event.delivery.payload, model_, view);
    events.push_back(std::move(event));
  }
  d.stream.Append(std::move(events), erased, last);
}

int Dispatcher::Budget(const Delivering& d, std::int64_t now_ms) const {
  const auto held = in_flight_.find({d.endpoint.org_id, d.endpoint.id});
  const int in_flight = held == in_flight_.end() ? 0 : held->second;
  return std::min(AttemptBudget(d.health, now_ms, in_flight, options_.max_in_flight_per_endpoint),
                  options_.max_in_flight - in_flight_total_);
}

void Dispatcher::Record(std::int64_t now_ms, bool all) {
  store::DispatchRecord record;
  record.owner = owner_;
  record.now_ms = now_ms;
  std::vector<std::pair<EndpointKey, EndpointStream::PrefixCommit>> prefixes;
  std::vector<EndpointKey> healths;
  for (auto& [key, d] : delivering_) {
    if (auto prefix = d.stream.Commit(key.first, key.second)) {
      const std::int64_t since = now_ms - d.last_commit_ms;
      if (all || prefix->slots >= kRecordBatch || (prefix->slots > 0 && since >= kRecordAfterMs) ||
          since >= kRecordSkipsAfterMs) {
        // Healthy again since (a later attempt succeeded): its failed ones are due at once, as
        // the parked ones are when it recovers.
        if (d.health.failures == 0) {
          for (store::StreamedEvent& event : prefix->commit.events) {
            if (!event.attempt || !event.attempt->next_attempt_at_ms) continue;
            event.attempt->next_attempt_at_ms =
                std::min(*event.attempt->next_attempt_at_ms, now_ms);
          }
        }
        record.streams.push_back(prefix->commit);
        prefixes.emplace_back(key, std::move(*prefix));
      }
    }
    const bool committing = !prefixes.empty() && prefixes.back().first == key;
    if (d.health_dirty || (d.success_unwritten && committing)) {
      record.health.push_back(d.health);
      healths.push_back(key);
    }
  }
  record.outcomes = outcomes_;
  if (record.streams.empty() && record.outcomes.empty() && record.health.empty()) return;
  auto applied = store_.RecordDispatch(record);
  if (!applied.ok()) {
    // Kept, and recorded with the next; a parked delivery's lease may end first, and it is
    // sent again: at least once, never lost.
    log::Warn("webhook_record_failed", "recording deliveries failed",
              {{"error", applied.error().internal}});
    return;
  }
  outcomes_.clear();
  for (const EndpointKey& key : healths) {
    Delivering& d = delivering_.at(key);
    d.health_dirty = false;
    d.success_unwritten = false;
    d.health.recovered = false;
  }
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const auto& [key, prefix] = prefixes[i];
    auto it = delivering_.find(key);
    if ((*applied)[i]) {
      it->second.stream.Committed(prefix);
      it->second.last_commit_ms = now_ms;
    } else {
      // Moved by a replay or by enabling it again, or leased to another process meanwhile:
      // the next listing starts it over from where it is, if it is still this process's.
      delivering_.erase(it);
    }
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
    log::Warn("webhook_disable_failed", "disabling failing endpoints failed",
              {{"error", disabled.error().internal}});
    return;
  }
  for (const store::WebhookEndpoint& endpoint : *disabled) {
    log::Info("webhook_disabled", "an endpoint was disabled: no success for too long",
              {{"endpoint", endpoint.id},
               {"org", endpoint.org_id},
               {"failing_since", FormatTimestamp(endpoint.failing_since_ms)}});
  }
}

}  // namespace contactsd::webhooks
