#include "http/server.hpp"

#include "common/log.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"
#include "http/worker_pool.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <csignal>
#include <malloc.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDrainPoll{20};
constexpr std::chrono::milliseconds kAcceptRetry{100};
constexpr std::chrono::milliseconds kTrimPeriod{500};

// The kernel takes no more than this many bytes of an answer that the client has not yet been
// sent (TCP_NOTSENT_LOWAT): a reader that never reads holds this much kernel memory, not the
// whole answer. Without it a burst of 2,000 slow readers of list pages made the kernel copy and
// allocate socket buffers for ~100 MB inside write(), and the I/O threads' other connections
// waited behind it (a normal client's p99 of 130-350 ms; docs/benchmarks.md). The send
// buffer's autotuning is untouched: a fast reader drains the unsent bytes as they come.
using NotSentLowWater = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>;
constexpr int kNotSentLowWater = 64 * 1024;
// After the forced close, how long to wait for sessions to notice before stopping the loop.
constexpr std::chrono::milliseconds kForceGrace{2000};

// The bulk threads run at the I/O threads' priority: at nice 10 one of them, preempted while it
// held a lock the I/O threads take too (the credentials version's refresh, SQLite's own), held
// them all up (priority inversion; hostile-client measurements, docs/benchmarks.md).
std::unique_ptr<WorkerPool> MakePool(int threads, std::size_t max_queued) {
  if (threads <= 0) return nullptr;
  return std::make_unique<WorkerPool>(threads, max_queued);
}

// One io_context per I/O thread, each run by its own thread alone, and every connection on one
// of them (round robin): a connection's handlers run on one thread, in order, with no strand,
// and the threads never hand work to each other through a shared queue. With one io_context
// shared by two threads, GET cost 84 us of CPU per request instead of 62, most of the
// difference in the futex wake-ups and lock traffic of that queue (docs/benchmarks.md).
// The acceptor, the signals and the shutdown run on a loop of their own (the thread that calls
// Run()), so that a connection's slow handler never delays a new connection or a stop.
std::vector<std::unique_ptr<asio::io_context>> MakeLoops(int threads) {
  std::vector<std::unique_ptr<asio::io_context>> loops;
  for (int i = 0; i < std::max(1, threads); ++i) {
    loops.push_back(std::make_unique<asio::io_context>(1));  // 1: run by one thread only
  }
  return loops;
}

// The client's address as the key of its connection count: an IPv4 client of a dual-stack
// socket counts as itself, not as its IPv6-mapped form.
std::string ClientAddress(const tcp::socket& socket) {
  boost::system::error_code ec;
  asio::ip::address address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, std::vector<api::Route> routes)
      : options(std::move(opts)),
        workers(MakePool(options.worker_threads, options.limits.max_worker_queue)),
        bulk_workers(MakePool(options.bulk_threads, options.limits.max_bulk_queue)),
        state(std::make_shared<ServerState>(options.limits, std::move(routes), options.access_log,
                                            ServerState::Pools{workers.get(), bulk_workers.get()},
                                            CorsPolicy(options.cors_origins),
                                            options.auth_schemes)),
        control(1),
        loops(MakeLoops(options.threads)),
        acceptor(control),
        accept_retry(control),
        drain_timer(control),
        trim_timer(control) {}
  // Jobs post their answers to the io_context, so they must be done before it is destroyed (Run
  // joins the pool; this covers a Run that did not get that far).
  ~Impl() {
    if (workers) workers->Join();
    state->WaitForReplies();
    if (bulk_workers) bulk_workers->Join();
  }

  void Listen();
  void Run();
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  // Whether a new connection from `address` may be served (making room when the server is full).
  bool Admit(const std::string& address);
  void BeginShutdown();
  void WaitForDrain();
  // Every kTrimPeriod: gives freed memory back to the system after a burst.
  void TrimAfterBursts();

  // Lets the loops without a connection wait for one; released once the server has drained.
  void ReleaseLoops();
  void StopLoops();

  ServerOptions options;
  std::unique_ptr<WorkerPool> workers;       // null when options.worker_threads is 0
  std::unique_ptr<WorkerPool> bulk_workers;  // null when options.bulk_threads is 0
  std::shared_ptr<ServerState> state;
  // Declared after `state`: destroying a loop destroys the sessions it still holds.
  asio::io_context control;  // the acceptor, signals and timers; run by Run()'s caller
  std::vector<std::unique_ptr<asio::io_context>> loops;  // the connections
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::size_t next_loop = 0;  // the loop of the next connection; used on `control` only
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  asio::steady_timer drain_timer;
  asio::steady_timer trim_timer;
  std::optional<asio::signal_set> signals;
  std::uint16_t port = 0;

  // Used on `control` only.
  std::size_t burst_sessions = 0;  // the most sessions, and budget bytes, since the last trim
  std::size_t burst_bytes = 0;
  bool shutting_down = false;
  bool forced = false;
  Clock::time_point deadline;
};

