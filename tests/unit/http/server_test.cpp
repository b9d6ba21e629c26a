// A real Server on port 0, spoken to over plain POSIX sockets (no Beast on this side).
#include "http/server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace contactsd::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- a tiny blocking HTTP/1.1 client --------------------------------------------------------

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool Has(const std::string& name) const { return headers.count(name) > 0; }
  boost::json::object Json() const { return boost::json::parse(body).as_object(); }
};

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    timeval tv{5, 0};  // no test may hang on a read
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect");
    }
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // False when the server has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response; nullopt when the connection closes (or times out) first.
  // A response to HEAD: the head alone, whatever its Content-Length says.
  std::optional<HttpResponse> ReadHead() { return Read(/*head_only=*/true); }

  std::optional<HttpResponse> Read(bool head_only = false) {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    HttpResponse r;
    const std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    if (r.status == 100 || head_only) return r;
    const std::size_t length = r.Has("content-length") ? std::stoul(r.Header("content-length")) : 0;
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // How long a Read may wait for the server (5 s unless set).
  void SetReadTimeout(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // True when the server closes the connection (EOF or reset) before `timeout`, with no data.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    SetReadTimeout(timeout);
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool Fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

std::string Post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

// ---- the server under test ------------------------------------------------------------------

std::vector<api::Route> TestRoutes() {
  std::vector<api::Route> routes;
  routes.push_back(
      {"POST", "/echo", [](const api::Request& r) -> Result<api::Response> {
         return api::Response{200, r.body, {{"X-Body-Size", std::to_string(r.body.size())}}};
       }});
  routes.push_back({"GET", "/v1/contacts/{id}", [](const api::Request& r) -> Result<api::Response> {
                      r.log_org = "acme";
                      const std::string* ua = r.Header("x-test-header");
                      return api::Response{200,
                                           boost::json::serialize(boost::json::object{
                                               {"id", r.Param("id")},
                                               {"header", ua ? *ua : std::string("-")},
                                               {"request_id", r.request_id}}),
                                           {}};
                    }});
  routes.push_back({"PATCH", "/v1/contacts/{id}", [](const api::Request&) -> Result<api::Response> {
                      return api::Response{200, "{}", {}};
                    }});
  routes.push_back({"POST", "/validate", [](const api::Request&) -> Result<api::Response> {
                      return Error::Validation({{"email", "invalid_format", "Not an \"e-mail\""}});
                    }});
  routes.push_back({"GET", "/throw", [](const api::Request&) -> Result<api::Response> {
                      throw std::runtime_error("secret detail");
                    }});
  routes.push_back(
      {"DELETE", "/v1/contacts/{id}", [](const api::Request&) -> Result<api::Response> {
         return api::Response{204, "", {}};
       }});
  return routes;
}

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options = Quiet(),
                         std::vector<api::Route> routes = TestRoutes())
      : server_(std::move(options), std::move(routes)) {
    server_.Listen();
    thread_ = std::thread([this] {
      server_.Run();
      returned_ = true;
    });
  }
  ~RunningServer() { StopAndJoin(); }

  static ServerOptions Quiet() {
    ServerOptions o;
    o.port = 0;
    o.access_log = false;
    return o;
  }

  std::uint16_t port() const { return server_.port(); }
  bool returned() const { return returned_; }

  // How long Run() took to return after Stop().
  std::chrono::milliseconds StopAndJoin() {
    const auto start = Clock::now();
    if (thread_.joinable()) {
      server_.Stop();
      thread_.join();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }
  Server& server() { return server_; }

 private:
  Server server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

// Polls `condition` until it holds or `timeout` passes: a wait on what the server did, not on
// the clock. True when it held.
template <class Condition>
bool WaitUntil(Condition condition, std::chrono::milliseconds timeout = 3000ms) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Whether a connection to `port` is accepted (false once the listener is closed).
bool Accepts(std::uint16_t port) {
  try {
    Client probe(port);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

// Holds handlers until the test opens it; counts the handlers that have arrived.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++arrived_;
    arrived_cv_.notify_all();
    open_cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    open_cv_.notify_all();
  }
  // True when `n` handlers have arrived within `timeout`.
  bool WaitForArrivals(int n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return arrived_cv_.wait_for(lock, timeout, [&] { return arrived_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable open_cv_;
  std::condition_variable arrived_cv_;
  bool open_ = false;
  int arrived_ = 0;
};

// Opens the gate when the test ends, however it ends, so the server's shutdown (which waits for
// running handlers) cannot hang. Declare it after the RunningServer: it must run first.
struct OpenAtExit {
  Gate& gate;
  ~OpenAtExit() { gate.Open(); }
};

std::string Patch(const std::string& target, const std::string& body,
                  const std::string& extra_headers = "") {
  return "PATCH " + target +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

// TestRoutes() plus handlers that wait: GET /gated and PATCH /gated wait for `gate`, PATCH
// /echo-write/{id} answers {"id","body"} after a short sleep (a commit), PATCH /throw-write
// throws.
std::vector<api::Route> RoutesWithWrites(Gate* gate) {
  std::vector<api::Route> routes = TestRoutes();
  for (const char* method : {"GET", "PATCH"}) {
    routes.push_back({method, "/gated", [gate](const api::Request&) -> Result<api::Response> {
                        gate->Wait();
                        return api::Response{200, R"({"gated":true})", {}};
                      }});
  }
  routes.push_back(
      {"PATCH", "/echo-write/{id}", [](const api::Request& r) -> Result<api::Response> {
         std::this_thread::sleep_for(2ms);
         return api::Response{
             200,
             boost::json::serialize(boost::json::object{{"id", r.Param("id")}, {"body", r.body}}),
             {}};
       }});
  routes.push_back({"PATCH", "/throw-write", [](const api::Request&) -> Result<api::Response> {
                      throw std::runtime_error("secret write detail");
                    }});
  return routes;
}

// ---- tests ------------------------------------------------------------------------------------

TEST(Server, AnswersWithJsonAndTheStandardHeaders) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/c%201", "X-Test-Header: hello\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("server"), "contactsd");
  EXPECT_EQ(r->Header("content-length"), std::to_string(r->body.size()));
  const std::string id = r->Header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(r->Json(),
            (boost::json::object{{"id", "c 1"}, {"header", "hello"}, {"request_id", id}}));
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/one")));
  auto first = c.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Json().at("id").as_string(), "one");
  EXPECT_NE(first->Header("connection"), "close");
  ASSERT_TRUE(c.Send(Post("/echo", R"({"two":2})")));
  auto second = c.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, R"({"two":2})");
  EXPECT_EQ(second->Header("x-body-size"), "9");
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/a") + Post("/echo", "bee") + Get("/v1/contacts/c")));
  auto a = c.Read();
  auto b = c.Read();
  auto cc = c.Read();
  ASSERT_TRUE(a && b && cc);
  EXPECT_EQ(a->Json().at("id").as_string(), "a");
  EXPECT_EQ(b->body, "bee");
  EXPECT_EQ(cc->Json().at("id").as_string(), "c");
}

TEST(Server, ConnectionCloseIsHonoured) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/x", "Connection: close\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.ClosedWithin(2000ms));
}

