// Bodies too large to hold, on both sides of a session: a request body taken piece by piece
// (api::BodySink, an import) and an answer made as it is sent (api::BodySource, an export).
// Each piece is handed to a bulk worker, and the session reads (or writes) the next only once
// that piece is done with: a connection holds about one piece, whatever the body's size.
#include "common/log.hpp"
#include "http/dispatch.hpp"
#include "http/error_render.hpp"
#include "http/session.hpp"
#include "http/worker_pool.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <exception>
#include <utility>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr std::string_view kLastChunk = "0\r\n\r\n";

Error BulkBusy() {
  return Error::Unavailable("bulk queue full", "The server is overloaded; retry later");
}

// The request a streamed body or answer belongs to, as its log lines name it.
struct StreamOf {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;
};

// `step` run with what Dispatch guarantees a handler: an exception is logged and becomes a 500.
template <class Step>
auto Guarded(const StreamOf& of, Step step) -> decltype(step()) {
  try {
    return step();
  } catch (const std::exception& e) {
    log::Error("stream_threw", e.what(),
               {{"rid", of.request_id}, {"method", of.method}, {"route", of.route}});
    return Error::Internal(e.what());
  }
}

void AppendHex(std::string& out, std::size_t n) {
  constexpr char kDigits[] = "0123456789abcdef";
  char text[16];
  int used = 0;
  do {
    text[used++] = kDigits[n & 0xf];
    n >>= 4;
  } while (n != 0);
  while (used > 0) out += text[--used];
}

}  // namespace

bool Session::OnBulkWorker(std::function<void()> job) {
  if (state_->bulk_workers == nullptr) {
    job();
    return true;
  }
  return state_->bulk_workers->TrySubmit(std::move(job));
}

void Session::StreamBody() {
  phase_ = Phase::kHandling;
  const api::Route* route = route_match_;
  auto self = shared_from_this();
  auto job = [self, route, executor = stream_.get_executor()] {
    // The session's loop waits meanwhile (no read is in flight): request_ is not touched there.
    const api::Request& request = self->request_;
    auto sink = Guarded({request.request_id, request.method, route->pattern},
                        [&] { return route->open_body(request); });
    asio::post(executor,
               [self, sink = std::move(sink)]() mutable { self->OnSinkOpened(std::move(sink)); });
  };
  if (!OnBulkWorker(std::move(job))) AnswerEarly(RenderRetryLater(BulkBusy()));
}

void Session::OnSinkOpened(Result<std::unique_ptr<api::BodySink>> sink) {
  if (phase_ == Phase::kClosed) return;
  if (!sink.ok()) {
    AnswerEarly(RenderError(sink.error()));
    return;
  }
  body_sink_ = std::move(sink).value();
  if (version_ >= 11 && !parser_->is_done() &&
      beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(state_->limits.write_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->body_sink_.reset();
                          self->Close();
                          return;
                        }
                        self->ReadPiece();
                      });
    return;
  }
  ReadPiece();
}

void Session::ReadPiece() {
  if (parser_->is_done() && parser_->get().body().empty()) {
    FinishBody();
    return;
  }
  if (parser_->is_done() || parser_->get().body().size() >= state_->limits.piece_bytes) {
    // A piece is ready: hand it over, and read on once it is taken.
    piece_ = std::move(parser_->get().body());
    parser_->get().body().clear();
    auto self = shared_from_this();
    auto job = [self, executor = stream_.get_executor()] {
      const api::Request& request = self->request_;
      Status taken = Guarded({request.request_id, request.method, self->route_match_->pattern},
                             [&] { return self->body_sink_->Take(self->piece_); });
      asio::post(executor, [self, taken = std::move(taken)]() mutable {
        self->OnPieceTaken(std::move(taken));
      });
    };
    if (!OnBulkWorker(std::move(job))) {
      body_sink_.reset();
      AnswerEarly(RenderRetryLater(BulkBusy()));
    }
    return;
  }
  phase_ = Phase::kReading;
  stream_.expires_after(state_->limits.body_timeout);
  bhttp::async_read_some(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::OnPiece, shared_from_this()));
}

void Session::OnPiece(beast::error_code ec, std::size_t) {
  if (ec) {
    body_sink_.reset();  // what it committed stays; what it holds goes
    HandleReadError(ec);
    return;
  }
  ReadPiece();
}

void Session::OnPieceTaken(Status taken) {
  piece_.clear();
  if (phase_ == Phase::kClosed) {
    body_sink_.reset();
    return;
  }
  if (!taken) {
    body_sink_.reset();
    AnswerEarly(RenderError(taken.error()));
    return;
  }
  ReadPiece();
}

void Session::FinishBody() {
  phase_ = Phase::kHandling;
  auto self = shared_from_this();
  auto job = [self, executor = stream_.get_executor()] {
    Dispatched dispatched = std::move(self->dispatched_);
    CallRender([&] { return self->body_sink_->Finish(); }, self->request_, dispatched);
    asio::post(executor, [self, dispatched = std::move(dispatched)]() mutable {
      self->body_sink_.reset();
      api::Request request = std::move(self->request_);
      self->RespondOrClose(std::move(request), std::move(dispatched), self->version_,
                           self->wants_keep_alive_);
    });
  };
  if (!OnBulkWorker(std::move(job))) {
    body_sink_.reset();
    AnswerEarly(RenderRetryLater(BulkBusy()));
  }
}

void Session::MakePiece() {
  auto self = shared_from_this();
  auto job = [self, executor = stream_.get_executor()] {
    self->piece_.clear();
    // The answer's head is sent: its request is in the access line's members.
    auto more = Guarded({self->request_id_, self->method_, self->route_},
                        [&] { return self->body_source_->Next(self->piece_); });
    asio::post(executor,
               [self, more = std::move(more)]() mutable { self->OnPieceMade(std::move(more)); });
  };
  if (!OnBulkWorker(std::move(job))) {
    log::Warn("stream_cut_short", "streamed answer cut short: the bulk queue is full",
              {{"rid", request_id_}, {"method", method_}, {"route", route_}});
    body_source_.reset();
    Close();
  }
}

void Session::OnPieceMade(Result<bool> more) {
  if (phase_ == Phase::kClosed) {
    body_source_.reset();
    return;
  }
  if (!more.ok()) {
    // The head has gone: closing before the last chunk tells the client the answer is cut.
    const Error& error = more.error();
    log::Error("stream_failed", error.internal.empty() ? error.message : error.internal,
               {{"rid", request_id_}, {"method", method_}, {"route", route_}});
    body_source_.reset();
    Close();
    return;
  }
  source_done_ = !*more;
  const bool chunked = version_ >= 11;
  chunk_head_.clear();
  if (chunked && !piece_.empty()) {
    AppendHex(chunk_head_, piece_.size());
    chunk_head_ += "\r\n";
    piece_ += "\r\n";
  }
  if (chunked && source_done_) piece_ += kLastChunk;
  stream_.expires_after(state_->limits.write_timeout);
  const std::array<asio::const_buffer, 2> bytes = {asio::buffer(chunk_head_), asio::buffer(piece_)};
  asio::async_write(stream_, bytes,
                    beast::bind_front_handler(&Session::OnPieceWritten, shared_from_this()));
}

void Session::OnPieceWritten(beast::error_code ec, std::size_t bytes) {
  if (ec || !source_done_) {
    if (ec) {
      body_source_.reset();
      Close();
      return;
    }
    MakePiece();
    return;
  }
  body_source_.reset();
  piece_ = std::string();
  OnWrite(ec, bytes);
}

}  // namespace contactsd::http
