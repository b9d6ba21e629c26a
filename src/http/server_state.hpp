// What a Server shares with its sessions: the immutable configuration (limits, router, access log,
// the worker pool) and the registry of live sessions that a shutdown walks. No Beast here.
#pragma once

#include "api/request.hpp"
#include "http/access_log.hpp"
#include "http/byte_budget.hpp"
#include "http/cors.hpp"
#include "http/limits.hpp"
#include "http/request_metrics.hpp"
#include "http/router.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace contactsd::http {

class Session;
class WorkerPool;

class ServerState {
 public:
  // The pools are owned by the Server and outlive every session's use of them; null runs their
  // handlers on the I/O threads.
  struct Pools {
    WorkerPool* writes = nullptr;
    WorkerPool* bulk = nullptr;
  };
  ServerState(RequestLimits limits, std::vector<api::Route> routes, bool access_log, Pools pools,
              CorsPolicy cors, const std::vector<std::string>& auth_schemes);

  const RequestLimits limits;
  const Router router;
  const AccessLog access_log;
  RequestMetrics request_metrics;  // of the router's routes: declared after it
  // Where handlers of requests that may write (every method but GET and HEAD) run.
  WorkerPool* const workers;
  // Where the handlers of routes with large answers run, a few at a time (ServerOptions).
  WorkerPool* const bulk_workers;
  const CorsPolicy cors;
  // The WWW-Authenticate value of a 401, for a request that sent no credential and one that did.
  const std::string challenge;
  const std::string challenge_invalid_token;
  // Request bodies being received, and large answers being sent, by every connection.
  ByteBudget body_bytes;
  ByteBudget answer_bytes;

  // Set once when the server begins to shut down; sessions then answer with Connection: close.
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void set_stopping() { stopping_.store(true, std::memory_order_release); }

  // Thread-safe. A session registers when it starts and unregisters in its destructor;
  // `address` is its client's (a key: an IPv4-mapped IPv6 address written as IPv4).
  void Register(Session* session, std::weak_ptr<Session> handle, const std::string& address);
  void Unregister(Session* session);
  std::size_t session_count() const;
  std::size_t ConnectionsFrom(const std::string& address) const;
  // The most sessions alive at once since the last call; starts again from the count now.
  std::size_t TakeSessionPeak();
  // The sessions still alive.
  std::vector<std::shared_ptr<Session>> Sessions() const;
  // Asks up to `count` idle sessions, the longest idle first, to close; returns how many were
  // asked (they close on their own loops, soon after). A session asked once is not counted
  // again while it closes.
  std::size_t ShedIdle(std::size_t count);

  // Thread-safe. Counts the asynchronous answers handed to handlers and not yet posted back to
  // the I/O loop: the server must not return (and its loop die) while another thread may
  // still post to it.
  void BeginReply();
  void EndReply();
  // Blocks until every reply begun has ended.
  void WaitForReplies();

 private:
  std::atomic<bool> stopping_{false};
  struct Entry {
    std::weak_ptr<Session> handle;
    std::string address;
  };
  mutable std::mutex mu_;
  std::unordered_map<Session*, Entry> sessions_;              // mu_
  std::unordered_map<std::string, std::size_t> per_address_;  // mu_: live sessions per client
  std::size_t session_peak_ = 0;                              // mu_
  std::atomic<std::size_t> replies_{0};
  std::mutex replies_mu_;  // for WaitForReplies only: counting takes no lock
  std::condition_variable replies_done_;
};

}  // namespace contactsd::http