TEST(Server, Http10IsAnsweredAndClosed) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send("GET /v1/contacts/old HTTP/1.0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.0");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json().at("id").as_string(), "old");
  EXPECT_TRUE(c.ClosedWithin(2000ms));
}

TEST(Server, Http10KeepAliveWhenAsked) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send("GET /v1/contacts/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  ASSERT_TRUE(c.Send("GET /v1/contacts/b HTTP/1.0\r\n\r\n"));
  auto r2 = c.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->Json().at("id").as_string(), "b");
}

TEST(Server, BodyOfExactlyTheLimitIsAccepted) {
  RunningServer s;
  Client c(s.port());
  const std::string body(1 << 20, 'x');
  ASSERT_TRUE(c.Send(Post("/echo", body)));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-body-size"), std::to_string(1 << 20));
}

TEST(Server, OversizedBodyIs413JsonThenClose) {
  RunningServer s;
  Client c(s.port());
  c.Send(Post("/echo", std::string((1 << 20) + 1, 'x'), "X-Request-Id: big-1\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(r->Header("x-request-id"), "big-1");
  EXPECT_EQ(r->Json(), (boost::json::object{{"error", "payload_too_large"},
                                            {"message", "The request body exceeds 1048576 bytes"},
                                            {"statusCode", 413}}));
  EXPECT_TRUE(c.ClosedWithin(3000ms));
}

TEST(Server, OversizedChunkedBodyIs413) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.max_body_bytes = 10;
  RunningServer s(o);
  Client c(s.port());
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Json().at("error").as_string(), "payload_too_large");
}

