// CredentialsListener: PostgreSQL's Store::CredentialsVersion(). Every revoke sends
// NOTIFY contactsd_credentials in its transaction, and PostgreSQL delivers it at commit to
// every session LISTENing, so a thread of each server process, on a connection of its own,
// turns notifications into a version bump without any query on the request path.
//
// Notifications sent while the listener was not connected are lost, so while it is not
// listening (at start, after a lost connection) Version() returns a new number on every call:
// the cache above is bypassed rather than trusted; once LISTEN is back, the version is bumped.
// The thread starts on the first Version() call (CLI commands never start it).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace contactsd::store::postgres {

inline constexpr char kCredentialsChannel[] = "contactsd_credentials";
// How long a revoke (or an org's deletion) waits after its commit before it returns. PostgreSQL
// signals every listening session at the commit, and a listener thread takes the notification
// within well under a millisecond; on a loaded machine that thread may not run for a while. A
// revoke that returns only after this is in effect on every server whose machine did not stall
// for as long (SQLite's CredentialsWatch makes the same trade, at 2 ms, for its own window).
inline constexpr std::chrono::milliseconds kNotifyGrace{100};

class CredentialsListener {
 public:
  explicit CredentialsListener(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  CredentialsListener(const CredentialsListener&) = delete;
  CredentialsListener& operator=(const CredentialsListener&) = delete;
  ~CredentialsListener() = default;  // the jthread stops and joins (within ~0.5 s)

  std::uint64_t Version();

 private:
  void Run(std::stop_token stop);

  const std::string conninfo_;
  std::atomic<std::uint64_t> version_ = 0;
  std::atomic<bool> listening_ = false;
  std::once_flag started_;
  std::jthread thread_;  // last: stopped and joined before the members it uses are destroyed
};

}  // namespace contactsd::store::postgres
