// The plain request and response that cross from src/http into src/api. No Beast here: the
// transport turns its messages into these, and handlers never see a socket or a parser.
#pragma once

#include "api/route_doc.hpp"
#include "common/principal.hpp"
#include "common/result.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactsd::api {

using NameValue = std::pair<std::string, std::string>;

struct Request {
  std::string method;                  // "GET", "PATCH", ...
  std::string path;                    // percent-decoded path, no query
  std::vector<NameValue> path_params;  // filled by the router: {"id", "..."}
  std::vector<NameValue> query;        // percent-decoded, in order; repeated names kept
  std::vector<NameValue> headers;      // names lower-cased
  std::string body;
  std::string request_id;

  // The scope its route needs (Route::scope), set by the router: PrincipalOf refuses a
  // credential without it, so no handler can forget to.
  std::optional<Scope> scope = {};

  // Set by handlers for the access log (the tenant the request acted for).
  mutable std::string log_org;
  // Headers every answer to it carries, whatever answers it (the rate limits' fields), set by
  // PrincipalOf; and whether its tokens were taken (check_head and the handler both ask).
  mutable std::vector<NameValue> answer_headers = {};
  mutable bool rate_counted = false;

  // The first header / query value with this (lower-case) name, or nullptr.
  const std::string* Header(std::string_view name) const;
  const std::string* Query(std::string_view name) const;
  // The path parameter with this name; empty when absent.
  std::string_view Param(std::string_view name) const;
};

// A header value (or an element of one) without the optional whitespace (spaces and tabs) that
// RFC 9110 §5.6.3 allows around it.
std::string_view TrimOws(std::string_view value);

// An answer body too large to hold, made as it is sent (GET {base}/contacts/export): the
// transport sends the head, then asks for the body piece by piece on a bulk worker, writing
// each piece before it asks for the next, so memory stays bounded whatever the size.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Appends the next piece to `out` (empty on entry; up to a few hundred KiB); false once the
  // body is complete. An error after the head has gone cannot change the status: the
  // transport logs it and closes the connection before the body's end, so the client sees an
  // incomplete answer rather than a short one.
  virtual Result<bool> Next(std::string& out) = 0;
};

struct Response {
  int status = 200;
  std::string body;                // JSON text; empty for 204
  std::vector<NameValue> headers;  // extra headers (Content-Type: JSON unless set here)
  // Set: the body is made by it as it is sent (chunked), and `body` is unused.
  std::shared_ptr<BodySource> stream = {};
  // Set: the body, a fixed one that its route holds (a page's script): sent as it is, never
  // copied, and not counted against the budget for large answers, since no answer adds to
  // what it takes; `body` is unused.
  std::shared_ptr<const std::string> shared_body = {};
};

// A request body too large to hold, taken piece by piece as it arrives (POST
// {base}/contacts/import): the transport reads a piece, hands it over on a bulk worker, and
// reads the next only once it has been taken.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next piece of the body, split anywhere. An error is the answer: the rest of the body
  // is not read, and the connection closes after it.
  virtual Status Take(std::string_view piece) = 0;
  // The whole body has been taken: the answer.
  virtual Result<Response> Finish() = 0;
};

using Handler = std::function<Result<Response>(const Request&)>;

// The last step of an asynchronous handler's answer: the transport runs it on the connection's
// own thread, so that whichever thread finished the work (a database writer) only hands over.
using Render = std::function<Result<Response>()>;
// A Render of an answer already made (an error, a stored answer): moved out when it runs.
inline Render Answered(Result<Response> answer) {
  return [answer = std::move(answer)]() mutable { return std::move(answer); };
}
// How an asynchronous handler answers: exactly once, from any thread. A Reply dropped without
// being called answers 500, so a lost callback cannot leave a client waiting.
using Reply = std::function<void(Render)>;
// Starts the work and returns; answers through its Reply, at once or later. `request` lives
// until then, but a handler that needs something of it afterwards copies it.
using AsyncHandler = std::function<void(const Request&, Reply)>;

struct Route {
  std::string method;   // "GET", "POST", "PATCH", "PUT", "DELETE"
  std::string pattern;  // "/v1/contacts/{id}"; a trailing slash on a request is ignored
  Handler handler;      // answers by returning; empty when async_handler is set
  AsyncHandler async_handler = {};
  // Whether async_handler may wait for the database before it returns (so it must run where
  // waiting is fine); false when it only queues its work.
  bool async_blocks = true;
  // Listed in the path's Allow header. False for a route that only explains a mistake (a write
  // on the collection without an id), which the path does not really serve.
  bool advertised = true;
  // What the head alone can tell, checked before the body is read (the credentials): an error
  // is answered at once, so a client without credentials cannot make the server hold its body.
  // `request` has everything but the body. Empty: nothing to check.
  std::function<Result<void>(const Request&)> check_head = {};
  // Whether answers may be large (a list page): the handler runs on the bulk workers, not on
  // an I/O thread, and while the server's budget for large answers is spent the route is
  // answered 503 at once, before its handler spends the work on an answer that would be dropped.
  // An asynchronous handler starts there unless async_blocks (then on the worker pool), and
  // its Render runs there too: a bulk worker never waits for a commit.
  bool large_answers = false;
  // Set: the route takes its body piece by piece (BodySink) rather than whole, without the
  // transport's max_body_bytes (max_streamed_body_bytes instead). Called on a bulk worker with
  // the request's head (no body) once check_head has passed; an error is the answer.
  std::function<Result<std::unique_ptr<BodySink>>(const Request& head)> open_body = {};
  // What the route is, for the OpenAPI document; required of every advertised route.
  RouteDoc doc = {};
  // The scope a credential needs (common/principal.hpp); unset: read for a GET, write for any
  // other method (AllRoutes gives the tenant's settings admin).
  std::optional<Scope> scope = {};
};

// `route` with its doc, so that a route in a list reads as one declaration.
inline Route Described(Route route, RouteDoc doc) {
  route.doc = std::move(doc);
  return route;
}

}  // namespace contactsd::api
