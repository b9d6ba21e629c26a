#include "http/outbound_client.hpp"

#include "common/address_policy.hpp"
#include "common/background_thread.hpp"
#include "common/log.hpp"
#include "http/outbound_texts.hpp"
#include "common/outbound_url.hpp"
#include "http/outbound_wire.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <optional>
#include <pthread.h>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Done = std::function<void(OutboundResult)>;

using outbound::CappedBody;
using outbound::Connection;
using outbound::Describe;
using outbound::DescribeTls;
using outbound::IsClientsHeader;
using outbound::IsSafeHeaderText;

constexpr std::uint32_t kMaxResponseHead = 16 * 1024;

}  // namespace

// ---- the client's state, touched on its thread only --------------------------------------------

class OutboundClient::Core {
 public:
  explicit Core(OutboundOptions options);

  void Accept(OutboundRequest request, Done done);  // a Post arriving on the thread
  void Stop();                                      // completes everything with "shutdown"

  const OutboundOptions options;
  asio::io_context io;
  // Keeps io.run() going while nothing is under way; reset by the shutdown, on the thread.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::thread thread;

 private:
  class Exchange;
  struct Queued {
    OutboundRequest request;
    Done done;
  };

  void Start(OutboundRequest request, Done done);
  // Called once by each exchange, when it has a result.
  void Finished(const std::shared_ptr<Exchange>& exchange, OutboundResult result, Done done);
  // An idle connection to `origin` that looks alive, or null.
  std::unique_ptr<Connection> TakeIdle(const std::string& origin);
  void PutIdle(const std::string& origin, std::unique_ptr<Connection> connection);
  void ArmIdleSweep();
  void SweepIdle();

  ssl::context tls_{ssl::context::tls_client};
  std::deque<Queued> queue_;
  std::unordered_set<std::shared_ptr<Exchange>> active_;  // kept alive until finished
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
  asio::steady_timer idle_sweep_{io};
  bool idle_sweep_armed_ = false;
  bool stopping_ = false;
};

namespace {

OutboundResult Failure(std::string error) {
  OutboundResult result;
  result.error = std::move(error);
  return result;
}

void Report(Done& done, OutboundResult result) {
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    log::Error("outbound_completion_failed", e.what());
  } catch (...) {
    log::Error("outbound_completion_failed", "something other than a std::exception was thrown");
  }
}

}  // namespace

