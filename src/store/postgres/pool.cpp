#include "store/postgres/pool.hpp"

#include <utility>

namespace contactsd::store::postgres {

Pool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Release(std::move(connection_));
}

Pool::Pool(std::string conninfo, int size, std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)), size_(size), acquire_timeout_(acquire_timeout) {
  idle_.reserve(static_cast<std::size_t>(size_));
}

Result<Pool::Lease> Pool::Acquire() {
  const auto began = std::chrono::steady_clock::now();
  const auto deadline = began + acquire_timeout_;
  auto waited = [&] {
    wait_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  };
  for (;;) {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(mu_);
      if (!idle_cv_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < size_; })) {
        return Error::Unavailable("postgres: no pooled connection came free within " +
                                  std::to_string(acquire_timeout_.count()) + " ms");
      }
      if (idle_.empty()) {
        ++open_;
      } else {
        // Last in, first out: the most recently used connection is the least likely to have
        // been closed by an idle timeout somewhere on the way.
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (connection != nullptr) {
      if (connection->CheckAlive()) {
        waited();
        return Lease(this, std::move(connection));
      }
      connection.reset();  // the server went away (a restart): open a new one instead
      Forget();
      continue;
    }
    // Connecting is a network round trip or more: never under the lock.
    auto opened = Connection::Open(conninfo_);
    if (!opened) {
      Forget();
      return std::move(opened).error();
    }
    waited();
    return Lease(this, std::move(*opened));
  }
}

void Pool::Forget() {
  {
    std::lock_guard lock(mu_);
    --open_;
  }
  idle_cv_.notify_one();
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  // A transaction left open (an early return) is rolled back here, so that every method can
  // simply return on error. A connection that cannot be brought back to idle is dropped.
  if (connection->usable() && !connection->idle()) (void)connection->Run(Query(Sql::kRollback));
  if (!connection->usable() || !connection->idle()) {
    connection.reset();
    Forget();
    return;
  }
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
  }
  idle_cv_.notify_one();
}

}  // namespace contactsd::store::postgres
