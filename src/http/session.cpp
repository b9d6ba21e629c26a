#include "http/session.hpp"

#include "common/log.hpp"
#include "http/dispatch.hpp"
#include "http/error_render.hpp"
#include "http/http_date.hpp"
#include "http/request_head.hpp"
#include "http/request_id.hpp"
#include "http/response_head.hpp"
#include "http/target.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <utility>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr std::size_t kReadChunk = 4096;
// After an error answer, read and drop what the client is still sending, for at most this long,
// so that closing does not reset the connection before the client has read the answer.
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

std::int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Session::LogSessionFailure(std::string_view request_id, const std::exception& e) {
  const log::Field rid{"rid", request_id};
  log::Write(log::Level::kError, "session_failed", e.what(),
             std::span<const log::Field>(&rid, request_id.empty() ? 0 : 1));
}

Session::Session(asio::ip::tcp::socket&& socket, std::shared_ptr<ServerState> state,
                 std::string address)
    : stream_(std::move(socket)), state_(std::move(state)), address_(std::move(address)) {}

Session::~Session() {
  if (in_request_) state_->request_metrics.Ended();  // closed before its answer was written
  state_->Unregister(this);
}

void Session::Start() {
  state_->Register(this, weak_from_this(), address_);
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&Session::WaitForRequest, shared_from_this()));
}

void Session::Shutdown(bool force) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), force] {
    self->stopping_ = true;
    if (force || self->phase_ == Phase::kIdle || self->phase_ == Phase::kLingering) self->Close();
  });
}

void Session::WaitForRequest() {
  if (stopping_ || state_->stopping()) {
    CloseGracefully();
    return;
  }
  const RequestLimits& limits = state_->limits;
  had_credentials_ = false;
  preflight_ = false;
  route_match_ = nullptr;
  origin_.clear();
  parser_.emplace();
  LimitParser(*parser_, limits);
  // The body limit is checked against Content-Length as the head ends, before the route is
  // known: a route that streams its body may take more. AnswerBeforeBody sets the route's.
  parser_->body_limit(limits.max_streamed_body_bytes);

  if (buffer_.size() > 0) {  // a pipelined request is already here
    phase_ = Phase::kReading;
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(limits.header_timeout);
    ReadHeader();
    return;
  }
  // Wait for the first bytes on their own, so that a keep-alive connection may sit idle for
  // idle_timeout while a header, once started, must be complete within header_timeout.
  phase_ = Phase::kIdle;
  idle_since_ms_.store(SteadyMillis(), std::memory_order_relaxed);
  stream_.expires_after(first_message_ ? limits.header_timeout : limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
}

void Session::OnFirstBytes(beast::error_code ec, std::size_t bytes) {
  idle_since_ms_.store(-1, std::memory_order_relaxed);
  if (ec) {  // the client left, went quiet or we are shutting down: nothing to answer
    Close();
    return;
  }
  buffer_.commit(bytes);
  phase_ = Phase::kReading;
  started_ = std::chrono::steady_clock::now();
  // For the first message the header_timeout deadline runs from the accept.
  if (!first_message_) stream_.expires_after(state_->limits.header_timeout);
  ReadHeader();
}

void Session::ReadHeader() {
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
}

void Session::OnHeader(beast::error_code ec, std::size_t) {
  if (ec) {
    HandleReadError(ec);
    return;
  }
  try {
    TakeHead();
    if (std::optional<api::Response> early = AnswerBeforeBody()) {
      AnswerEarly(std::move(*early));
      return;
    }
  } catch (const std::exception& e) {  // e.g. bad_alloc
    LogSessionFailure(request_.request_id, e);
    Close();
    return;
  }
  if (route_match_ != nullptr && route_match_->open_body) {
    StreamBody();
    return;
  }
  if (parser_->is_done()) {
    HandleRequest();
    return;
  }
  stream_.expires_after(state_->limits.body_timeout);
  if (version_ >= 11 && beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
    return;
  }
  ReadBody();
}

void Session::OnContinueWritten(beast::error_code ec, std::size_t) {
  if (ec) {
    Close();
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::OnBody, shared_from_this()));
}

void Session::OnBody(beast::error_code ec, std::size_t) {
  if (ec) {
    HandleReadError(ec);
    return;
  }
  HandleRequest();
}

