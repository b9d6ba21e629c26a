// WalSyncer: makes the writer's commits durable on a thread of its own, so that the writer
// runs the next batch while the disk syncs the last one.
//
// With synchronous=FULL, SQLite syncs the WAL inside every COMMIT, and the writer thread (the
// one thread every write goes through) sits idle for the sync: with a ~1 ms fdatasync, that
// sync was most of a batch's time, and `--sync normal` ran 1.7× faster (docs/benchmarks.md).
// Instead, the writer connection runs with synchronous=NORMAL (the WAL is written at COMMIT
// but not synced) and hands each committed batch here; this thread calls fdatasync(2) on the
// WAL file and only then lets the batch's callers be answered. One sync covers every batch
// handed over before it began, so while it runs, the next batches both commit and queue up.
//
// Why an acknowledged write then survives a power cut as it would with FULL: its COMMIT had
// written all its frames to the WAL before the sync began, and fdatasync makes every byte
// written to the file before it durable, so recovery finds its commit frame with a valid
// checksum chain. NORMAL still syncs the WAL before every checkpoint and the database file
// after it, and a WAL is only reused once it has been checkpointed, so overwriting old frames
// never loses an acknowledged write. A commit that crashes before its sync was never answered.
//
// Thread-safe.
#pragma once

#include "common/metric_cells.hpp"
#include "common/result.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::sqlite {

class WalSyncer {
 public:
  // Called once the WAL is synced (or with the error of the sync that failed).
  using Then = std::function<void(Status synced)>;

  // `wal_path` is the database file's path + "-wal"; it is opened on first use (and again if
  // it is ever replaced by another file).
  explicit WalSyncer(std::string wal_path);
  // Syncs once more for what was handed over, answers it, then stops the thread.
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Runs `then` after an fdatasync of the WAL that begins after this call. `then` runs on this
  // class's thread, in the order handed over; it must not block.
  void After(Then then);

  // Whether the caller is this class's thread (which must never wait for a sync itself).
  bool OnThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  // How long each fdatasync took, in seconds.
  const metrics::Histogram& sync_seconds() const { return sync_seconds_; }

 private:
  void Loop();
  Status Sync();

  metrics::Histogram sync_seconds_{metrics::LatencyBounds()};
  const std::string wal_path_;
  int fd_ = -1;  // used by thread_ only
  unsigned long long inode_ = 0;
  unsigned long long device_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Then> pending_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_

  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace contactsd::store::sqlite
