#include "http/server_state.hpp"

#include "http/session.hpp"

#include <algorithm>
#include <utility>

namespace contactsd::http {
namespace {

// "Bearer realm=\"contactsd\", ApiKey realm=\"contactsd\"", and the Bearer challenge's RFC
// 6750 §3 error when the request had a credential that failed.
std::string Challenge(const std::vector<std::string>& schemes, bool invalid_token) {
  std::string value;
  for (const std::string& scheme : schemes) {
    if (!value.empty()) value += ", ";
    value += scheme + " realm=\"contactsd\"";
    if (invalid_token && scheme == "Bearer") value += ", error=\"invalid_token\"";
  }
  return value;
}

}  // namespace

ServerState::ServerState(RequestLimits limits, std::vector<api::Route> routes, bool access_log,
                         Pools pools, CorsPolicy cors, const std::vector<std::string>& auth_schemes)
    : limits(limits),
      router(std::move(routes)),
      access_log(access_log),
      request_metrics(router),
      workers(pools.writes),
      bulk_workers(pools.bulk),
      cors(std::move(cors)),
      challenge(Challenge(auth_schemes, false)),
      challenge_invalid_token(Challenge(auth_schemes, true)),
      body_bytes(limits.max_buffered_body_bytes),
      answer_bytes(limits.max_buffered_answer_bytes) {}

void ServerState::Register(Session* session, std::weak_ptr<Session> handle,
                           const std::string& address) {
  std::lock_guard lock(mu_);
  sessions_.emplace(session, Entry{std::move(handle), address});
  ++per_address_[address];
  session_peak_ = std::max(session_peak_, sessions_.size());
}

std::size_t ServerState::TakeSessionPeak() {
  std::lock_guard lock(mu_);
  return std::exchange(session_peak_, sessions_.size());
}

void ServerState::Unregister(Session* session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  auto count = per_address_.find(it->second.address);
  if (count != per_address_.end() && --count->second == 0) per_address_.erase(count);
  sessions_.erase(it);
}

std::size_t ServerState::ConnectionsFrom(const std::string& address) const {
  std::lock_guard lock(mu_);
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

std::size_t ServerState::ShedIdle(std::size_t count) {
  std::vector<std::pair<std::int64_t, std::shared_ptr<Session>>> idle;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, entry] : sessions_) {
      const std::int64_t since = key->idle_since();
      if (since < 0) continue;
      if (auto session = entry.handle.lock()) idle.emplace_back(since, std::move(session));
    }
  }
  std::sort(idle.begin(), idle.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t shed = 0;
  for (auto& [since, session] : idle) {
    if (shed == count) break;
    // Claimed once: a session still closing is idle no more, so the next call sheds another.
    if (!session->ClaimIdle(since)) continue;  // busy again meanwhile
    session->Shutdown(false);
    ++shed;
  }
  return shed;
}

std::size_t ServerState::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> ServerState::Sessions() const {
  std::vector<std::shared_ptr<Session>> alive;
  std::lock_guard lock(mu_);
  alive.reserve(sessions_.size());
  for (const auto& [key, entry] : sessions_) {
    if (auto session = entry.handle.lock()) alive.push_back(std::move(session));
  }
  return alive;
}

void ServerState::BeginReply() { replies_.fetch_add(1, std::memory_order_relaxed); }

void ServerState::EndReply() {
  if (replies_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Taking the lock orders this notification after a waiter's check of the count.
  std::lock_guard lock(replies_mu_);
  replies_done_.notify_all();
}

void ServerState::WaitForReplies() {
  std::unique_lock lock(replies_mu_);
  replies_done_.wait(lock, [this] { return replies_.load(std::memory_order_acquire) == 0; });
}

}  // namespace contactsd::http
