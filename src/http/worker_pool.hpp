// The bounded pool that runs the handlers of requests that may write (private to src/http), so
// that a handler waiting for a commit's disk sync parks a worker, never an I/O thread.
//
// An asio::thread_pool rather than threads of our own: it is already compiled once (beast_impl),
// takes move-only jobs with recycled allocations, and its join() runs every queued job to the end,
// which is what a graceful shutdown needs. What it lacks is a bound on its queue; one atomic
// counter, checked before posting, adds that.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace contactsd::http {

class WorkerPool {
 public:
  // `threads` >= 1. At most `max_queued` jobs wait for a thread; TrySubmit refuses more.
  WorkerPool(int threads, std::size_t max_queued);
  // Join()s if Start() was called.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the threads. Call once, before the first TrySubmit.
  void Start();

  // Thread-safe. Queues `job` (a callable `void()`) unless max_queued jobs are already waiting
  // for a thread; then returns false and leaves `job` as it was, so the caller can still answer.
  // A job's exception is logged and swallowed (asio would terminate the process).
  // REQUIRES: Start() was called and Join() was not.
  template <class Job>
  bool TrySubmit(Job&& job) {
    static_assert(!std::is_lvalue_reference_v<Job>, "pass the job as an rvalue");
    if (!Reserve()) return false;
    try {
      boost::asio::post(*pool_, [this, job = std::move(job)]() mutable {
        queued_.fetch_sub(1, std::memory_order_relaxed);
        try {
          job();
        } catch (const std::exception& e) {
          LogJobFailure(e.what());
        } catch (...) {
          LogJobFailure("a non-std exception");
        }
      });
    } catch (...) {  // e.g. bad_alloc: nothing was queued
      queued_.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
    return true;
  }

  // Waits until every queued and running job has finished, then stops the threads. Jobs may
  // still be running from other threads' submissions until it returns. Call at most once; no
  // TrySubmit may start after it.
  void Join();

  // Jobs waiting for a thread (not those running). For logs and tests.
  std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }

 private:
  bool Reserve();
  static void LogJobFailure(const char* what);

  const int threads_;
  const std::size_t max_queued_;
  std::optional<boost::asio::thread_pool> pool_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> saturated_{false};  // to log once per episode of refusals, not per request
  bool joined_ = false;
};

}  // namespace contactsd::http
