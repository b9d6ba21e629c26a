// `contactsd serve`: open the store, load the model, and serve the API until a signal.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace contactsd::app {

// PostgreSQL does its own group commit and gains nothing from more concurrent transactions than
// this on a small machine: with 64 connections on 2 cores, PATCH throughput fell by a third and
// lock waits pushed p99 past a second (docs/benchmarks.md), so by default the writes beyond
// these wait for a pooled connection instead.
inline constexpr int kDefaultPoolWorkers = 16;
// On SQLite each worker waits out its write's commit, so the number of writes that can share
// one group commit is at most this many: 64 lets 64 concurrent creates all join the next
// batch. A waiting thread costs a futex sleep and a small stack, not a core.
inline constexpr int kSqliteWorkers = 64;

// Long polls of the event feed (?wait=): how often their thread reads the events watermark
// while any wait (the most an answer lags its event's commit), and how many may wait at once
// (503 past it); each holds a connection and a few hundred bytes, no thread.
inline constexpr std::chrono::milliseconds kFeedWaitTick{25};
inline constexpr std::size_t kMaxFeedWaiters = 1024;

// How often the API keys' last use is written (`key list` shows it this late at most).
inline constexpr std::chrono::seconds kKeyUsesFlush{30};

struct ServeConfig {
  std::string program = "contactsd";  // how it was invoked (argv[0]), for the quick start
  std::string db_url;
  std::string model;   // a built-in name or a path
  std::string listen;  // HOST:PORT
  // HOST:PORT of a listener of its own for GET /metrics; empty: /metrics on `listen`.
  std::string metrics_listen;
  int threads = 2;
  // Run the handlers of writes, off the I/O threads. Unset: kSqliteWorkers on SQLite; on
  // PostgreSQL one per pooled connection beyond the I/O threads' share (a worker beyond those
  // would only wait for a connection, and those hand-offs cost more CPU than the queue in front
  // of the workers: docs/benchmarks.md).
  std::optional<int> worker_threads;
  // PostgreSQL connections; 0: threads + min(worker_threads, kDefaultPoolWorkers), i.e.
  // threads + 16 unless --worker-threads is set lower.
  int db_pool = 0;
  std::string sqlite_sync = "full";  // "full" or "normal": SQLite's synchronous level
  std::string jwt_secret;
  std::string jwt_public_key_path;
  bool access_log = true;
  std::vector<std::string> cors_origins;  // empty: CORS off
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_ip = 256;
  std::size_t max_buffered_mib = 64;    // for request bodies, and again for large answers
  std::string event_retention = "30d";  // common/time.hpp ParseDuration; "0": keep forever
  std::string idempotency_ttl = "24h";  // how long an Idempotency-Key's answer is replayed
  // Webhooks (docs/webhooks.md).
  std::string webhook_retry_schedule = "5s,5m,30m,2h,5h,10h,10h";
  std::string webhook_connect_timeout = "5s";
  std::string webhook_timeout = "15s";
  std::string webhook_disable_after = "5d";
  std::string webhook_log_retention = "7d";  // settled deliveries and their attempts
  std::string webhook_ca_file;
  // Seals webhook signing secrets at rest. Empty: on SQLite, the file beside the database
  // (DB.secrets-key, made at the first start); on PostgreSQL, none (stored in clear, warned).
  std::string secrets_key_file;
  bool webhook_allow_private = false;
  bool webhook_allow_http = false;
  // Token buckets (api/rate_limits.hpp): "200/s,burst=400"; empty: none.
  std::string rate_limit;      // per tenant
  std::string key_rate_limit;  // per API key or JWT subject
};

// Returns the process exit code: 0 after a clean shutdown, 1 when it cannot start.
int ServeCommand(const ServeConfig& config);

}  // namespace contactsd::app
