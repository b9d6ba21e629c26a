// OutboundClient against real servers on 127.0.0.1: a small Beast server (Asio coroutines) on a
// thread of its own, plain or TLS with a throw-away CA made by the `openssl` command.
#include "http/outbound_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Request = bhttp::request<bhttp::string_body>;

// ---- a small server -------------------------------------------------------------------------

// What the server does with one request.
struct Reply {
  enum class Action { kAnswer, kNeverAnswer, kCloseWithoutAnswer };
  Action action = Action::kAnswer;
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = true;
  std::chrono::milliseconds delay{0};  // before answering
};

// `reply(request, n)` decides what happens to the n-th request (from 1) of a connection.
using ReplyFn = std::function<Reply(const Request&, int)>;

class TestServer {
 public:
  explicit TestServer(ReplyFn reply, ssl::context* tls = nullptr)
      : reply_(std::move(reply)), tls_(tls) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, AcceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(path);
  }
  int connections() const { return connections_.load(); }
  int max_concurrent() const { return max_concurrent_.load(); }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
      ++connections_;
      asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    try {
      if (!tls_) {
        co_await Exchanges(socket);
      } else {
        ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
        co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
        co_await Exchanges(stream);
      }
    } catch (const std::exception&) {
      // The client went away (or failed its handshake): this connection is over.
    }
  }

  template <class Stream>
  asio::awaitable<void> Exchanges(Stream& stream) {
    beast::flat_buffer buffer;
    for (int n = 1;; ++n) {
      Request request;
      co_await bhttp::async_read(stream, buffer, request, asio::use_awaitable);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const Reply reply = reply_(request, n);
      if (reply.action == Reply::Action::kCloseWithoutAnswer) co_return;
      if (reply.action == Reply::Action::kNeverAnswer) continue;
      const int now = ++concurrent_;
      for (int seen = max_concurrent_.load(); now > seen;) {
        max_concurrent_.compare_exchange_weak(seen, now);
      }
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(io_, reply.delay);
        co_await timer.async_wait(asio::use_awaitable);
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(reply.status), 11};
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.body() = reply.body;
      response.keep_alive(reply.keep_alive);
      response.prepare_payload();
      co_await bhttp::async_write(stream, response, asio::use_awaitable);
      --concurrent_;
      if (!reply.keep_alive) co_return;
    }
  }

  ReplyFn reply_;
  ssl::context* tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> concurrent_{0};
  std::atomic<int> max_concurrent_{0};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

Reply Never() {
  Reply reply;
  reply.action = Reply::Action::kNeverAnswer;
  return reply;
}

Reply CloseUnanswered() {
  Reply reply;
  reply.action = Reply::Action::kCloseWithoutAnswer;
  return reply;
}

ReplyFn Answer(int status, std::string body = "") {
  return [status, body](const Request&, int) {
    Reply reply;
    reply.status = status;
    reply.body = body;
    return reply;
  };
}

// ---- helpers ----------------------------------------------------------------------------------

OutboundOptions LocalOptions() {
  OutboundOptions options;
  options.allow_private_addresses = true;
  options.connect_timeout = 2000ms;
  options.total_timeout = 5000ms;
  return options;
}

OutboundRequest PostTo(std::string url, std::string body = "{}") {
  OutboundRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  return request;
}

OutboundResult Send(OutboundClient& client, OutboundRequest request) {
  auto promise = std::make_shared<std::promise<OutboundResult>>();
  auto future = promise->get_future();
  client.Post(std::move(request),
              [promise](OutboundResult result) { promise->set_value(std::move(result)); });
  if (future.wait_for(20s) != std::future_status::ready) {
    ADD_FAILURE() << "no result in 20 s";
    return {};
  }
  return future.get();
}

// A port nothing listens on: one that was just bound and released.
std::uint16_t ClosedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// ---- plain HTTP -------------------------------------------------------------------------------

