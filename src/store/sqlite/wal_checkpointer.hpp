// WalCheckpointer: copies the WAL back into the database file on a thread and connection of
// its own, so that the writer's COMMITs rarely have to.
//
// SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages, on
// the writer: it writes those pages to their places all over the file and syncs it, while the
// batch waits for its answer and the next batch for the writer. With 100,000 contacts under
// random PATCHes that set the latency's tail (p99 32-38 ms; 67 ms with 4,000-page checkpoints,
// docs/benchmarks.md). Here the writer's WAL hook asks this thread for a PASSIVE checkpoint
// from 250 pages on; it runs beside the writer (it takes the checkpoint lock, not the write
// lock) and copies most frames. At 1,000 pages the writer still checkpoints in its COMMIT, as
// SQLite would, but finds little left to copy, and the WAL restarts from its beginning: it
// stays as small as with SQLite's default (measured: p99 18-20 ms, the same throughput).
// A commit of thousands of pages (a batch of 1,000 creates) takes the WAL past 1,000 pages at
// once: then the thread copies it while the writer writes the next, and the writer checkpoints
// only once the thread has caught up, or at kMaxWalPages.
//
// Thread-safe.
#pragma once

#include "store/sqlite/connection.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace contactsd::store::sqlite {

// WAL pages (4 KiB each by default) from which this thread is asked to checkpoint.
inline constexpr int kCheckpointPages = 250;
// WAL pages from which the writer checkpoints in its own COMMIT, when this thread has copied
// all but the last kCheckpointPages of them: SQLite's automatic threshold, so that under
// small commits the WAL never grows past what it would without this thread.
inline constexpr int kWriterCheckpointPages = 1000;
// WAL pages from which the writer checkpoints in its COMMIT whatever this thread has left: the
// bound on the WAL (32 MiB of 4 KiB pages) when large commits (batches, imports of thousands of
// contacts each) outrun the thread.
inline constexpr int kMaxWalPages = 8000;

class WalCheckpointer {
 public:
  // Takes a connection of its own on the same file and starts the thread.
  explicit WalCheckpointer(std::unique_ptr<Connection> connection);
  // Stops the thread (a checkpoint under way finishes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Replaces the automatic checkpoint of `writer` by requests to this thread.
  // REQUIRES: `writer` is closed before this object is destroyed (the hook points here).
  std::unique_ptr<Connection> Attach(std::unique_ptr<Connection> writer);

 private:
  static int OnWalCommit(void* self, ::sqlite3* db, const char* schema, int wal_pages);
  void Request();
  void Loop();

  const std::unique_ptr<Connection> connection_;  // used by thread_ only
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  // The WAL frames the last checkpoint (this thread's or the writer's) left copied.
  std::atomic<int> copied_{0};
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace contactsd::store::sqlite