// One request, from resolution (or an idle connection) to its result. Every step's handler
// holds the exchange; the first result wins, and later handlers see `finished_` and return.
class OutboundClient::Core::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(Core& core, OutboundDestination destination, bhttp::request<bhttp::string_body> message,
           Done done)
      : core_(core),
        destination_(std::move(destination)),
        message_(std::move(message)),
        done_(std::move(done)),
        resolver_(core.io),
        deadline_(core.io) {}

  void Start() {
    started_ = Clock::now();
    connection_ = core_.TakeIdle(destination_.origin);
    if (connection_) {
      ArmDeadline(started_ + core_.options.total_timeout);
      Write();
    } else {
      Connect();
    }
  }

  void Fail(std::string error) { Finish(Failure(std::move(error)), false); }

 private:
  void Connect() {
    reused_ = false;
    ArmDeadline(std::min(Clock::now() + core_.options.connect_timeout,
                         started_ + core_.options.total_timeout));
    resolver_.async_resolve(destination_.host, destination_.port, tcp::resolver::numeric_service,
                            [self = shared_from_this()](const beast::error_code& ec,
                                                        tcp::resolver::results_type results) {
                              self->OnResolve(ec, std::move(results));
                            });
  }

  void OnResolve(const beast::error_code& ec, const tcp::resolver::results_type& results) {
    if (finished_) return;
    if (ec) return Fail(Describe("dns", ec));
    // The addresses checked are the addresses connected to: a second lookup (DNS rebinding)
    // never happens.
    std::vector<tcp::endpoint> allowed;
    std::string refused;
    for (const auto& entry : results) {
      const tcp::endpoint endpoint = entry.endpoint();
      if (!core_.options.allow_private_addresses) {
        const std::string_view reason = ForbiddenAddressReason(endpoint.data());
        if (!reason.empty()) {
          if (refused.empty()) {
            refused = "forbidden address " + endpoint.address().to_string() + " (" +
                      std::string(reason) + ")";
          }
          continue;
        }
      }
      allowed.push_back(endpoint);
    }
    if (allowed.empty()) return Fail(refused.empty() ? "dns: no address" : refused);

    connection_ = std::make_unique<Connection>();
    if (destination_.tls) {
      connection_->tls.emplace(core_.io, core_.tls_);
    } else {
      connection_->plain.emplace(core_.io);
    }
    connection_->Tcp().async_connect(
        allowed, [self = shared_from_this()](const beast::error_code& ec, const tcp::endpoint&) {
          self->OnConnect(ec);
        });
  }

  void OnConnect(const beast::error_code& ec) {
    if (finished_) return;
    if (ec) return Fail(Describe("connect", ec));
    if (!destination_.tls) {
      ArmDeadline(started_ + core_.options.total_timeout);
      return Write();
    }
    SSL* ssl = connection_->tls->native_handle();
    // SNI takes names only (RFC 6066). OpenSSL's own host check rather than asio's
    // host_name_verification callback: a mismatch then reads "hostname mismatch", not "ok".
    bool configured =
        destination_.host_is_address
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), destination_.host.c_str()) == 1
            : SSL_set_tlsext_host_name(ssl, destination_.host.c_str()) == 1 &&
                  SSL_set1_host(ssl, destination_.host.c_str()) == 1;
    if (!configured) return Fail("tls: cannot set the server name");
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    connection_->tls->async_handshake(
        ssl::stream_base::client,
        [self = shared_from_this()](const beast::error_code& ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(const beast::error_code& ec) {
    if (finished_) return;
    if (ec) return Fail(DescribeTls(ec, connection_->tls->native_handle()));
    ArmDeadline(started_ + core_.options.total_timeout);
    Write();
  }

  void Write() {
    connection_->Visit([this](auto& stream) {
      bhttp::async_write(stream, message_,
                         [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                           self->OnWrite(ec);
                         });
    });
  }

  void OnWrite(const beast::error_code& ec) {
    if (finished_) return;
    if (ec) return reused_ ? RetryFresh() : Fail(Describe("write", ec));
    Read();
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(kMaxResponseHead);
    parser_->body_limit(boost::none);  // CappedBody keeps the limit
    parser_->get().body().keep = core_.options.max_response_body;
    parser_->get().body().limit = core_.options.max_response_read;
    connection_->Visit([this](auto& stream) {
      bhttp::async_read(stream, connection_->buffer, *parser_,
                        [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                          self->OnRead(ec);
                        });
    });
  }

  void OnRead(const beast::error_code& ec) {
    if (finished_) return;
    const bool body_cut = ec == bhttp::error::body_limit && parser_->is_header_done();
    if (ec && !body_cut) {
      // A kept-alive connection the peer closed while it was idle fails before any byte of the
      // answer; a fresh connection gets the request through.
      const bool nothing_came = !parser_->got_some() && connection_->buffer.size() == 0;
      if (reused_ && nothing_came) return RetryFresh();
      return Fail(Describe("read", ec));
    }
    auto& response = parser_->get();
    if (response.result_int() / 100 == 1 && response.result_int() != 101) return Read();  // 1xx
    OutboundResult result;
    result.status = response.result_int();
    result.body = std::move(response.body().kept);
    const bool reusable = !body_cut && parser_->keep_alive() && result.status != 101 &&
                          connection_->buffer.size() == 0;
    Finish(std::move(result), reusable);
  }

  // Once per exchange, and only for a connection taken from the pool.
  void RetryFresh() {
    connection_->Close();
    connection_.reset();  // no operation is pending on it: its last handler is running
    Connect();
  }

  // Every step runs under one deadline: the connect phase's, then the exchange's.
  void ArmDeadline(Clock::time_point at) {
    deadline_.expires_at(at);
    deadline_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      // An expiry moved after this wait fired is not this wait's.
      if (ec || self->finished_ || self->deadline_.expiry() > Clock::now()) return;
      self->Fail("timeout");
    });
  }

  void Finish(OutboundResult result, bool reusable) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    result.latency_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
    if (connection_ && reusable) {
      core_.PutIdle(destination_.origin, std::move(connection_));
    } else if (connection_) {
      connection_->Close();  // a pending operation ends with an error, seen as `finished_`
    }
    core_.Finished(shared_from_this(), std::move(result), std::move(done_));
  }

  Core& core_;
  const OutboundDestination destination_;
  bhttp::request<bhttp::string_body> message_;
  Done done_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  Clock::time_point started_;
  std::unique_ptr<Connection> connection_;
  std::optional<bhttp::response_parser<CappedBody>> parser_;
  bool reused_ = true;  // until Connect() makes a fresh connection
  bool finished_ = false;
};

namespace {

OutboundOptions Validated(OutboundOptions options) {
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0 ||
      options.idle_timeout.count() <= 0 || options.max_in_flight == 0) {
    throw std::invalid_argument("OutboundOptions: timeouts and max_in_flight must be positive");
  }
  return options;
}

}  // namespace

OutboundClient::Core::Core(OutboundOptions options_in) : options(Validated(std::move(options_in))) {
  tls_.set_default_verify_paths();
  if (!options.ca_file.empty()) tls_.load_verify_file(options.ca_file);
  tls_.set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
}

void OutboundClient::Core::Accept(OutboundRequest request, Done done) {
  if (stopping_) {
    Report(done, Failure("shutdown"));
  } else if (active_.size() < options.max_in_flight) {
    Start(std::move(request), std::move(done));
  } else {
    queue_.push_back({std::move(request), std::move(done)});
  }
}