TEST(Server, OversizedHeadersAre431JsonThenClose) {
  RunningServer s;
  Client c(s.port());
  c.Send(Get("/v1/contacts/x", "X-Big: " + std::string(17 << 10, 'h') + "\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("x-request-id").size(), 16u);
  EXPECT_EQ(r->Json(), (boost::json::object{{"error", "headers_too_large"},
                                            {"message", "The request headers exceed 16384 bytes"},
                                            {"statusCode", 431}}));
  EXPECT_TRUE(c.ClosedWithin(3000ms));
}

TEST(Server, MalformedRequestIs400JsonThenClose) {
  RunningServer s;
  for (const std::string& bad : {std::string("GARBAGE\r\n\r\n"),
                                 std::string("GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                                 std::string("GET /x HTTP/9.9\r\n\r\n")}) {
    Client c(s.port());
    c.Send(bad);
    auto r = c.Read();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    const boost::json::object body = r->Json();
    EXPECT_EQ(body.at("error").as_string(), "bad_request");
    EXPECT_EQ(body.at("statusCode").as_int64(), 400);
    EXPECT_TRUE(c.ClosedWithin(3000ms)) << bad;
  }
}

// A target the server cannot read is as untrustworthy as bad framing: what follows it on the
// connection is never parsed.
TEST(Server, TargetThatBoostUrlRejectsIs400AndClosesTheConnection) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/%zz") + Get("/v1/contacts/ok")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(r->Json().at("error").as_string(), "bad_request");
  EXPECT_TRUE(c.ClosedWithin(3000ms));
}

TEST(Server, UnknownRouteIs404Json) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/nothing-here")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Json(), (boost::json::object{{"error", "not_found"},
                                            {"message", "No route matches /v1/nothing-here"},
                                            {"statusCode", 404}}));
}

TEST(Server, WrongMethodIs405WithAllow) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Post("/v1/contacts/7", "{}")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, HEAD, PATCH, DELETE, OPTIONS");
  const boost::json::object body = r->Json();
  EXPECT_EQ(body.at("error").as_string(), "method_not_allowed");
  EXPECT_EQ(body.at("statusCode").as_int64(), 405);
}

// An answer to HEAD carries the head a GET would get and no body: the next answer on the
// connection is read right after it (a body would be read as the next status line).
TEST(Server, HeadIsAnsweredWithoutABody) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(
      c.Send("HEAD /v1/contacts/7 HTTP/1.1\r\nHost: test\r\n\r\n" + Post("/v1/contacts/7", "{}")));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);  // the GET route's answer
  EXPECT_GT(std::stoul(head->Header("content-length")), 0u);
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 405);
  EXPECT_EQ(next->Json().at("error").as_string(), "method_not_allowed");
}

// A route's fixed body (a page's script) is shared by its answers, not copied into each: it
// takes nothing of the budget for large answers, so clients that ask for it and never read
// cannot spend that budget. Here the body is larger than the whole budget: an answer copying it
// is refused at once, the shared one is sent whole, GET and HEAD alike.
TEST(Server, ASharedBodyIsSentWholeWithoutTheBudgetForLargeAnswers) {
  auto script = std::make_shared<const std::string>(std::string(3 << 20, 'x'));
  std::vector<api::Route> routes = TestRoutes();
  routes.push_back({"GET", "/shared", [script](const api::Request&) -> Result<api::Response> {
                      api::Response answer{200, {}, {{"Content-Type", "text/javascript"}}};
                      answer.shared_body = script;
                      return answer;
                    }});
  routes.push_back({"GET", "/copied", [script](const api::Request&) -> Result<api::Response> {
                      return api::Response{200, *script, {{"Content-Type", "text/javascript"}}};
                    }});
  ServerOptions options = RunningServer::Quiet();
  options.limits.max_buffered_answer_bytes = 1 << 20;
  RunningServer s(options, std::move(routes));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/copied")));
  auto copied = c.Read();
  ASSERT_TRUE(copied);
  EXPECT_EQ(copied->status, 503);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(Get("/shared")));
    auto shared = c.Read();
    ASSERT_TRUE(shared);
    EXPECT_EQ(shared->status, 200);
    EXPECT_EQ(shared->Header("content-type"), "text/javascript");
    EXPECT_EQ(shared->body, *script);
  }
  ASSERT_TRUE(c.Send("HEAD /shared HTTP/1.1\r\nHost: test\r\n\r\n" + Get("/v1/contacts/7")));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(script->size()));
  auto next = c.Read();  // nothing of the body came after the head
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->Json().at("id").as_string(), "7");
}

TEST(Server, HandlerErrorWithDetailsIsRendered) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Post("/validate", "{}")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const boost::json::object body = r->Json();
  EXPECT_EQ(body.at("error").as_string(), "validation_failed");
  EXPECT_EQ(
      body.at("details"),
      (boost::json::array{boost::json::object{
          {"field", "email"}, {"code", "invalid_format"}, {"message", "Not an \"e-mail\""}}}));
}

TEST(Server, HandlerExceptionIs500WithRequestIdAndTheConnectionLives) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/throw")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const std::string id = r->Header("x-request-id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(r->Json(),
            (boost::json::object{{"error", "internal_error"},
                                 {"message", "Internal server error (request id " + id + ")"},
                                 {"statusCode", 500}}));
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
  ASSERT_TRUE(c.Send(Get("/v1/contacts/after")));
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->Json().at("id").as_string(), "after");
}

