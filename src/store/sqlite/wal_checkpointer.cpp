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
  if (wal_pages >= kWriterCheckpointPages) {
    // SQLite's own threshold: checkpoint here, as its automatic checkpoint would. The thread
    // has usually copied most frames already; one checkpoint with no frame added meanwhile
    // lets the next transaction restart the WAL from its beginning, which keeps it small.
    // Errors (a busy reader) are left for the next commit, as SQLite does.
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= kCheckpointPages) {
    static_cast<WalCheckpointer*>(self)->Request();
  }
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
    (void)sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                    nullptr, nullptr);
  }
}

}  // namespace contactsd::store::sqlite
