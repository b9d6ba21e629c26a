#include "store/sqlite/read_pool.hpp"

#include <utility>

namespace contactsd::store::sqlite {

ReadPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Release(std::move(connection_));
}

ReadPool::ReadPool(ConnectionOptions options, int size)
    : options_(std::move(options)), size_(size) {
  idle_.reserve(static_cast<std::size_t>(size_));
}

Result<ReadPool::Lease> ReadPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      // Last in, first out: the most recently used connection has the warmest page cache.
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;
  }
  // Opening touches the file system: do it outside the lock.
  auto connection = Connection::Open(options_);
  if (!connection) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    idle_cv_.notify_one();
    return std::move(connection).error();
  }
  return Lease(this, std::move(*connection));
}

void ReadPool::Release(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
  }
  idle_cv_.notify_one();
}

}  // namespace contactsd::store::sqlite