TEST(Server, RequestIdIsEchoedWhenSaneAndGeneratedWhenNot) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/1", "X-Request-Id: client-id_1.2:3\r\n")));
  auto sane = c.Read();
  ASSERT_TRUE(sane);
  EXPECT_EQ(sane->Header("x-request-id"), "client-id_1.2:3");
  EXPECT_EQ(sane->Json().at("request_id").as_string(), "client-id_1.2:3");

  ASSERT_TRUE(c.Send(Get("/v1/contacts/1", "X-Request-Id: not sane!\r\n")));
  auto insane = c.Read();
  ASSERT_TRUE(insane);
  const std::string generated = insane->Header("x-request-id");
  EXPECT_EQ(generated.size(), 16u);
  EXPECT_EQ(generated.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(insane->Json().at("request_id").as_string(), generated);

  ASSERT_TRUE(c.Send(Get("/v1/contacts/1", "X-Request-Id: " + std::string(65, 'a') + "\r\n")));
  auto too_long = c.Read();
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->Header("x-request-id").size(), 16u);
}

TEST(Server, NoContentHasNoBody) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send("DELETE /v1/contacts/1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->body.empty());
  EXPECT_FALSE(r->Has("content-type"));
  EXPECT_TRUE(r->Has("x-request-id"));
  ASSERT_TRUE(c.Send(Get("/v1/contacts/2")));  // framing still right after a 204
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->Json().at("id").as_string(), "2");
}

TEST(Server, ExpectContinueGetsA100First) {
  RunningServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST(Server, HeaderTimeoutClosesASilentConnection) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.header_timeout = 200ms;
  RunningServer s(o);
  {
    Client silent(s.port());
    const auto start = Clock::now();
    EXPECT_TRUE(silent.ClosedWithin(3000ms));
    EXPECT_GE(Clock::now() - start, 150ms);
  }
  {
    Client partial(s.port());  // a header that never ends
    ASSERT_TRUE(partial.Send("GET /v1/contacts/1 HTTP/1.1\r\nHost: t\r\n"));
    const auto start = Clock::now();
    EXPECT_TRUE(partial.ClosedWithin(3000ms));
    EXPECT_LT(Clock::now() - start, 2000ms);
  }
}

TEST(Server, BodyTimeoutClosesAStalledUpload) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.body_timeout = 200ms;
  RunningServer s(o);
  Client c(s.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(c.ClosedWithin(3000ms));
}

TEST(Server, IdleTimeoutClosesAQuietKeepAliveConnection) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.idle_timeout = 200ms;
  RunningServer s(o);
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/1")));
  ASSERT_TRUE(c.Read());
  const auto start = Clock::now();
  EXPECT_TRUE(c.ClosedWithin(3000ms));
  EXPECT_GE(Clock::now() - start, 150ms);
}

// At the cap an idle connection makes room for a new one; a busy one does not.
TEST(Server, AtTheCapIdleConnectionsAreShedForNewOnes) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.max_connections = 1;
  RunningServer s(o);
  Client idle(s.port());
  ASSERT_TRUE(idle.Send(Get("/v1/contacts/1")));
  ASSERT_TRUE(idle.Read());
  // The first connection counts as idle once the server waits for its next request, a moment
  // after the client has read the answer; a new connection before that finds none to shed and
  // is closed. So: new connections until one is served.
  std::optional<HttpResponse> served;
  ASSERT_TRUE(WaitUntil([&] {
    Client fresh(s.port());
    if (fresh.Send(Get("/v1/contacts/2"))) served = fresh.Read();
    return served.has_value();
  }));
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(idle.ClosedWithin(3000ms));
}

TEST(Server, AtTheCapWithNoIdleConnectionTheNewOneIsClosed) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.max_connections = 1;
  Gate gate;
  RunningServer s(o, RoutesWithWrites(&gate));
  OpenAtExit open_at_exit{gate};
  Client busy(s.port());
  ASSERT_TRUE(busy.Send(Get("/gated")));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  Client refused(s.port());
  EXPECT_TRUE(refused.ClosedWithin(3000ms));
  gate.Open();
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(Server, ConnectionsPerClientAddressAreCapped) {
  ServerOptions o = RunningServer::Quiet();
  o.limits.max_connections_per_ip = 2;
  RunningServer s(o);
  Client a(s.port()), b(s.port());
  for (Client* c : {&a, &b}) {
    ASSERT_TRUE(c->Send(Get("/v1/contacts/1")));
    ASSERT_TRUE(c->Read());
  }
  Client third(s.port());
  EXPECT_TRUE(third.ClosedWithin(3000ms));
}

TEST(Server, StopReturnsRunPromptlyAndClosesIdleConnections) {
  RunningServer s;
  Client idle(s.port());
  ASSERT_TRUE(idle.Send(Get("/v1/contacts/1")));
  ASSERT_TRUE(idle.Read());
  const auto took = s.StopAndJoin();
  EXPECT_TRUE(s.returned());
  // Not the idle connection's keep-alive timeout (60 s): the bound is that, with room for a
  // loaded or sanitized build, not a measure of speed.
  EXPECT_LT(took, 10000ms);
  EXPECT_TRUE(idle.ClosedWithin(1000ms));
}