void Session::HandleReadError(beast::error_code ec) {
  // A client that leaves, goes quiet or is cut off by a shutdown gets no answer; one that stops
  // sending in the middle of a request (a half-close) is told what was wrong with it.
  if (!IsHttpError(ec) || ec == bhttp::error::end_of_stream) {
    Close();
    return;
  }
  const RequestLimits& limits = state_->limits;
  Error error;
  if (ec == bhttp::error::body_limit) {
    error = TooLargeBody(route_match_ != nullptr && route_match_->open_body
                             ? static_cast<std::size_t>(limits.max_streamed_body_bytes)
                             : limits.max_body_bytes);
  } else if (ec == bhttp::error::header_limit) {
    // The parser consumes the request line once it is whole (then the target is known) and the
    // header lines one by one; a request line still in the buffer is one too long to parse.
    std::size_t target = parser_->get().target().size();
    if (target == 0) {
      const std::string_view rest(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      target = std::min(rest.find("\r\n"), rest.size());
    }
    error = target > limits.max_target_bytes
                ? Error::UriTooLong("The request target exceeds " +
                                    std::to_string(limits.max_target_bytes) + " bytes")
                : Error::HeadersTooLarge("The request headers exceed " +
                                         std::to_string(limits.max_header_bytes) + " bytes");
  } else if (ec == bhttp::error::partial_message) {
    error = Error::BadRequest("The connection was closed before the request was complete");
  } else {
    error = Error::BadRequest("Malformed HTTP request: " + ec.message());
  }
  // After a body_limit on Content-Length the header has been parsed: keep the client's id.
  const auto& partial = parser_->get();
  const auto id = partial.find("x-request-id");
  const std::string client_id = id == partial.end() ? std::string() : std::string(id->value());
  request_id_ = RequestIdFor(&client_id);
  method_ = partial.method_string().empty() ? "-" : std::string(partial.method_string());
  route_ = "-";
  unrouted_path_.assign(PathOf(partial.target()));
  org_.clear();
  linger_after_write_ = true;
  Send(RenderError(error), 11, false);
}

void Session::Respond(api::Request request, Dispatched dispatched, unsigned version,
                      bool wants_keep_alive) {
  if (phase_ == Phase::kClosed) {  // a forced shutdown closed it while the handler ran
    log::Warn("answer_not_sent", "the connection was closed while the handler ran",
              {{"rid", request.request_id},
               {"method", request.method},
               {"route", dispatched.route},
               {"status", dispatched.response.status}});
    return;
  }
  // Checked after the handler: a shutdown that began meanwhile closes this connection.
  const bool keep_alive =
      wants_keep_alive && !linger_after_write_ && !stopping_ && !state_->stopping();
  for (auto& header : request.answer_headers)
    dispatched.response.headers.push_back(std::move(header));
  method_ = std::move(request.method);
  route_ = dispatched.route;
  org_ = std::move(request.log_org);
  request_id_ = std::move(request.request_id);
  first_message_ = false;
  Send(std::move(dispatched.response), version, keep_alive);
}

void Session::Send(api::Response answer, unsigned version, bool keep_alive) {
  body_lease_.Release();  // the request's body is done with
  Decorate(answer);
  if (IsBodiless(answer.status)) {
    answer.body.clear();
    answer.shared_body.reset();
  }
  status_ = answer.status;
  body_ = std::move(answer.body);
  shared_body_ = std::move(answer.shared_body);
  const std::string_view body = shared_body_ ? std::string_view(*shared_body_) : body_;
  // A streamed answer: the head now, then its pieces (session_stream.cpp). To an HTTP/1.0
  // client, which knows no chunks, the end of the connection ends it.
  const bool streamed = answer.stream != nullptr && !IsBodiless(answer.status);
  if (streamed && version < 11) keep_alive = false;
  keep_alive_ = keep_alive;
  head_.clear();  // keeps its capacity: a connection's answers reuse one buffer
  AppendResponseHead(head_, answer, version, keep_alive, request_id_,
                     streamed ? kStreamedBody : body.size(), HttpDateNow());

  phase_ = Phase::kWriting;
  stream_.expires_after(state_->limits.write_timeout);
  if (streamed && method_ != "HEAD") {
    body_source_ = std::move(answer.stream);
    source_done_ = false;
    asio::async_write(stream_, asio::buffer(head_),
                      beast::bind_front_handler(&Session::OnPieceWritten, shared_from_this()));
    return;
  }
  // An answer to HEAD has the head a GET would get, Content-Length included, and no body:
  // bytes after it would be read as the start of the next answer.
  const std::array<asio::const_buffer, 2> bytes = {
      asio::buffer(head_), asio::buffer(body.data(), method_ == "HEAD" ? 0 : body.size())};
  asio::async_write(stream_, bytes,
                    beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
}

void Session::OnWrite(beast::error_code ec, std::size_t) {
  answer_lease_.Release();
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  state_->access_log.Write({method_, route_, unrouted_path_, status_, elapsed, org_, request_id_});
  state_->request_metrics.Answered(route_, status_, elapsed);
  if (in_request_) {
    state_->request_metrics.Ended();
    in_request_ = false;
  }
  if (ec) {
    Close();
    return;
  }
  if (linger_after_write_) {
    Linger();
    return;
  }
  if (!keep_alive_ || stopping_) {
    CloseGracefully();
    return;
  }
  body_ = std::string();  // do not hold the last answer while idle
  shared_body_.reset();
  WaitForRequest();
}

void Session::Linger() {
  phase_ = Phase::kLingering;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(
      std::min<std::chrono::milliseconds>(kMaxLinger, state_->limits.body_timeout));
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::OnLinger, shared_from_this()));
}

void Session::OnLinger(beast::error_code ec, std::size_t) {
  if (ec || phase_ == Phase::kClosed) {
    Close();
    return;
  }
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::OnLinger, shared_from_this()));
}

void Session::CloseGracefully() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  Close();
}

void Session::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  stream_.close();
}

}  // namespace contactsd::http
