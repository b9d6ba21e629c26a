// Pool: up to N connections to one database, opened on first need and reused. A connection
// goes back to the pool only usable and idle: one returned inside a transaction is rolled back,
// a lost one is dropped. Before reuse, an idle connection is checked for a server that went
// away meanwhile (a restart), and replaced by a new connection if so.
//
// Thread-safe. Acquire() waits while all N connections are leased.
#pragma once

#include "common/metric_cells.hpp"
#include "common/result.hpp"
#include "store/postgres/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace contactsd::store::postgres {

class Pool {
 public:
  // A connection on loan; returned to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // `conninfo` is a libpq URL or connection string. REQUIRES: size >= 1.
  Pool(std::string conninfo, int size, std::chrono::milliseconds acquire_timeout);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Errors: Unavailable when no connection frees up within the acquire timeout, or a new one
  // cannot be opened (the server is down).
  Result<Lease> Acquire();

  int size() const { return size_; }
  // How long each Acquire waited for a connection (seconds), a new one's connect included.
  const metrics::Histogram& wait_seconds() const { return wait_seconds_; }

 private:
  void Release(std::unique_ptr<Connection> connection);
  void Forget();  // one fewer connection open

  metrics::Histogram wait_seconds_{metrics::LatencyBounds()};
  const std::string conninfo_;
  const int size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // guarded by mu_: idle + leased + opening
};

}  // namespace contactsd::store::postgres