TEST(OutboundClient, PostArrivesIntactAndItsStatusComesBack) {
  TestServer server(Answer(201, "created"));
  OutboundClient client(LocalOptions());
  OutboundRequest request = PostTo(server.Url("/hooks/1?tenant=a%20b"), R"({"event":"x"})");
  request.headers = {{"Content-Type", "application/json"}, {"X-Signature", "t=1,v1=abc"}};
  const OutboundResult result = Send(client, std::move(request));

  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 201);
  EXPECT_EQ(result.body, "created");
  EXPECT_GE(result.latency_ms, 0);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method(), bhttp::verb::post);
  EXPECT_EQ(requests[0].target(), "/hooks/1?tenant=a%20b");
  EXPECT_EQ(requests[0].body(), R"({"event":"x"})");
  EXPECT_EQ(requests[0][bhttp::field::content_type], "application/json");
  EXPECT_EQ(requests[0]["X-Signature"], "t=1,v1=abc");
  EXPECT_EQ(requests[0][bhttp::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0][bhttp::field::content_length], "13");
}

TEST(OutboundClient, FramingHeadersAreTheClients) {
  TestServer server(Answer(204));
  OutboundClient client(LocalOptions());
  OutboundRequest request = PostTo(server.Url(), "abc");
  request.headers = {{"Content-Length", "999"}, {"Host", "evil.example"}};
  EXPECT_EQ(Send(client, std::move(request)).status, 204);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0][bhttp::field::content_length], "3");
  EXPECT_EQ(requests[0][bhttp::field::host], "127.0.0.1:" + std::to_string(server.port()));
}

TEST(OutboundClient, ServerErrorIsAResultNotAnError) {
  TestServer server(Answer(500, "boom"));
  OutboundClient client(LocalOptions());
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(result.body, "boom");
}

TEST(OutboundClient, RedirectIsNotFollowed) {
  TestServer server([](const Request&, int) {
    Reply reply;
    reply.status = 302;
    reply.headers = {{"Location", "/elsewhere"}};
    return reply;
  });
  OutboundClient client(LocalOptions());
  const OutboundResult result = Send(client, PostTo(server.Url("/hook")));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 302);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OutboundClient, SilentServerTimesOut) {
  TestServer server([](const Request&, int) { return Never(); });
  OutboundOptions options = LocalOptions();
  options.total_timeout = 300ms;
  OutboundClient client(options);
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "timeout");
  EXPECT_EQ(result.status, 0);
  EXPECT_GE(result.latency_ms, 250);
  EXPECT_LT(result.latency_ms, 5000);
}

TEST(OutboundClient, RefusedConnection) {
  OutboundClient client(LocalOptions());
  const OutboundResult result =
      Send(client, PostTo("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/"));
  EXPECT_EQ(result.error, "connection refused");
  EXPECT_EQ(result.status, 0);
}

TEST(OutboundClient, PrivateAddressesAreRefusedWithoutConnecting) {
  TestServer server(Answer(200));
  OutboundClient client(OutboundOptions{});  // allow_private_addresses = false
  const std::string port = std::to_string(server.port());

  EXPECT_EQ(Send(client, PostTo("http://127.0.0.1:" + port + "/")).error,
            "forbidden address 127.0.0.1 (loopback)");
  EXPECT_EQ(Send(client, PostTo("http://[::1]:" + port + "/")).error,
            "forbidden address ::1 (loopback)");
  // A name is judged by what it resolves to.
  const OutboundResult by_name = Send(client, PostTo("http://localhost:" + port + "/"));
  EXPECT_TRUE(by_name.error.starts_with("forbidden address ")) << by_name.error;
  EXPECT_NE(by_name.error.find("(loopback)"), std::string::npos) << by_name.error;

  std::this_thread::sleep_for(50ms);  // an accepted connection would have been counted by now
  EXPECT_EQ(server.connections(), 0);
}

TEST(OutboundClient, LargeAnswerIsTruncatedAndTheConnectionKept) {
  TestServer server(Answer(200, std::string(10000, 'x')));
  OutboundOptions options = LocalOptions();
  options.max_response_body = 100;
  OutboundClient client(options);
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, std::string(100, 'x'));
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(server.connections(), 1);  // read to its end, so reusable
}

