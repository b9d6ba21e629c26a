#include "store/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <pthread.h>
#include <utility>

namespace contactsd::store::sqlite {

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)), thread_([this] { Loop(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

std::unique_ptr<Connection> WalCheckpointer::Attach(std::unique_ptr<Connection> writer) {
  sqlite3_wal_hook(writer->handle(), &WalCheckpointer::OnWalCommit, this);
  return writer;
}

// Runs on the writer's thread after each COMMIT, with the WAL's size in pages.
int WalCheckpointer::OnWalCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= kWriterCheckpointPages) {
    // The frames the thread has not copied yet (at most: its count may be of an earlier WAL,
    // which the writer has restarted since; then all of them).
    const int copied = checkpointer->copied_.load(std::memory_order_relaxed);
    const int left = copied <= wal_pages ? wal_pages - copied : wal_pages;
    if (left <= kCheckpointPages || wal_pages >= kMaxWalPages) {
      // SQLite's own threshold: checkpoint here, as its automatic checkpoint would. The thread
      // has copied most frames already; one checkpoint with no frame added meanwhile lets the
      // next transaction restart the WAL from its beginning, which keeps it small. Errors (a
      // busy reader) are left for the next commit, as SQLite does.
      int checkpointed = 0;
      if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    &checkpointed) == SQLITE_OK) {
        checkpointer->copied_.store(checkpointed, std::memory_order_relaxed);
      }
      return SQLITE_OK;
    }
    // One large commit (a batch's thousands of pages) took the WAL past the threshold before
    // the thread could copy any of it: the thread copies it while the writer goes on, and once
    // it has caught up the next write restarts the WAL, or the writer finishes the copy here.
  }
  if (wal_pages >= kCheckpointPages) checkpointer->Request();
  return SQLITE_OK;
}

void WalCheckpointer::Request() {
  {
    std::lock_guard lock(mu_);
    if (requested_) return;  // one request covers every commit until the checkpoint starts
    requested_ = true;
  }
  cv_.notify_one();
}

void WalCheckpointer::Loop() {
  pthread_setname_np(pthread_self(), "sqlite-ckpt");  // for top -H, perf and gdb
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
    }
    // PASSIVE: copies what no reader still needs, never waits for readers or the writer.
    // A failure (another process checkpointing, an I/O error) leaves the WAL to the next
    // request or to the writer's own checkpoint.
    int checkpointed = 0;
    if (sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                  nullptr, &checkpointed) == SQLITE_OK) {
      copied_.store(checkpointed, std::memory_order_relaxed);
    }
  }
}

}  // namespace contactsd::store::sqlite
