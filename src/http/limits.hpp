// Every limit the HTTP transport enforces, in one place; each one is tested in server_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace contactsd::http {

struct RequestLimits {
  std::size_t max_body_bytes = 1 << 20;  // larger → 413 JSON error, then close
  // A route that takes its body piece by piece (an import): the whole body at most this, and
  // each piece handed over at about piece_bytes (what such a request holds at a time).
  std::uint64_t max_streamed_body_bytes = std::uint64_t{64} << 30;
  std::size_t piece_bytes = 256 << 10;
  std::size_t max_header_bytes = 16 << 10;          // larger → 431 JSON error, then close
  std::size_t max_target_bytes = 8 << 10;           // a longer request target → 414, then close
  std::chrono::milliseconds header_timeout{10000};  // to receive a complete request header
  std::chrono::milliseconds body_timeout{30000};    // to receive the body after the header
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
  std::chrono::milliseconds write_timeout{30000};   // to write one response
  // Past it, idle connections are shed (the longest idle first) to make room; with none idle,
  // a new connection is closed at once.
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_ip = 256;  // more from one address are closed at once
  // Request bodies held by all connections together while they arrive: a body that does not fit
  // is answered 503 (Retry-After: 1) before it is read, and the connection closed.
  std::size_t max_buffered_body_bytes = 64 << 20;
  // Answers over large_answer_bytes held by all connections together while they are sent: one
  // that does not fit is replaced by a 503 (Retry-After: 1), so slow readers cannot pile up
  // memory.
  std::size_t max_buffered_answer_bytes = 64 << 20;
  std::size_t large_answer_bytes = 64 << 10;
  // Requests waiting for a worker thread (ServerOptions::worker_threads); one more that needs a
  // worker is answered 503 JSON ("unavailable", Retry-After: 1) at once, not queued without bound.
  std::size_t max_worker_queue = 4096;
  // Requests waiting for a bulk thread (ServerOptions::bulk_threads); past it 503 as above.
  std::size_t max_bulk_queue = 256;
};

}  // namespace contactsd::http
