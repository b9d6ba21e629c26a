// Every limit the HTTP transport enforces, in one place; each one is tested in server_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>

namespace contactsd::http {

struct RequestLimits {
  std::size_t max_body_bytes = 1 << 20;             // larger → 413 JSON error, then close
  std::size_t max_header_bytes = 16 << 10;          // larger → 431 JSON error, then close
  std::chrono::milliseconds header_timeout{10000};  // to receive a complete request header
  std::chrono::milliseconds body_timeout{30000};    // to receive the body after the header
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
  std::chrono::milliseconds write_timeout{30000};   // to write one response
  std::size_t max_connections = 10000;              // further connections are closed at once
  // Requests waiting for a worker thread (ServerOptions::worker_threads); one more that needs a
  // worker is answered 503 JSON ("unavailable", Retry-After: 1) at once, not queued without bound.
  std::size_t max_worker_queue = 4096;
};

}  // namespace contactsd::http
