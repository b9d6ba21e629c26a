#include "http/worker_pool.hpp"

#include "common/log.hpp"

#include <algorithm>

namespace contactsd::http {

WorkerPool::WorkerPool(int threads, std::size_t max_queued)
    : threads_(std::max(1, threads)), max_queued_(max_queued) {}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Start() { pool_.emplace(static_cast<std::size_t>(threads_)); }

void WorkerPool::Join() {
  if (!pool_ || joined_) return;
  joined_ = true;
  pool_->join();  // asio: lets the pool run out of work, i.e. finish every queued job
}

bool WorkerPool::Reserve() {
  std::size_t queued = queued_.load(std::memory_order_relaxed);
  do {
    if (queued >= max_queued_) {
      if (!saturated_.exchange(true, std::memory_order_relaxed)) {
        log::Warn("workers_saturated", "requests wait for a worker: answering 503 until one frees",
                  {{"queued", queued}});
      }
      return false;
    }
  } while (!queued_.compare_exchange_weak(queued, queued + 1, std::memory_order_relaxed));
  if (saturated_.load(std::memory_order_relaxed)) {  // a load first: no write per job
    saturated_.store(false, std::memory_order_relaxed);
  }
  return true;
}

void WorkerPool::LogJobFailure(const char* what) { log::Error("worker_job_failed", what); }

}  // namespace contactsd::http