TEST(OutboundClient, AnswerPastTheReadLimitIsCutAndItsConnectionClosed) {
  TestServer server(Answer(200, std::string(50000, 'y')));
  OutboundOptions options = LocalOptions();
  options.max_response_body = 10;
  options.max_response_read = 1000;
  OutboundClient client(options);
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, std::string(10, 'y'));
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(server.connections(), 2);
}

TEST(OutboundClient, KeepAliveReusesTheConnection) {
  TestServer server(Answer(200, "ok"));
  OutboundClient client(LocalOptions());
  EXPECT_EQ(Send(client, PostTo(server.Url("/a"))).status, 200);
  EXPECT_EQ(Send(client, PostTo(server.Url("/b"))).status, 200);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(OutboundClient, ConnectionCloseIsHonoured) {
  TestServer server([](const Request&, int) {
    Reply reply;
    reply.keep_alive = false;
    return reply;
  });
  OutboundClient client(LocalOptions());
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(server.connections(), 2);
}

TEST(OutboundClient, ReusedConnectionClosedBeforeAnsweringIsRetriedOnceOnAFreshOne) {
  // The second request of every connection is dropped unanswered, as by a server that closed
  // the connection for idleness just as the request arrived.
  TestServer server([](const Request&, int n) { return n == 1 ? Reply{} : CloseUnanswered(); });
  OutboundClient client(LocalOptions());
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(OutboundClient, FreshConnectionClosedBeforeAnsweringIsNotRetried) {
  TestServer server([](const Request&, int) { return CloseUnanswered(); });
  OutboundClient client(LocalOptions());
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.error, "connection closed");
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(server.connections(), 1);
}

TEST(OutboundClient, RequestsBeyondMaxInFlightWaitTheirTurn) {
  TestServer server([](const Request&, int) {
    Reply reply;
    reply.delay = 50ms;
    return reply;
  });
  OutboundOptions options = LocalOptions();
  options.max_in_flight = 1;
  OutboundClient client(options);
  std::vector<std::future<OutboundResult>> results;
  for (int i = 0; i < 3; ++i) {
    auto promise = std::make_shared<std::promise<OutboundResult>>();
    results.push_back(promise->get_future());
    client.Post(PostTo(server.Url()), [promise](OutboundResult r) { promise->set_value(r); });
  }
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(result.get().status, 200);
  }
  EXPECT_EQ(server.max_concurrent(), 1);
}