// Stop() while a handler runs: Run() waits for it and its client gets the answer, then a close.
void ExpectStopWaitsForTheRunningHandler(const ServerOptions& options, const std::string& request) {
  Gate gate;
  RunningServer s(options, RoutesWithWrites(&gate));
  OpenAtExit open_at_exit{gate};
  Client busy(s.port());
  ASSERT_TRUE(busy.Send(request));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  s.server().Stop();
  // The stop is under way once new connections are refused; the handler is still held, so
  // Run() must not have returned.
  ASSERT_TRUE(WaitUntil([&] { return !Accepts(s.port()); }));
  EXPECT_FALSE(s.returned());
  gate.Open();
  EXPECT_TRUE(WaitUntil([&] { return s.returned(); }));
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"gated":true})");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(busy.ClosedWithin(1000ms));
}

TEST(Server, StopLetsAnInFlightRequestFinish) {
  ServerOptions o = RunningServer::Quiet();
  o.threads = 2;
  ExpectStopWaitsForTheRunningHandler(o, Get("/gated"));
}

TEST(Server, SigtermStopsRun) {
  RunningServer s;
  Client c(s.port());
  // An answer proves Run() is serving, so its signal_set has replaced the default handler.
  ASSERT_TRUE(c.Send(Get("/v1/contacts/1")));
  ASSERT_TRUE(c.Read());
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  const auto deadline = Clock::now() + 2s;
  while (!s.returned() && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(s.returned());
  EXPECT_TRUE(c.ClosedWithin(1000ms));
}

TEST(Server, StopBeforeRunMakesRunReturn) {
  Server server(RunningServer::Quiet(), TestRoutes());
  server.Listen();
  server.Stop();
  const auto start = Clock::now();
  server.Run();
  EXPECT_LT(Clock::now() - start, 1000ms);
}

TEST(Server, ListenOnAPortInUseThrowsAClearError) {
  RunningServer s;
  ServerOptions o = RunningServer::Quiet();
  o.port = s.port();
  Server second(o, TestRoutes());
  try {
    second.Listen();
    FAIL() << "Listen() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(s.port())),
              std::string::npos)
        << e.what();
  }
}

TEST(Server, AccessLogDoesNotDisturbServing) {
  ServerOptions o = RunningServer::Quiet();
  o.access_log = true;
  RunningServer s(o);
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/v1/contacts/logged")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// ---- writes on the worker pool -------------------------------------------------------------

// Is a GET on another connection answered within `wait` while a PATCH's handler is held (by a
// gate)? Once the gate opens, both are answered, whatever the answer was.
bool ReadAnsweredWhileAWriteIsHeld(const ServerOptions& options, std::chrono::milliseconds wait) {
  Gate gate;
  RunningServer s(options, RoutesWithWrites(&gate));
  OpenAtExit open_at_exit{gate};
  Client writer(s.port());
  EXPECT_TRUE(writer.Send(Patch("/gated", "{}")));
  EXPECT_TRUE(gate.WaitForArrivals(1));

  Client reader(s.port());
  reader.SetReadTimeout(wait);
  EXPECT_TRUE(reader.Send(Get("/v1/contacts/r")));
  auto read = reader.Read();
  const bool answered = read.has_value();
  if (answered) {
    EXPECT_EQ(read->status, 200);
  }

  gate.Open();
  auto written = writer.Read();
  EXPECT_TRUE(written);
  if (written) {
    EXPECT_EQ(written->status, 200);
    EXPECT_EQ(written->body, R"({"gated":true})");
  }
  if (!answered) {
    reader.SetReadTimeout(5000ms);
    auto late = reader.Read();
    EXPECT_TRUE(late && late->status == 200);
  }
  return answered;
}

TEST(ServerWorkers, AHeldWriteDoesNotHoldUpAReadOnAnotherConnection) {
  ServerOptions o = RunningServer::Quiet();
  o.threads = 1;  // the one I/O thread must stay free while the PATCH's handler is held
  o.worker_threads = 2;
  EXPECT_TRUE(ReadAnsweredWhileAWriteIsHeld(o, 5000ms));
}

TEST(ServerWorkers, WithoutWorkersAHeldWriteDoesHoldUpTheRead) {
  // The control for the test above: it shows what it claims to. The one I/O thread runs the
  // held handler, so nothing can answer the read until the gate opens; the wait only bounds
  // how long the test looks.
  ServerOptions o = RunningServer::Quiet();
  o.threads = 1;
  o.worker_threads = 0;
  EXPECT_FALSE(ReadAnsweredWhileAWriteIsHeld(o, 300ms));
}

TEST(ServerWorkers, ManyConcurrentWritesAllCompleteWithTheirOwnBodies) {
  ServerOptions o = RunningServer::Quiet();
  o.threads = 2;
  o.worker_threads = 4;
  RunningServer s(o, RoutesWithWrites(nullptr));
  constexpr int kConnections = 48;
  constexpr int kPerConnection = 4;  // pipelined: answered in order, one at a time
  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.push_back(std::make_unique<Client>(s.port()));
    std::string pipeline;
    for (int i = 0; i < kPerConnection; ++i) {
      const std::string id = std::to_string(c) + "-" + std::to_string(i);
      pipeline += Patch("/echo-write/" + id, R"({"n":")" + id + R"("})");
    }
    ASSERT_TRUE(clients.back()->Send(pipeline));
  }
  for (int c = 0; c < kConnections; ++c) {
    for (int i = 0; i < kPerConnection; ++i) {
      const std::string id = std::to_string(c) + "-" + std::to_string(i);
      auto r = clients[c]->Read();
      ASSERT_TRUE(r) << id;
      EXPECT_EQ(r->status, 200) << id;
      EXPECT_EQ(r->Json(), (boost::json::object{{"id", id}, {"body", R"({"n":")" + id + R"("})"}}));
    }
  }
}

