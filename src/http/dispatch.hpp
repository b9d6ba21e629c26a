// The application side of one exchange, with no Beast: parse the target, route, call the
// handler, and turn every failure (an Error, a bad target, no route, an exception) into a JSON
// answer. The session moves bytes; this decides what they say.
#pragma once

#include "api/request.hpp"
#include "http/router.hpp"

#include <string_view>

namespace contactsd::http {

// The patch formats the server takes (RFC 5789 Accept-Patch): a JSON merge patch, or a JSON
// object read as one.
inline constexpr std::string_view kAcceptPatch = "application/merge-patch+json, application/json";

struct Dispatched {
  api::Response response;
  std::string_view route = "-";  // the matched pattern (owned by the Router), or "-"
};

// `request` arrives with method, headers, body and request_id set; Dispatch fills path, query
// and path_params from `target`. Never throws for anything a handler does: an exception is
// logged with the request id and answered 500. Errors' internal text is logged, never sent.
// The same as ResolveRoute() then, when a route matched, CallHandler().
Dispatched Dispatch(const Router& router, api::Request& request, std::string_view target);

// The two halves of Dispatch, so that the session can run the handler on another thread.
// ResolveRoute is cheap (no handler runs): it fills the request's path, query and path_params
// and `out.route`, and returns the route to call, or null with `out.response` set to the
// 400/404/405/501 answer, or to the 204 of an OPTIONS request. The route is owned by `router`.
const api::Route* ResolveRoute(const Router& router, api::Request& request, std::string_view target,
                               Dispatched& out);

// Calls `route`'s handler and sets `out.response`, with the guarantees of Dispatch. Thread-safe
// as far as the handler is. An asynchronous route is a logged 500 here.
void CallHandler(const api::Route& route, const api::Request& request, Dispatched& out);

// For a route with an async_handler: starts it. An exception it throws is logged and replied as
// a 500 (the transport ignores a second reply).
void CallAsyncHandler(const api::Route& route, const api::Request& request,
                      const api::Reply& reply);

// Sets `out.response` from an asynchronous handler's Render, with the guarantees of Dispatch.
// REQUIRES: `out.route` was set by ResolveRoute.
void CallRender(const api::Render& render, const api::Request& request, Dispatched& out);

}  // namespace contactsd::http
