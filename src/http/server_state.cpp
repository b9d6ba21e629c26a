#include "http/server_state.hpp"

#include <utility>

namespace contactsd::http {

ServerState::ServerState(RequestLimits limits, std::vector<api::Route> routes, bool access_log,
                         WorkerPool* workers)
    : limits(limits), router(std::move(routes)), access_log(access_log), workers(workers) {}

void ServerState::Register(Session* session, std::weak_ptr<Session> handle) {
  std::lock_guard lock(mu_);
  sessions_.emplace(session, std::move(handle));
}

void ServerState::Unregister(Session* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
}

std::size_t ServerState::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> ServerState::Sessions() const {
  std::vector<std::shared_ptr<Session>> alive;
  std::lock_guard lock(mu_);
  alive.reserve(sessions_.size());
  for (const auto& [key, handle] : sessions_) {
    if (auto session = handle.lock()) alive.push_back(std::move(session));
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
