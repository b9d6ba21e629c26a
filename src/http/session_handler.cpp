// Where a request's handler runs, and how its answer gets back to the session's loop: inline on
// the I/O thread, on a worker pool, or (an asynchronous handler) wherever its work finishes.
// session.cpp moves the bytes before and after.
#include "common/log.hpp"
#include "http/dispatch.hpp"
#include "http/error_render.hpp"
#include "http/session.hpp"
#include "http/worker_pool.hpp"

#include <boost/asio/post.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <utility>

namespace contactsd::http {
namespace {

namespace asio = boost::asio;

// GET and HEAD only read, fast enough that a hop to a worker would cost more than it saves;
// anything else may commit, and so wait for a disk sync.
bool MayWrite(std::string_view method) { return method != "GET" && method != "HEAD"; }

Error Overloaded() {
  return Error::Unavailable("worker queue full", "The server is overloaded; retry later");
}

}  // namespace

// Runs one handler on the worker pool, then posts its answer back to the session's loop. The
// shared_ptr keeps the session (and so the state, the router and its route) alive while the
// handler runs, even if the connection is closed meanwhile.
struct Session::WorkerJob {
  std::shared_ptr<Session> self;
  Executor executor;
  const api::Route* route;
  api::Request request;
  Dispatched dispatched;
  unsigned version;
  bool wants_keep_alive;

  void operator()() {
    CallHandler(*route, request, dispatched);
    PostRespond(executor, std::move(self), std::move(request), std::move(dispatched), version,
                wants_keep_alive);
  }
};

void Session::RespondOrClose(api::Request request, Dispatched dispatched, unsigned version,
                             bool wants_keep_alive) {
  try {
    Respond(std::move(request), std::move(dispatched), version, wants_keep_alive);
  } catch (const std::exception& e) {  // e.g. bad_alloc
    // Respond() sets request_id_ before anything in it can throw.
    LogSessionFailure(request_id_, e);
    Close();
  }
}

void Session::PostRespond(const Executor& executor, std::shared_ptr<Session> self,
                          api::Request request, Dispatched dispatched, unsigned version,
                          bool wants_keep_alive) {
  asio::post(executor, [self = std::move(self), request = std::move(request),
                        dispatched = std::move(dispatched), version, wants_keep_alive]() mutable {
    self->RespondOrClose(std::move(request), std::move(dispatched), version, wants_keep_alive);
  });
}

// The answer an asynchronous handler owes. Every copy of the handler's Reply shares it; the
// first reply posts the answer to the session's loop, where its Render runs (a large answer's
// Render runs on a bulk worker first, then the answer is posted); a second is ignored. Dropped
// without a reply (a handler's bug), it answers 500 rather than leave the client waiting. The
// server waits for every one to have posted before it returns.
struct Session::PendingReply {
  PendingReply(std::shared_ptr<Session> owner, api::Request req, Dispatched routed,
               unsigned http_version, bool keep_alive, WorkerPool* render_on)
      : session(std::move(owner)),
        executor(session->stream_.get_executor()),
        request(std::move(req)),
        dispatched(std::move(routed)),
        version(http_version),
        wants_keep_alive(keep_alive),
        render_pool(render_on) {
    session->state_->BeginReply();
  }

  ~PendingReply() {
    if (answered.load(std::memory_order_acquire)) return;
    log::Error(
        "handler_never_replied", "an asynchronous handler never replied",
        {{"rid", request.request_id}, {"method", request.method}, {"route", dispatched.route}});
    try {
      CallRender([]() -> Result<api::Response> { return Error::Internal({}); }, request,
                 dispatched);
      PostRespond(executor, std::move(session), std::move(request), std::move(dispatched), version,
                  wants_keep_alive);
    } catch (const std::exception& e) {  // e.g. bad_alloc: the connection waits for its timeout
      LogSessionFailure(request.request_id, e);
    }
    state->EndReply();
  }

