// One connection (private to src/http): moves bytes between the socket and Dispatch(), one
// request at a time, with a fresh parser per message and a deadline on every read and write.
// Modelled on Beast's example/http/server/async and example/advanced/server.
// GET and HEAD handlers run inline on the I/O thread; the handlers of every other method may wait
// for a disk sync, so they run on the ServerState's WorkerPool and their answer is posted back to
// this session's loop to be written. An asynchronous handler that does not block (it queues
// its write) starts inline and replies later from whichever thread finished the work; its
// answer is rendered back on this session's loop.
#pragma once

#include "api/request.hpp"
#include "common/error.hpp"
#include "http/dispatch.hpp"
#include "http/request_head.hpp"
#include "http/server_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace contactsd::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket`'s executor must run one handler at a time (a loop run by one thread, or a
  // strand): the session's handlers are not synchronized otherwise.
  // `address`: the client's, the key of the per-address connection count.
  Session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerState> state,
          std::string address);
  ~Session();

  // Registers with the state and starts reading. REQUIRES: owned by a shared_ptr.
  void Start();

  // Thread-safe. Closes the connection now if it is idle (or if `force`), otherwise after the
  // response in progress; either way no further request is read.
  void Shutdown(bool force);

  // Thread-safe. Since when (steady clock, ms) the connection has waited for a request with none
  // in progress, or -1 while a request is under way: the server sheds the longest idle first.
  std::int64_t idle_since() const { return idle_since_ms_.load(std::memory_order_relaxed); }
  // Thread-safe. Marks the connection as no longer idle if it still is since `since`; true when
  // it was (the caller then closes it).
  bool ClaimIdle(std::int64_t since) {
    return idle_since_ms_.compare_exchange_strong(since, -1, std::memory_order_relaxed);
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  using Parser = RequestParser;
  struct WorkerJob;     // one handler call on the worker pool, holding this session alive
  struct PendingReply;  // an asynchronous handler's answer to come, holding this session alive

  void WaitForRequest();
  void OnFirstBytes(boost::beast::error_code ec, std::size_t bytes);
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec, std::size_t bytes);
  // The request's head as a Request (no body yet), with its route resolved into route_.
  void TakeHead();
  // What must be answered before the body is read: a head that fails its checks, a request
  // without a route, a body we do not take, bad credentials, no room for the body. Null: read on.
  std::optional<api::Response> AnswerBeforeBody();
  void OnContinueWritten(boost::beast::error_code ec, std::size_t bytes);
  void ReadBody();
  void OnBody(boost::beast::error_code ec, std::size_t bytes);
  // The whole request is here: its handler runs (session_handler.cpp) inline, on a worker pool
  // or through StartAsync.
  void HandleRequest();
  // Answers without reading the body; the connection closes after it unless the whole request
  // has been read.
  void AnswerEarly(api::Response answer);
  // Starts an asynchronous handler, here or on the worker pool (route.async_blocks); its reply
  // is posted back to this session's loop.
  void StartAsync(const api::Route& route, api::Request request, Dispatched dispatched,
                  unsigned version, bool wants_keep_alive);
  void Respond(api::Request request, Dispatched dispatched, unsigned version,
               bool wants_keep_alive);
  // Respond(), closing the connection if that throws (e.g. bad_alloc). On the session's loop.
  void RespondOrClose(api::Request request, Dispatched dispatched, unsigned version,
                      bool wants_keep_alive);
  // RespondOrClose() on `self`'s loop, from any thread. `executor` is the session's, taken
  // on its loop (the stream is not to be touched from other threads).
  using Executor = boost::beast::tcp_stream::executor_type;
  static void PostRespond(const Executor& executor, std::shared_ptr<Session> self,
                          api::Request request, Dispatched dispatched, unsigned version,
                          bool wants_keep_alive);
  void HandleReadError(boost::beast::error_code ec);
  // A failure of the session itself, not of a handler (Dispatch logs those): e.g. bad_alloc. The
  // connection is closed. `request_id`: the request's, when known.
  static void LogSessionFailure(std::string_view request_id, const std::exception& e);
  // A route with open_body (session_stream.cpp): its sink opened on a bulk worker, then the
  // body read a piece at a time, each handed over before the next is read, then its answer.
  void StreamBody();
  void OnSinkOpened(Result<std::unique_ptr<api::BodySink>> sink);
  void ReadPiece();
  void OnPiece(boost::beast::error_code ec, std::size_t bytes);
  void OnPieceTaken(Status taken);
  void FinishBody();
  // A streamed answer (api::Response::stream): each piece made on a bulk worker, then written
  // as an HTTP/1.1 chunk (HTTP/1.0: as it is, the end of the connection ending it).
  void MakePiece();
  void OnPieceMade(Result<bool> more);
  void OnPieceWritten(boost::beast::error_code ec, std::size_t bytes);
  // Runs `job` on the bulk workers (inline without them); false when their queue is full.
  bool OnBulkWorker(std::function<void()> job);
  // The transport's headers for this request's answer: WWW-Authenticate on a 401, CORS for an
  // allowed origin, and a 503 in place of a large answer the answer budget cannot hold.
  void Decorate(api::Response& answer);
  void Send(api::Response response, unsigned version, bool keep_alive);
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void Linger();
  void OnLinger(boost::beast::error_code ec, std::size_t bytes);
  void CloseGracefully();
  void Close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<ServerState> state_;
  const std::string address_;
  std::optional<Parser> parser_;
  // The request being read: its head (from TakeHead), what its route resolved to, and what of
  // the head the answer needs.
  api::Request request_;
  const api::Route* route_match_ = nullptr;
  Dispatched dispatched_;
  unsigned version_ = 11;
  bool wants_keep_alive_ = false;
  bool had_credentials_ = false;
  bool preflight_ = false;
  std::string origin_;  // the Origin header when CORS allows it, else empty
  // Memory this connection holds against the server's budgets.
  ByteBudget::Lease body_lease_;
  ByteBudget::Lease answer_lease_;
  std::atomic<std::int64_t> idle_since_ms_{-1};
  // The answer being written: its head (status line and headers) and body.
  std::string head_;
  std::string body_;
  // A route's fixed body, sent instead of body_ (api::Response::shared_body).
  std::shared_ptr<const std::string> shared_body_;
  int status_ = 0;
  // Between a request's head and its answer's last byte (RequestMetrics' in-flight count).
  bool in_request_ = false;
  bool keep_alive_ = false;
  Phase phase_ = Phase::kIdle;
  bool first_message_ = true;
  bool stopping_ = false;
  bool linger_after_write_ = false;

  // The streamed body's sink, or the streamed answer's source and the piece being written.
  std::shared_ptr<api::BodySink> body_sink_;
  std::shared_ptr<api::BodySource> body_source_;
  std::string piece_;
  std::string chunk_head_;
  bool source_done_ = false;

  // For the access line, written when the response has been sent.
  std::chrono::steady_clock::time_point started_;
  std::string method_;
  std::string_view route_ = "-";
  // The target's path as sent, for a request no route took (404, 405, a refused head); empty
  // otherwise, so a routed request copies nothing (access_log.hpp says why).
  std::string unrouted_path_;
  std::string org_;
  std::string request_id_;
};

}  // namespace contactsd::http