void Server::Impl::Listen() {
  boost::system::error_code ec;
  tcp::resolver resolver(control);
  const std::string where = options.host + ":" + std::to_string(options.port);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    throw std::runtime_error("cannot resolve " + where + ": " +
                             (ec ? ec.message() : std::string("no address")));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](std::string_view step) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return std::runtime_error("cannot listen on " + where + ": " + std::string(step) + ": " +
                              ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) throw fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) throw fail("setsockopt");
  if (acceptor.bind(endpoint, ec)) throw fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) throw fail("listen");
  port = acceptor.local_endpoint(ec).port();
  if (ec) throw fail("getsockname");
}

void Server::Impl::Run() {
  if (!acceptor.is_open()) Listen();
  if (workers) workers->Start();
  if (bulk_workers) bulk_workers->Start();
  signals.emplace(control, SIGINT, SIGTERM);
  signals->async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    log::Info("shutdown", "received a signal: shutting down", {{"signal", signal}});
    BeginShutdown();
  });
  asio::post(control, [this] { Accept(); });
  TrimAfterBursts();

  for (auto& loop : loops) keep_running.push_back(asio::make_work_guard(*loop));
  auto run = [](asio::io_context& loop) {
    for (;;) {
      try {
        loop.run();
        return;
      } catch (const std::exception& e) {  // Sessions catch their own; this is a last resort.
        log::Error("io_loop_failed", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (auto& loop : loops) threads.emplace_back([&run, &loop = *loop] { run(loop); });
  run(control);
  for (std::thread& t : threads) t.join();
  // The loop ends once every session is gone, and a job holds its session, so the pool is idle
  // here unless the loop was stopped by force: then wait for the handlers still running.
  if (forced && (workers || bulk_workers)) {
    log::Warn("shutdown_waiting", "waiting for the handlers still running on the worker pools");
  }
  if (workers) workers->Join();
  // Likewise for the answers of asynchronous handlers (writes queued on the store's writer):
  // each is posted to the loop, or handed to a bulk worker to be made (a batch's), before it
  // counts as ended, so none is posted after this; the bulk workers stop after it.
  state->WaitForReplies();
  if (bulk_workers) bulk_workers->Join();
  signals.reset();  // gives SIGINT/SIGTERM back to their default handlers
}

void Server::Impl::ReleaseLoops() { keep_running.clear(); }

void Server::Impl::StopLoops() {
  for (auto& loop : loops) loop->stop();
  control.stop();
}

void Server::Impl::Accept() {
  asio::io_context& loop = *loops[next_loop];
  next_loop = (next_loop + 1) % loops.size();
  acceptor.async_accept(loop.get_executor(),
                        [this](boost::system::error_code ec, tcp::socket socket) {
                          OnAccept(ec, std::move(socket));
                        });
}

void Server::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (shutting_down || ec == asio::error::operation_aborted) return;
  if (ec) {  // e.g. out of file descriptors: back off instead of spinning
    log::Warn("accept_failed", ec.message());
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !shutting_down) Accept();
    });
    return;
  }
  std::string address = ClientAddress(socket);
  if (Admit(address)) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    socket.set_option(NotSentLowWater(kNotSentLowWater), ignored);
    std::make_shared<Session>(std::move(socket), state, std::move(address))->Start();
  } else {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  Accept();
}

bool Server::Impl::Admit(const std::string& address) {
  const RequestLimits& limits = options.limits;
  // One client must not take the room every other client needs.
  if (state->ConnectionsFrom(address) >= limits.max_connections_per_ip) return false;
  if (state->session_count() < limits.max_connections) return true;
  // Full: idle connections make room, the longest idle first, a batch at a time so that a flood
  // of new connections does not walk every session for each one. The new connection is taken
  // while they close (briefly over the limit by at most the batch).
  return state->ShedIdle(std::max<std::size_t>(1, limits.max_connections / 100)) > 0;
}

