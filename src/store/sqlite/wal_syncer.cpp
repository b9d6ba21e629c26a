#include "store/sqlite/wal_syncer.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

Error SyncError(const std::string& step, const std::string& path) {
  return Error::Unavailable("sqlite: " + step + " " + path + ": " + std::strerror(errno));
}

}  // namespace

WalSyncer::WalSyncer(std::string wal_path)
    : wal_path_(std::move(wal_path)), thread_([this] { Loop(); }) {}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void WalSyncer::After(Then then) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(then));
  }
  cv_.notify_one();
}

void WalSyncer::Loop() {
  pthread_setname_np(pthread_self(), "sqlite-sync");  // for top -H, perf and gdb
  std::vector<Then> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and everything handed over was answered
      batch.swap(pending_);
    }
    const Status synced = Sync();
    for (Then& then : batch) then(synced);
    batch.clear();
  }
}

Status WalSyncer::Sync() {
  // fdatasync works on any descriptor of the file; ours is checked to still be the WAL's (a
  // WAL is deleted when the last connection closes, and a later one is a new file).
  struct stat now {};
  if (::stat(wal_path_.c_str(), &now) != 0) {
    // No WAL: nothing was committed to one (every connection of a WAL database keeps it, and
    // the writer's is open), so there is nothing to sync.
    if (errno == ENOENT) return {};
    return SyncError("stat", wal_path_);
  }
  struct stat held {};
  const bool stale = fd_ < 0 || ::fstat(fd_, &held) != 0 || held.st_nlink == 0 ||
                     now.st_ino != inode_ || now.st_dev != device_;
  if (stale) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return SyncError("open", wal_path_);
    struct stat opened {};
    if (::fstat(fd_, &opened) != 0) return SyncError("fstat", wal_path_);
    inode_ = opened.st_ino;
    device_ = opened.st_dev;
  }
  const auto began = std::chrono::steady_clock::now();
  const int synced = ::fdatasync(fd_);
  sync_seconds_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  if (synced != 0) return SyncError("fdatasync", wal_path_);
  return {};
}

}  // namespace contactsd::store::sqlite
