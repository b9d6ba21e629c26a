// An asynchronous HTTP/1.1 client for webhook deliveries: POSTs a body to an http or https URL
// and reports the status and the start of the answer, on a thread of its own, with keep-alive
// connections per origin. Destinations are checked against common/address_policy at connect
// time, after name resolution, so a name that resolves to a private address is refused too.
// No Boost in this header: callers outside src/http see plain structs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace contactsd::http {

struct OutboundOptions {
  // Name resolution, TCP connect and TLS handshake together, on a fresh connection.
  std::chrono::milliseconds connect_timeout{5000};
  // The whole exchange, from leaving the queue to the last byte of the answer.
  std::chrono::milliseconds total_timeout{15000};
  // An extra PEM bundle of trusted CAs (private CAs); the system's store is always trusted too.
  std::string ca_file;
  // False: every resolved address is checked with ForbiddenAddressReason, and refused ones are
  // never connected to. True for tests and for deployments that deliver inside their network.
  bool allow_private_addresses = false;
  // Bytes of an answer's body kept in OutboundResult::body.
  std::size_t max_response_body = 4096;
  // Bytes of an answer's body read at most: the rest of a larger answer is not read, and its
  // connection is closed rather than reused.
  std::size_t max_response_read = 64 * 1024;
  // Keep-alive connections kept per origin (scheme://host:port), and for how long.
  std::size_t max_idle_per_origin = 8;
  std::chrono::seconds idle_timeout{30};
  // Exchanges under way at once; further requests wait in an unbounded FIFO queue.
  std::size_t max_in_flight = 256;
};

// Sent as a POST. `headers` are sent as given, after validation (no CR, LF or NUL); Host,
// Content-Length, Transfer-Encoding and Connection are the client's and are not taken from it.
struct OutboundRequest {
  std::string url;  // http:// or https://, no user info
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct OutboundResult {
  int status = 0;  // the answer's HTTP status; 0 when no answer came
  // Empty when an answer came (whatever its status). Otherwise short and human readable:
  // "timeout", "connection refused", "forbidden address 127.0.0.1 (loopback)",
  // "tls: certificate verify failed (...)", "dns: host not found", "invalid url", "shutdown".
  std::string error;
  std::int64_t latency_ms = 0;  // from leaving the queue to the result
  std::string body;             // the first max_response_body bytes of the answer's body
};

class OutboundClient {
 public:
  // Starts the client's I/O thread. Throws if `options.ca_file` cannot be loaded, or if a
  // timeout or max_in_flight is not positive.
  explicit OutboundClient(OutboundOptions options);
  // Completes every queued and unfinished request with the error "shutdown", then stops the
  // thread. May wait for a name resolution under way (the resolver cannot be interrupted).
  ~OutboundClient();
  OutboundClient(const OutboundClient&) = delete;
  OutboundClient& operator=(const OutboundClient&) = delete;

  // Thread-safe. Sends `request`; `done` runs exactly once, on the client's thread (so it should
  // be quick: it holds up every other exchange), with the result (an exception it throws is
  // logged and dropped). Redirects are not followed: a 3xx is
  // a result like any other. A request that failed on a reused keep-alive connection before
  // any byte of the answer came is sent once more on a fresh one, so a receiver may rarely see
  // a delivery twice. REQUIRES: the destructor has not started, unless called from a `done`.
  void Post(OutboundRequest request, std::function<void(OutboundResult)> done);
  // Post, for each of them, handed to the client's thread at once (one wake-up for the lot).
  struct Job {
    OutboundRequest request;
    std::function<void(OutboundResult)> done;
  };
  void PostAll(std::vector<Job> jobs);

 private:
  class Core;
  std::unique_ptr<Core> core_;
};

}  // namespace contactsd::http
