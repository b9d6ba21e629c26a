// The HTTP server: accepts connections, reads requests within RequestLimits, routes them to the
// api::Route handlers and writes their answers. Beast and Asio stay behind the pimpl, so the app
// can include this header cheaply.
//
//   http::Server server({.host = "0.0.0.0", .port = 8080, .threads = 1}, api::AllRoutes(...));
//   server.Listen();  // throws std::runtime_error, e.g. "cannot listen on 0.0.0.0:8080: ..."
//   server.Run();     // blocks until Stop() or SIGINT/SIGTERM, then drains and returns
//
// Threads: each of `threads` runs an I/O loop of its own, which owns a share of the connections
// (round robin) and runs their GET/HEAD handlers and the asynchronous handlers that only queue
// their work; `worker_threads` run the handlers of every other method (which may wait for a
// commit's disk sync), so that a write never parks an I/O thread that other connections need.
#pragma once

#include "api/request.hpp"
#include "http/limits.hpp"
#include "http/request_metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace contactsd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an address or a name; resolved once by Listen()
  std::uint16_t port = 8080;       // 0: any free port, see Server::port()
  int threads = 1;                 // I/O threads, each with a loop of its own
  // Threads running the handlers of every other method; their queue is bounded by
  // limits.max_worker_queue. 0 runs them on the I/O threads too (one slow commit then stalls
  // every connection of that thread).
  int worker_threads = 16;
  // Threads building large answers (routes with large_answers, e.g. list pages), off the I/O
  // threads and a few at a time: a client asking for many pages at once then costs at most
  // these threads' share of the CPU, and other connections stay quick. Their queue is bounded by
  // limits.max_bulk_queue (503 past it). 0 runs those handlers on the I/O threads.
  int bulk_threads = 1;
  RequestLimits limits;
  bool access_log = true;  // one logfmt line per request on stderr
  // Origins whose browser apps may call the API (CORS), or {"*"}; empty: CORS off.
  std::vector<std::string> cors_origins;
  // The WWW-Authenticate challenges of a 401 (RFC 9110 §11.6.1), one per scheme, each with
  // realm="contactsd"; a Bearer one adds error="invalid_token" when a credential was sent.
  std::vector<std::string> auth_schemes = {"Bearer"};
  // After Stop() or a signal: how long in-flight requests may take before their connections are
  // closed anyway.
  std::chrono::milliseconds shutdown_timeout{10000};
  // Called once when the shutdown begins (on the server's control thread), before it waits for
  // the requests in flight: for whatever holds requests open on its own (long polls) to answer
  // them now. Must be quick.
  std::function<void()> on_shutdown;
};

// What the server holds right now; for tests, and for metrics.
struct ServerStats {
  std::size_t connections = 0;
  std::size_t worker_queue = 0;  // requests waiting for a worker thread
  std::size_t bulk_queue = 0;    // requests waiting for a bulk thread
};

class Server {
 public:
  // Throws std::invalid_argument for a malformed route pattern or a duplicate route.
  Server(ServerOptions options, std::vector<api::Route> routes);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Resolves the host, binds and listens. Throws std::runtime_error with a clear message (e.g.
  // the address is in use). Call once, before Run().
  void Listen();

  // The bound port (useful when options.port is 0). REQUIRES: Listen() returned.
  std::uint16_t port() const;

  // Serves on options.threads threads (this one included) plus the worker pool until Stop() or
  // SIGINT/SIGTERM; then stops accepting, closes idle keep-alive connections, lets in-flight
  // requests finish (at most options.shutdown_timeout), closes the rest and returns. One request
  // at a time per connection. Never returns while a handler is still running (handlers use objects
  // that the caller destroys after Run()): a handler stuck past the timeout loses its connection
  // but is still waited for. Calls Listen() first if it has not been called. Call once.
  void Run();

  // Thread-safe.
  ServerStats stats() const;
  // What it has answered, per route (thread-safe; lives as long as the server).
  const RequestMetrics& request_metrics() const;

  // Begins the shutdown described for Run(). Thread-safe; may be called before Run() (which then
  // returns at once), from a handler, or more than once.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactsd::http
