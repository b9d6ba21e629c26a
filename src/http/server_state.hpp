// What a Server shares with its sessions: the immutable configuration (limits, router, access log)
// and the registry of live sessions that a shutdown walks. No Beast here.
#pragma once

#include "api/request.hpp"
#include "http/access_log.hpp"
#include "http/limits.hpp"
#include "http/router.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace contactsd::http {

class Session;

class ServerState {
 public:
  ServerState(RequestLimits limits, std::vector<api::Route> routes, bool access_log);

  const RequestLimits limits;
  const Router router;
  const AccessLog access_log;

  // Set once when the server begins to shut down; sessions then answer with Connection: close.
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void set_stopping() { stopping_.store(true, std::memory_order_release); }

  // Thread-safe. A session registers when it starts and unregisters in its destructor.
  void Register(Session* session, std::weak_ptr<Session> handle);
  void Unregister(Session* session);
  std::size_t session_count() const;
  // The sessions still alive.
  std::vector<std::shared_ptr<Session>> Sessions() const;

 private:
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace contactsd::http