void Server::Impl::BeginShutdown() {
  if (shutting_down) return;
  shutting_down = true;
  state->set_stopping();
  boost::system::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  trim_timer.cancel();
  if (signals) signals->cancel(ignored);
  for (const auto& session : state->Sessions()) session->Shutdown(false);
  if (options.on_shutdown) options.on_shutdown();
  deadline = Clock::now() + options.shutdown_timeout;
  WaitForDrain();
}

// Polls rather than being told by the last session: a session may be destroyed with the
// io_context, when nothing may be posted any more.
void Server::Impl::WaitForDrain() {
  if (state->session_count() == 0) {  // no work left: the threads return from run()
    ReleaseLoops();
    return;
  }
  const Clock::time_point now = Clock::now();
  if (!forced && now >= deadline) {
    forced = true;
    log::Warn("shutdown_forced", "connections still busy after the shutdown timeout: closing them",
              {{"connections", state->session_count()},
               {"timeout_ms", options.shutdown_timeout.count()}});
    for (const auto& session : state->Sessions()) session->Shutdown(true);
  } else if (forced && now >= deadline + kForceGrace) {
    log::Error("shutdown_stuck", "connections did not close: stopping the I/O loops");
    StopLoops();
    return;
  }
  drain_timer.expires_after(kDrainPoll);
  drain_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) WaitForDrain();
  });
}

// glibc keeps freed memory in its arenas: after thousands of connections, or of large bodies and
// answers, have come and gone, it stayed resident (1.76 GB after a burst of slow readers).
// malloc_trim hands the free pages back (madvise), off the I/O threads and once a burst is over:
// it holds each arena's lock while it works, so trimming during the burst stalled every thread
// that allocated (a normal client's p99 rose to 150-230 ms under slow readers). The steady state
// pays nothing (a fixed M_MMAP_THRESHOLD did the same job, but cost PATCH ~20% in mmap/munmap).
void Server::Impl::TrimAfterBursts() {
  constexpr std::size_t kSessionBurst = 256;
  constexpr std::size_t kByteBurst = 16 << 20;
  constexpr std::size_t kQuietSessions = 16;
  constexpr std::size_t kQuietBytes = 1 << 20;
  const std::size_t sessions = state->session_count();
  const std::size_t bytes = state->body_bytes.used() + state->answer_bytes.used();
  // The peaks of this period: a quiet one stayed close to what is held now.
  const std::size_t session_peak = state->TakeSessionPeak();
  const std::size_t byte_peak = state->body_bytes.TakePeak() + state->answer_bytes.TakePeak();
  const bool quiet = session_peak < sessions + kQuietSessions && byte_peak < bytes + kQuietBytes;
  burst_sessions = std::max(burst_sessions, session_peak);
  burst_bytes = std::max(burst_bytes, byte_peak);
  if (quiet && (burst_sessions >= sessions + kSessionBurst || burst_bytes >= bytes + kByteBurst)) {
    const auto started = Clock::now();
    malloc_trim(0);
    log::Info(
        "memory_trimmed", "gave freed memory back after a burst",
        {{"ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
    burst_sessions = sessions;
    burst_bytes = bytes;
  }
  trim_timer.expires_after(kTrimPeriod);
  trim_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec && !shutting_down) TrimAfterBursts();
  });
}

Server::Server(ServerOptions options, std::vector<api::Route> routes)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(routes))) {}

Server::~Server() = default;

void Server::Listen() { impl_->Listen(); }

std::uint16_t Server::port() const { return impl_->port; }

void Server::Run() { impl_->Run(); }

ServerStats Server::stats() const {
  return {impl_->state->session_count(), impl_->workers ? impl_->workers->queued() : 0,
          impl_->bulk_workers ? impl_->bulk_workers->queued() : 0};
}

const RequestMetrics& Server::request_metrics() const { return impl_->state->request_metrics; }

void Server::Stop() {
  Impl* impl = impl_.get();
  asio::post(impl->control, [impl] { impl->BeginShutdown(); });
}

}  // namespace contactsd::http
