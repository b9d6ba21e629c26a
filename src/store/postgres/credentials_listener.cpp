#include "store/postgres/credentials_listener.hpp"

#include "store/postgres/connection.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <poll.h>

namespace contactsd::store::postgres {
namespace {

constexpr int kPollTimeoutMs = 500;  // how often the thread looks at its stop token
constexpr auto kReconnectDelay = std::chrono::seconds(1);

// Waits for the socket to be readable; false on timeout or error.
bool AwaitInput(PGconn* conn) {
  pollfd fd{PQsocket(conn), POLLIN, 0};
  return fd.fd >= 0 && poll(&fd, 1, kPollTimeoutMs) > 0;
}

// Reads what the server sent and counts the notifications in it; -1 when the connection broke.
int ConsumeNotifications(PGconn* conn) {
  if (PQconsumeInput(conn) == 0) return -1;
  int count = 0;
  while (PGnotify* notify = PQnotifies(conn)) {
    PQfreemem(notify);
    ++count;
  }
  return PQstatus(conn) == CONNECTION_OK ? count : -1;
}

}  // namespace

std::uint64_t CredentialsListener::Version() {
  std::call_once(started_, [this] {
    thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
  });
  if (!listening_.load(std::memory_order_acquire)) {
    return version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  return version_.load(std::memory_order_acquire);
}

void CredentialsListener::Run(std::stop_token stop) {
  const std::string listen = std::string("LISTEN ") + kCredentialsChannel;
  while (!stop.stop_requested()) {
    auto connection = Connection::Open(conninfo_);
    if (connection && (*connection)->Exec(listen.c_str())) {
      PGconn* conn = (*connection)->handle();
      // Whatever was revoked while nobody listened is covered by this bump.
      version_.fetch_add(1, std::memory_order_acq_rel);
      listening_.store(true, std::memory_order_release);
      while (!stop.stop_requested()) {
        if (!AwaitInput(conn)) {
          if (PQstatus(conn) != CONNECTION_OK) break;
          continue;
        }
        const int notified = ConsumeNotifications(conn);
        if (notified < 0) break;
        if (notified > 0) version_.fetch_add(1, std::memory_order_acq_rel);
      }
      listening_.store(false, std::memory_order_release);
    }
    // Not listening: wait before reconnecting, waking early when asked to stop.
    const auto until = std::chrono::steady_clock::now() + kReconnectDelay;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace contactsd::store::postgres