  static void Answer(const std::shared_ptr<PendingReply>& pending, api::Render render) {
    if (pending->answered.exchange(true, std::memory_order_acq_rel)) return;
    std::shared_ptr<ServerState> state = pending->state;
    if (pending->render_pool == nullptr) {
      asio::post(pending->executor, [pending, render = std::move(render)] {
        CallRender(render, pending->request, pending->dispatched);
        pending->session->RespondOrClose(std::move(pending->request),
                                         std::move(pending->dispatched), pending->version,
                                         pending->wants_keep_alive);
      });
    } else {
      // A large answer (a batch's results) is made on a bulk worker, off the I/O threads; when
      // their queue is full, on the session's loop rather than not at all: its write committed.
      auto job = [pending, render = std::move(render)] {
        CallRender(render, pending->request, pending->dispatched);
        PostRespond(pending->executor, pending->session, std::move(pending->request),
                    std::move(pending->dispatched), pending->version, pending->wants_keep_alive);
      };
      if (!pending->render_pool->TrySubmit(std::move(job))) {
        asio::post(pending->executor, std::move(job));  // TrySubmit left it as it was
      }
    }
    state->EndReply();
  }

  std::shared_ptr<Session> session;
  std::shared_ptr<ServerState> state = session->state_;
  Executor executor;
  api::Request request;
  Dispatched dispatched;
  unsigned version;
  bool wants_keep_alive;
  WorkerPool* const render_pool;  // null: the Render runs on the session's loop
  std::atomic<bool> answered{false};
};

void Session::StartAsync(const api::Route& route, api::Request request, Dispatched dispatched,
                         unsigned version, bool wants_keep_alive) {
  // The handler starts on the worker pool when it may wait for the database; else, for a route
  // with large answers (whose checks are long too), on the bulk workers; else here. A large
  // answer is made on the bulk workers as well.
  WorkerPool* const bulk = route.large_answers ? state_->bulk_workers : nullptr;
  WorkerPool* const pool = route.async_blocks ? state_->workers : bulk;
  auto pending =
      std::make_shared<PendingReply>(shared_from_this(), std::move(request), std::move(dispatched),
                                     version, wants_keep_alive, bulk);
  api::Reply reply = [pending](api::Render render) {
    PendingReply::Answer(pending, std::move(render));
  };
  if (pool == nullptr) {
    CallAsyncHandler(route, pending->request, reply);
    return;
  }
  // The route pointer stays valid: the router lives as long as the state the session holds.
  auto job = [&route, request = &pending->request, reply] {
    CallAsyncHandler(route, *request, reply);
  };
  if (pool->TrySubmit(std::move(job))) return;
  reply([]() -> Result<api::Response> { return RenderRetryLater(Overloaded()); });
}

void Session::HandleRequest() {
  phase_ = Phase::kHandling;
  request_id_.clear();  // the last request's; Respond() sets this one's (keeps the capacity)
  try {
    request_.body = std::move(parser_->release().body());
    api::Request request = std::move(request_);
    Dispatched dispatched = std::move(dispatched_);
    const api::Route* route = route_match_;
    if (route != nullptr && route->async_handler) {
      StartAsync(*route, std::move(request), std::move(dispatched), version_, wants_keep_alive_);
      return;  // Respond() comes later
    }
    // A write may wait for a commit, and a large answer takes long to build: either would hold
    // up every other connection of this I/O thread.
    WorkerPool* pool = nullptr;
    if (route != nullptr) {
      pool = route->large_answers       ? state_->bulk_workers
             : MayWrite(request.method) ? state_->workers
                                        : nullptr;
    }
    if (pool != nullptr) {
      WorkerJob job{.self = shared_from_this(),
                    .executor = stream_.get_executor(),
                    .route = route,
                    .request = std::move(request),
                    .dispatched = std::move(dispatched),
                    .version = version_,
                    .wants_keep_alive = wants_keep_alive_};
      if (pool->TrySubmit(std::move(job))) return;  // Respond() comes later
      // The queue is full; TrySubmit left the job as it was. Answering now, rather than queueing
      // without bound, keeps latency bounded and tells the client to back off.
      request = std::move(job.request);
      dispatched = std::move(job.dispatched);
      dispatched.response = RenderRetryLater(Overloaded());
    } else if (route != nullptr) {
      CallHandler(*route, request, dispatched);
    }
    Respond(std::move(request), std::move(dispatched), version_, wants_keep_alive_);
  } catch (const std::exception& e) {  // not a handler's (Dispatch catches those): e.g. bad_alloc
    // The id when Respond() got as far as taking it; else the request has moved and its id
    // with it, and this rare line has none.
    LogSessionFailure(request_id_, e);
    Close();
  }
}

}  // namespace contactsd::http
