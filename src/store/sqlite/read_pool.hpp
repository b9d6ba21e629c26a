// ReadPool: up to N query-only connections, opened on first need and reused, so that reads run
// in parallel with each other and with the writer (WAL gives each its own snapshot).
//
// Thread-safe. Acquire() waits while all N connections are leased.
#pragma once

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace contactsd::store::sqlite {

class ReadPool {
 public:
  // A connection on loan; returned to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // REQUIRES: options.role is kReader; size >= 1.
  ReadPool(ConnectionOptions options, int size);
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Errors: Unavailable when a new connection cannot be opened.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> connection);

  const ConnectionOptions options_;
  const int size_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // guarded by mu_: idle + leased + opening
};

}  // namespace contactsd::store::sqlite