TEST(ServerWorkers, AWriteThatThrowsIs500AndTheConnectionLives) {
  RunningServer s(RunningServer::Quiet(), RoutesWithWrites(nullptr));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Patch("/throw-write", "{}")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const std::string id = r->Header("x-request-id");
  EXPECT_EQ(r->Json(),
            (boost::json::object{{"error", "internal_error"},
                                 {"message", "Internal server error (request id " + id + ")"},
                                 {"statusCode", 500}}));
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
  ASSERT_TRUE(c.Send(Patch("/echo-write/after", "x")));
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(ServerWorkers, StopWaitsForARunningWriteAndItsClientGetsTheAnswer) {
  ExpectStopWaitsForTheRunningHandler(RunningServer::Quiet(), Patch("/gated", "{}"));
}

TEST(ServerWorkers, AWritePastTheShutdownTimeoutLosesItsConnectionButIsWaitedFor) {
  ServerOptions o = RunningServer::Quiet();
  o.shutdown_timeout = 100ms;
  Gate gate;
  std::atomic<bool> finished{false};
  std::vector<api::Route> routes = RoutesWithWrites(&gate);
  routes.push_back({"PUT", "/stuck", [&](const api::Request&) -> Result<api::Response> {
                      gate.Wait();
                      finished = true;
                      return api::Response{200, "{}", {}};
                    }});
  RunningServer s(o, std::move(routes));
  OpenAtExit open_at_exit{gate};
  Client stuck(s.port());
  ASSERT_TRUE(stuck.Send("PUT /stuck HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  std::thread opener([&] {
    std::this_thread::sleep_for(500ms);  // well past the timeout
    gate.Open();
  });
  s.server().Stop();
  // The connection is closed at the timeout, before the handler returns.
  EXPECT_TRUE(stuck.ClosedWithin(400ms));
  EXPECT_FALSE(finished);
  const auto took = s.StopAndJoin();
  opener.join();
  EXPECT_TRUE(finished);  // Run() did not return before the handler did
  EXPECT_LT(took, 3000ms);
}

// A route with large answers is built on the bulk pool: while one is held, the only I/O thread
// still answers other connections; past the bulk queue the next one is a 503 at once.
TEST(ServerWorkers, LargeAnswersAreBuiltOffTheIoThreadsWithABoundedQueue) {
  ServerOptions o = RunningServer::Quiet();
  o.threads = 1;
  o.bulk_threads = 1;
  o.limits.max_bulk_queue = 1;
  Gate gate;
  std::vector<api::Route> routes = TestRoutes();
  api::Route bulk{"GET", "/bulk", [&gate](const api::Request&) -> Result<api::Response> {
                    gate.Wait();
                    return api::Response{200, R"({"bulk":true})", {}};
                  }};
  bulk.large_answers = true;
  routes.push_back(std::move(bulk));
  RunningServer s(o, std::move(routes));
  OpenAtExit open_at_exit{gate};

  Client running(s.port());
  ASSERT_TRUE(running.Send(Get("/bulk")));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  Client other(s.port());  // the I/O thread is free
  ASSERT_TRUE(other.Send(Get("/v1/contacts/1")));
  auto quick = other.Read();
  ASSERT_TRUE(quick);
  EXPECT_EQ(quick->status, 200);
  Client queued(s.port());
  ASSERT_TRUE(queued.Send(Get("/bulk")));
  ASSERT_TRUE(WaitUntil([&] { return s.server().stats().bulk_queue == 1; }));
  Client refused(s.port());
  ASSERT_TRUE(refused.Send(Get("/bulk")));
  auto r = refused.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("retry-after"), "1");
  gate.Open();
  for (Client* c : {&running, &queued}) {
    auto done = c->Read();
    ASSERT_TRUE(done);
    EXPECT_EQ(done->body, R"({"bulk":true})");
  }
}

