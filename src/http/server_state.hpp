// What a Server shares with its sessions: the immutable configuration (limits, router, access log,
// the worker pool) and the registry of live sessions that a shutdown walks. No Beast here.
#pragma once

#include "api/request.hpp"
#include "http/access_log.hpp"
#include "http/limits.hpp"
#include "http/router.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace contactsd::http {

class Session;
class WorkerPool;

class ServerState {
 public:
  // `workers` is owned by the Server and outlives every session's use of it; null runs every
  // handler on the I/O threads.
  ServerState(RequestLimits limits, std::vector<api::Route> routes, bool access_log,
              WorkerPool* workers);

  const RequestLimits limits;
  const Router router;
  const AccessLog access_log;
  // Where handlers of requests that may write (every method but GET and HEAD) run.
  WorkerPool* const workers;

  // Set once when the server begins to shut down; sessions then answer with Connection: close.
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void set_stopping() { stopping_.store(true, std::memory_order_release); }

  // Thread-safe. A session registers when it starts and unregisters in its destructor.
  void Register(Session* session, std::weak_ptr<Session> handle);
  void Unregister(Session* session);
  std::size_t session_count() const;
  // The sessions still alive.
  std::vector<std::shared_ptr<Session>> Sessions() const;

  // Thread-safe. Counts the asynchronous answers handed to handlers and not yet posted back to
  // the I/O loop: the server must not return (and its loop die) while another thread may
  // still post to it.
  void BeginReply();
  void EndReply();
  // Blocks until every reply begun has ended.
  void WaitForReplies();

 private:
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<std::size_t> replies_{0};
  std::mutex replies_mu_;  // for WaitForReplies only: counting takes no lock
  std::condition_variable replies_done_;
};

}  // namespace contactsd::http