TEST(OutboundClient, DestructionCompletesPendingRequestsWithShutdown) {
  TestServer server([](const Request&, int) { return Never(); });
  OutboundOptions options = LocalOptions();
  options.max_in_flight = 1;
  options.total_timeout = 60s;
  std::vector<std::string> errors;  // written on the client's thread, read after it stopped
  {
    OutboundClient client(options);
    for (int i = 0; i < 2; ++i) {
      client.Post(PostTo(server.Url()),
                  [&errors](OutboundResult result) { errors.push_back(result.error); });
    }
    for (int i = 0; i < 200 && server.requests().empty(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(server.requests().size(), 1u);
  }
  EXPECT_EQ(errors, (std::vector<std::string>{"shutdown", "shutdown"}));
}

// The URL's own rules are tested in outbound_url_test.cpp; here, that they reach the result.
TEST(OutboundClient, BadUrlsAndHeadersFailWithoutAnyConnection) {
  OutboundClient client(LocalOptions());
  EXPECT_EQ(Send(client, PostTo("not a url")).error, "invalid url");
  EXPECT_EQ(Send(client, PostTo("ftp://example.com/")).error,
            "unsupported url scheme (http and https only)");
  OutboundRequest injected = PostTo("http://example.com/");
  injected.headers = {{"X-Signature", "a\r\nX-Injected: 1"}};
  EXPECT_EQ(Send(client, std::move(injected)).error, "invalid header X-Signature");
}

TEST(OutboundClient, InvalidOptionsAreRefused) {
  OutboundOptions options;
  options.max_in_flight = 0;
  EXPECT_THROW(OutboundClient{options}, std::invalid_argument);
  options = OutboundOptions{};
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(OutboundClient{options}, std::exception);
}

TEST(OutboundClient, UnknownHostIsADnsError) {
  OutboundClient client(LocalOptions());
  const OutboundResult result = Send(client, PostTo("http://no-such-host.invalid/"));
  EXPECT_EQ(result.status, 0);
  // An offline resolver may not answer at all; then the connect timeout speaks.
  EXPECT_TRUE(result.error.starts_with("dns: ") || result.error == "timeout") << result.error;
}

// ---- TLS --------------------------------------------------------------------------------------

// A CA and two server certificates signed by it, made once per run with the openssl command:
// "good" names localhost and 127.0.0.1, "other" names only other.test.
class OutboundClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("outbound_client_test." + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string d = dir_->string();
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string quiet = " >/dev/null 2>&1";
    std::ofstream(d + "/good.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    std::ofstream(d + "/other.cnf") << "subjectAltName=DNS:other.test\n";
    std::string script = "cd " + d + " && openssl req -x509" + key +
                         " -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca" + quiet;
    for (const std::string name : {"good", "other"}) {
      script += " && openssl req" + key + " -keyout " + name + ".key -out " + name +
                ".csr -subj /CN=" + name + quiet + " && openssl x509 -req -in " + name +
                ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile " + name +
                ".cnf -out " + name + ".pem" + quiet;
    }
    made_ = std::system(script.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }
  void SetUp() override {
    if (!made_) GTEST_SKIP() << "the openssl command could not make test certificates";
  }

  static std::string File(const std::string& name) { return (*dir_ / name).string(); }

  static std::unique_ptr<ssl::context> ServerContext(const std::string& name) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->use_certificate_chain_file(File(name + ".pem"));
    context->use_private_key_file(File(name + ".key"), ssl::context::pem);
    return context;
  }

  static OutboundOptions TrustingTestCa() {
    OutboundOptions options = LocalOptions();
    options.ca_file = File("ca.pem");
    return options;
  }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline bool made_ = false;
};

TEST_F(OutboundClientTls, UnknownCaFailsVerification) {
  auto tls = ServerContext("good");
  TestServer server(Answer(200), tls.get());
  OutboundClient client(LocalOptions());
  const OutboundResult result = Send(client, PostTo(server.Url()));
  EXPECT_EQ(result.status, 0);
  EXPECT_TRUE(result.error.starts_with("tls: certificate verify failed")) << result.error;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OutboundClientTls, CaFileIsTrusted) {
  auto tls = ServerContext("good");
  TestServer server(Answer(200, "secure"), tls.get());
  OutboundClient client(TrustingTestCa());
  const OutboundResult by_address = Send(client, PostTo(server.Url(), "payload"));
  EXPECT_EQ(by_address.error, "");
  EXPECT_EQ(by_address.status, 200);
  EXPECT_EQ(by_address.body, "secure");
  const OutboundResult by_name =
      Send(client, PostTo("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(by_name.error, "");
  EXPECT_EQ(by_name.status, 200);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body(), "payload");
}

TEST_F(OutboundClientTls, CertificateForAnotherNameFailsVerification) {
  auto tls = ServerContext("other");
  TestServer server(Answer(200), tls.get());
  OutboundClient client(TrustingTestCa());
  const OutboundResult by_address = Send(client, PostTo(server.Url()));
  EXPECT_TRUE(by_address.error.starts_with("tls: certificate verify failed")) << by_address.error;
  const OutboundResult by_name =
      Send(client, PostTo("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(by_name.error, "tls: certificate verify failed (hostname mismatch)");
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OutboundClientTls, KeepAliveReusesTheTlsConnection) {
  auto tls = ServerContext("good");
  TestServer server(Answer(200), tls.get());
  OutboundClient client(TrustingTestCa());
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(Send(client, PostTo(server.Url())).status, 200);
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace contactsd::http