TEST(ServerWorkers, AFullWorkerQueueIsAnswered503AtOnce) {
  ServerOptions o = RunningServer::Quiet();
  o.worker_threads = 1;
  o.limits.max_worker_queue = 1;
  Gate gate;
  RunningServer s(o, RoutesWithWrites(&gate));
  OpenAtExit open_at_exit{gate};

  Client running(s.port());  // occupies the only worker
  ASSERT_TRUE(running.Send(Patch("/gated", "{}")));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  Client queued(s.port());  // fills the queue
  ASSERT_TRUE(queued.Send(Patch("/gated", "{}")));
  ASSERT_TRUE(WaitUntil([&] { return s.server().stats().worker_queue == 1; }));

  Client refused(s.port());
  ASSERT_TRUE(refused.Send(Patch("/echo-write/x", "{}", "X-Request-Id: over-1\r\n")));
  auto r = refused.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("retry-after"), "1");
  EXPECT_EQ(r->Header("x-request-id"), "over-1");
  EXPECT_EQ(r->body, R"({"error":"unavailable","message":"The server is overloaded; retry later",)"
                     R"("statusCode":503})");
  // Reads do not need a worker, and the refused connection stays usable.
  ASSERT_TRUE(refused.Send(Get("/v1/contacts/still-here")));
  auto read = refused.Read();
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);

  gate.Open();
  for (Client* c : {&running, &queued}) {
    auto done = c->Read();
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, 200);
    EXPECT_EQ(done->body, R"({"gated":true})");
  }
  ASSERT_TRUE(refused.Send(Patch("/echo-write/y", "{}")));  // room again
  auto again = refused.Read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

// ---- asynchronous handlers --------------------------------------------------------------------

// Stands in for a database writer: holds the replies handed to it and calls them from a thread
// of its own, `delay` after each arrived.
class Replier {
 public:
  explicit Replier(std::chrono::milliseconds delay) : delay_(delay), thread_([this] { Loop(); }) {}
  ~Replier() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Hold(api::Reply reply, std::string id) {
    std::lock_guard lock(mu_);
    held_.push_back({std::move(reply), std::move(id)});
    cv_.notify_all();
  }
  std::thread::id thread_id() const { return thread_.get_id(); }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !held_.empty(); });
      if (held_.empty()) return;
      auto [reply, id] = std::move(held_.front());
      held_.erase(held_.begin());
      lock.unlock();
      std::this_thread::sleep_for(delay_);
      const std::thread::id replied_on = std::this_thread::get_id();
      reply([id, replied_on]() -> Result<api::Response> {
        const bool elsewhere = std::this_thread::get_id() != replied_on;
        return api::Response{
            200,
            boost::json::serialize(boost::json::object{{"id", id}, {"elsewhere", elsewhere}}),
            {}};
      });
      lock.lock();
    }
  }

  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<api::Reply, std::string>> held_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

// TestRoutes() plus asynchronous ones: PATCH /async/{id} hands its reply to `replier`, PATCH
// /async-dropped drops its reply, PATCH /async-throw throws; all of them only queue their work
// (async_blocks = false), unlike PATCH /async-worker, which waits for `gate` and then replies.
std::vector<api::Route> AsyncRoutes(Replier* replier, Gate* gate = nullptr) {
  std::vector<api::Route> routes = TestRoutes();
  auto async = [](std::string method, std::string pattern, api::AsyncHandler handler,
                  bool blocks = false) {
    return api::Route{.method = std::move(method),
                      .pattern = std::move(pattern),
                      .handler = {},
                      .async_handler = std::move(handler),
                      .async_blocks = blocks};
  };
  routes.push_back(
      async("PATCH", "/async/{id}", [replier](const api::Request& r, api::Reply reply) {
        replier->Hold(std::move(reply), std::string(r.Param("id")));
      }));
  routes.push_back(async("PATCH", "/async-dropped", [](const api::Request&, api::Reply) {}));
  routes.push_back(async("PATCH", "/async-throw", [](const api::Request&, api::Reply) {
    throw std::runtime_error("secret async detail");
  }));
  routes.push_back(async(
      "PATCH", "/async-worker",
      [gate](const api::Request&, api::Reply reply) {
        if (gate) gate->Wait();
        reply([]() -> Result<api::Response> {
          return api::Response{200, R"({"worker":true})", {}};
        });
      },
      true));
  return routes;
}

