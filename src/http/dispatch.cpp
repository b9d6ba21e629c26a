#include "http/dispatch.hpp"

#include "common/log.hpp"
#include "http/error_render.hpp"
#include "http/target.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

namespace contactsd::http {
namespace {

Error InternalError(const std::string& request_id) {
  Error error = Error::Internal({});
  error.message = "Internal server error (request id " + request_id + ")";
  return error;
}

api::Response RenderHandlerError(Error error, const api::Request& request, std::string_view route) {
  if (!error.internal.empty()) {
    log::Write(error.code == ErrorCode::kInternal ? log::Level::kError : log::Level::kWarn,
               "handler_error", error.internal,
               {{"rid", request.request_id},
                {"method", request.method},
                {"route", route},
                {"error", error.error}});
  }
  if (error.code == ErrorCode::kInternal) {
    error.message = InternalError(request.request_id).message;
  }
  // Unavailable is a state that passes (a database failing over, a lock held too long): the
  // client is told when to try again.
  if (error.code == ErrorCode::kUnavailable) return RenderRetryLater(error);
  return RenderError(error);
}

}  // namespace

namespace {

// OPTIONS on a path the server serves (RFC 9110 §9.3.7): what the path allows, and the patch
// formats where it takes PATCH (RFC 5789 §3.1).
api::Response OptionsAnswer(const std::vector<std::string_view>& allowed) {
  api::Response answer{204, {}, {{"Allow", Router::AllowHeader(allowed)}}};
  if (std::find(allowed.begin(), allowed.end(), "PATCH") != allowed.end()) {
    answer.headers.emplace_back("Accept-Patch", std::string(kAcceptPatch));
  }
  return answer;
}

}  // namespace

const api::Route* ResolveRoute(const Router& router, api::Request& request, std::string_view target,
                               Dispatched& out) {
  Result<Target> parsed = ParseTarget(target);
  if (parsed && parsed->asterisk) {  // "OPTIONS *": the server as a whole
    out.response = request.method == "OPTIONS"
                       ? OptionsAnswer(router.all_methods())
                       : RenderError(Error::BadRequest("The target * is for OPTIONS only"));
    return nullptr;
  }
  if (!parsed) {
    out.response = RenderError(parsed.error());
    return nullptr;
  }
  request.path = std::move(parsed->path);
  request.query = std::move(parsed->query);

  RouteMatch match = router.Match(request.method, parsed->segments);
  if (!match.found()) {
    if (request.method == "OPTIONS" && !match.allowed.empty()) {
      out.response = OptionsAnswer(match.allowed);
      return nullptr;
    }
    out.response = RenderError(Router::NoRouteError(match, request.method, request.path));
    if (!match.allowed.empty() && IsKnownMethod(request.method)) {
      out.response.headers.emplace_back("Allow", Router::AllowHeader(match));
    }
    return nullptr;
  }
  request.path_params = std::move(match.params);
  request.scope = match.route->scope;
  out.route = match.route->pattern;
  return match.route;
}

namespace {

// Sets `out.response` from what `produce` answers, whatever it does: an error is rendered, an
// exception or an impossible status is a logged 500.
template <class Produce>
void Answer(Produce&& produce, const api::Request& request, Dispatched& out) {
  try {
    Result<api::Response> result = produce();
    if (!result) {
      out.response = RenderHandlerError(std::move(result).error(), request, out.route);
      return;
    }
    out.response = std::move(result).value();
    if (out.response.status < 200 || out.response.status > 599) {
      log::Error("handler_bad_status", "the handler answered a status outside 200-599",
                 {{"rid", request.request_id},
                  {"method", request.method},
                  {"route", out.route},
                  {"status", out.response.status}});
      out.response = RenderError(InternalError(request.request_id));
    }
  } catch (const std::exception& e) {
    log::Error("handler_threw", e.what(),
               {{"rid", request.request_id}, {"method", request.method}, {"route", out.route}});
    out.response = RenderError(InternalError(request.request_id));
  } catch (...) {
    log::Error("handler_threw", "the handler threw something other than a std::exception",
               {{"rid", request.request_id}, {"method", request.method}, {"route", out.route}});
    out.response = RenderError(InternalError(request.request_id));
  }
}

}  // namespace

void CallHandler(const api::Route& route, const api::Request& request, Dispatched& out) {
  out.route = route.pattern;
  if (!route.handler) {
    log::Error("handler_missing", "an asynchronous route was called synchronously",
               {{"rid", request.request_id}, {"method", request.method}, {"route", out.route}});
    out.response = RenderError(InternalError(request.request_id));
    return;
  }
  Answer([&] { return route.handler(request); }, request, out);
}

void CallAsyncHandler(const api::Route& route, const api::Request& request,
                      const api::Reply& reply) {
  try {
    route.async_handler(request, reply);
  } catch (const std::exception& e) {
    log::Error("handler_threw", e.what(),
               {{"rid", request.request_id}, {"method", request.method}, {"route", route.pattern}});
    reply([]() -> Result<api::Response> { return Error::Internal({}); });
  } catch (...) {
    log::Error("handler_threw", "the handler threw something other than a std::exception",
               {{"rid", request.request_id}, {"method", request.method}, {"route", route.pattern}});
    reply([]() -> Result<api::Response> { return Error::Internal({}); });
  }
}

void CallRender(const api::Render& render, const api::Request& request, Dispatched& out) {
  Answer(render, request, out);
}

Dispatched Dispatch(const Router& router, api::Request& request, std::string_view target) {
  Dispatched out;
  if (const api::Route* route = ResolveRoute(router, request, target, out)) {
    CallHandler(*route, request, out);
  }
  return out;
}

}  // namespace contactsd::http