void OutboundClient::Core::Start(OutboundRequest request, Done done) {
  std::string error;
  auto destination = ParseOutboundUrl(request.url, error);
  for (const auto& [name, value] : request.headers) {
    if (error.empty() && (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value))) {
      error = "invalid header " + name.substr(0, 64);
    }
  }
  if (!error.empty()) return Report(done, Failure(std::move(error)));

  bhttp::request<bhttp::string_body> message{bhttp::verb::post, destination->target, 11};
  for (const auto& [name, value] : request.headers) {
    if (!IsClientsHeader(name)) message.insert(name, value);
  }
  message.set(bhttp::field::host, destination->host_header);
  message.body() = std::move(request.body);
  message.prepare_payload();
  auto exchange = std::make_shared<Exchange>(*this, std::move(*destination), std::move(message),
                                             std::move(done));
  active_.insert(exchange);
  exchange->Start();
}

void OutboundClient::Core::Finished(const std::shared_ptr<Exchange>& exchange,
                                    OutboundResult result, Done done) {
  active_.erase(exchange);
  Report(done, std::move(result));
  while (!stopping_ && !queue_.empty() && active_.size() < options.max_in_flight) {
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    Start(std::move(next.request), std::move(next.done));
  }
}

void OutboundClient::Core::Stop() {
  stopping_ = true;
  for (Queued& queued : queue_) Report(queued.done, Failure("shutdown"));
  queue_.clear();
  const std::vector<std::shared_ptr<Exchange>> active(active_.begin(), active_.end());
  for (const auto& exchange : active) exchange->Fail("shutdown");
  for (auto& [origin, connections] : idle_) {
    for (auto& connection : connections) connection->Close();
  }
  idle_.clear();
  idle_sweep_.cancel();
  work.reset();  // io.run() returns once the handlers still queued have run
}

std::unique_ptr<Connection> OutboundClient::Core::TakeIdle(const std::string& origin) {
  const auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  std::unique_ptr<Connection> found;
  auto& connections = it->second;
  while (!found && !connections.empty()) {
    std::unique_ptr<Connection> newest = std::move(connections.back());
    connections.pop_back();
    if (Clock::now() - newest->idle_since < options.idle_timeout && newest->NothingToRead()) {
      found = std::move(newest);
    } else {
      newest->Close();
    }
  }
  if (connections.empty()) idle_.erase(it);
  return found;
}

void OutboundClient::Core::PutIdle(const std::string& origin,
                                   std::unique_ptr<Connection> connection) {
  if (stopping_ || options.max_idle_per_origin == 0) return connection->Close();
  connection->idle_since = Clock::now();
  auto& connections = idle_[origin];
  connections.push_back(std::move(connection));
  if (connections.size() > options.max_idle_per_origin) {
    connections.front()->Close();
    connections.pop_front();
  }
  ArmIdleSweep();
}

// One timer for the whole pool, set for the oldest idle connection's expiry: idle sockets are
// closed within an idle_timeout of expiring, and TakeIdle never hands out an expired one.
void OutboundClient::Core::ArmIdleSweep() {
  if (idle_sweep_armed_ || idle_.empty()) return;
  idle_sweep_armed_ = true;
  idle_sweep_.expires_after(options.idle_timeout);
  idle_sweep_.async_wait([this](const beast::error_code& ec) {
    idle_sweep_armed_ = false;
    if (!ec && !stopping_) SweepIdle();
  });
}

void OutboundClient::Core::SweepIdle() {
  const auto now = Clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& connections = it->second;
    while (!connections.empty() && now - connections.front()->idle_since >= options.idle_timeout) {
      connections.front()->Close();
      connections.pop_front();
    }
    it = connections.empty() ? idle_.erase(it) : std::next(it);
  }
  ArmIdleSweep();
}

// ---- the public face ----------------------------------------------------------------------------

OutboundClient::OutboundClient(OutboundOptions options)
    : core_(std::make_unique<Core>(std::move(options))) {
  core_->thread = std::thread([core = core_.get()] {
    // Its requests are the webhooks' deliveries: they yield to the API's (a busy machine
    // delivers later, and catches up).
    BecomeBackgroundThread("outbound-http");
    for (;;) {
      try {
        core->io.run();
        return;
      } catch (const std::exception& e) {  // a bug; the client goes on for the other requests
        log::Error("outbound_handler_failed", e.what());
        core->io.restart();
      }
    }
  });
}

OutboundClient::~OutboundClient() {
  asio::post(core_->io, [core = core_.get()] { core->Stop(); });
  core_->thread.join();
}

void OutboundClient::Post(OutboundRequest request, std::function<void(OutboundResult)> done) {
  asio::post(core_->io,
             [core = core_.get(), request = std::move(request), done = std::move(done)]() mutable {
               core->Accept(std::move(request), std::move(done));
             });
}

void OutboundClient::PostAll(std::vector<Job> jobs) {
  if (jobs.empty()) return;
  asio::post(core_->io, [core = core_.get(), jobs = std::move(jobs)]() mutable {
    for (Job& job : jobs) core->Accept(std::move(job.request), std::move(job.done));
  });
}

}  // namespace contactsd::http