TEST(ServerAsync, AReplyFromAnotherThreadIsRenderedOnTheConnectionsLoop) {
  Replier replier(5ms);
  RunningServer s(RunningServer::Quiet(), AsyncRoutes(&replier));
  Client c(s.port());
  for (const char* id : {"a", "b"}) {  // twice on one connection: it stays usable
    ASSERT_TRUE(c.Send(Patch(std::string("/async/") + id, "{}")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::string(R"({"id":")") + id + R"(","elsewhere":true})");
    EXPECT_EQ(r->Header("content-type"), "application/json");
  }
}

TEST(ServerAsync, ManyConnectionsWaitingForRepliesAllGetTheirOwn) {
  Replier replier(1ms);
  RunningServer s(RunningServer::Quiet(), AsyncRoutes(&replier));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 16; ++i) {
    clients.push_back(std::make_unique<Client>(s.port()));
    ASSERT_TRUE(clients.back()->Send(Patch("/async/c" + std::to_string(i), "{}")));
  }
  for (int i = 0; i < 16; ++i) {
    auto r = clients[i]->Read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, R"({"id":"c)" + std::to_string(i) + R"(","elsewhere":true})");
  }
}

TEST(ServerAsync, ADroppedReplyIs500AndTheConnectionLives) {
  Replier replier(0ms);
  RunningServer s(RunningServer::Quiet(), AsyncRoutes(&replier));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Patch("/async-dropped", "{}", "X-Request-Id: dropped-1\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("x-request-id"), "dropped-1");
  EXPECT_NE(r->body.find("dropped-1"), std::string::npos);  // the message names the request
  ASSERT_TRUE(c.Send(Patch("/async/after", "{}")));
  auto after = c.Read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, R"({"id":"after","elsewhere":true})");
}

TEST(ServerAsync, AThrowingAsyncHandlerIs500WithoutItsDetail) {
  Replier replier(0ms);
  RunningServer s(RunningServer::Quiet(), AsyncRoutes(&replier));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Patch("/async-throw", "{}")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
}

// With one I/O thread, a blocking async handler that ran inline would hold up every other
// connection; on the worker pool it does not.
TEST(ServerAsync, ABlockingAsyncHandlerRunsOnTheWorkerPool) {
  Replier replier(0ms);
  Gate gate;
  ServerOptions o = RunningServer::Quiet();
  o.threads = 1;
  RunningServer s(o, AsyncRoutes(&replier, &gate));
  OpenAtExit open_at_exit{gate};
  Client held(s.port());
  ASSERT_TRUE(held.Send(Patch("/async-worker", "{}")));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  Client other(s.port());
  ASSERT_TRUE(other.Send(Get("/v1/contacts/meanwhile")));
  auto read = other.Read();
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_NE(read->body.find(R"("id":"meanwhile")"), std::string::npos) << read->body;
  gate.Open();
  auto r = held.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"worker":true})");
}

// A blocking async handler that finds the worker queue full is answered 503 at once, like a
// synchronous write, and its connection stays usable.
TEST(ServerAsync, ABlockingAsyncHandlerPastAFullWorkerQueueIs503) {
  Replier replier(0ms);
  Gate gate;
  ServerOptions o = RunningServer::Quiet();
  o.worker_threads = 1;
  o.limits.max_worker_queue = 1;
  RunningServer s(o, AsyncRoutes(&replier, &gate));
  OpenAtExit open_at_exit{gate};
  Client running(s.port());  // occupies the only worker
  ASSERT_TRUE(running.Send(Patch("/async-worker", "{}")));
  ASSERT_TRUE(gate.WaitForArrivals(1));
  Client queued(s.port());  // fills the queue
  ASSERT_TRUE(queued.Send(Patch("/async-worker", "{}")));
  std::this_thread::sleep_for(100ms);  // let the server queue it

  Client refused(s.port());
  ASSERT_TRUE(refused.Send(Patch("/async-worker", "{}", "X-Request-Id: over-async\r\n")));
  auto r = refused.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("retry-after"), "1");
  EXPECT_EQ(r->Header("x-request-id"), "over-async");
  EXPECT_EQ(r->body, R"({"error":"unavailable","message":"The server is overloaded; retry later",)"
                     R"("statusCode":503})");
  gate.Open();
  for (Client* c : {&running, &queued}) {
    auto done = c->Read();
    ASSERT_TRUE(done);
    EXPECT_EQ(done->body, R"({"worker":true})");
  }
  ASSERT_TRUE(refused.Send(Patch("/async-worker", "{}")));  // room again
  auto again = refused.Read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, R"({"worker":true})");
}

TEST(ServerAsync, StopWaitsForAPendingReplyAndItsClientGetsTheAnswer) {
  Replier replier(300ms);
  RunningServer s(RunningServer::Quiet(), AsyncRoutes(&replier));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Patch("/async/late", "{}")));
  std::this_thread::sleep_for(50ms);  // the handler has handed its reply over
  const auto took = s.StopAndJoin();
  EXPECT_GE(took, 150ms);  // Run() waited for the reply
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"id":"late","elsewhere":true})");
  EXPECT_EQ(r->Header("connection"), "close");
}

}  // namespace
}  // namespace contactsd::http
