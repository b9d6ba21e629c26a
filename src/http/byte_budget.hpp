// A bound on the bytes all connections together may hold for one purpose (request bodies being
// received, answers being sent), so that many clients cannot add up to an out-of-memory kill.
// Thread-safe and lock-free; a Lease gives its bytes back when it goes.
#pragma once

#include <atomic>
#include <cstddef>

namespace contactsd::http {

class ByteBudget {
 public:
  explicit ByteBudget(std::size_t capacity) : capacity_(capacity) {}

  // Takes `bytes` if they fit in what is left; false (nothing taken) otherwise.
  bool TryTake(std::size_t bytes) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > capacity_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    std::size_t peak = peak_.load(std::memory_order_relaxed);
    while (used + bytes > peak &&
           !peak_.compare_exchange_weak(peak, used + bytes, std::memory_order_relaxed)) {
    }
    return true;
  }
  void Give(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return capacity_; }
  // The most ever taken at once since the last call; starts again from what is taken now.
  std::size_t TakePeak() { return peak_.exchange(used(), std::memory_order_relaxed); }

  // Bytes taken from a budget, given back by Release() or the destructor.
  class Lease {
   public:
    Lease() = default;
    ~Lease() { Release(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    // Takes `bytes` from `budget` into this (empty) lease; false when they do not fit.
    bool Take(ByteBudget& budget, std::size_t bytes) {
      Release();
      if (!budget.TryTake(bytes)) return false;
      budget_ = &budget;
      bytes_ = bytes;
      return true;
    }
    void Release() {
      if (budget_ != nullptr) budget_->Give(bytes_);
      budget_ = nullptr;
    }

   private:
    ByteBudget* budget_ = nullptr;
    std::size_t bytes_ = 0;
  };

 private:
  const std::size_t capacity_;
  std::atomic<std::size_t> used_{0};
  std::atomic<std::size_t> peak_{0};
};

}  // namespace contactsd::http
