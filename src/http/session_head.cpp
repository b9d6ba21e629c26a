// What a session decides from a request's head, before its body is read, and the transport's
// headers on the way out (docs/architecture.md, "A request's head is judged before its body is
// read"). The rest of Session: the moving of bytes in session.cpp, the handler's call in
// session_handler.cpp.
#include "http/dispatch.hpp"
#include "http/error_render.hpp"
#include "http/head_checks.hpp"
#include "http/request_head.hpp"
#include "http/session.hpp"
#include "http/target.hpp"

#include <algorithm>
#include <string>

namespace contactsd::http {
namespace {

Error LargeAnswersBusy() {
  return Error::Unavailable("answer budget exhausted",
                            "The server holds too many large answers; retry later");
}

// The methods whose requests carry a body the handlers read as JSON.
bool TakesBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

void Session::TakeHead() {
  if (!in_request_) state_->request_metrics.Started();
  in_request_ = true;
  const auto& message = parser_->get();
  request_ = RequestOfHead(message);
  version_ = message.version();
  wants_keep_alive_ = message.keep_alive();
  had_credentials_ = request_.Header("authorization") != nullptr;
  if (state_->cors.enabled()) {
    const std::string* origin = request_.Header("origin");
    if (origin != nullptr && state_->cors.Allows(*origin)) {
      origin_ = *origin;
      preflight_ = request_.method == "OPTIONS" &&
                   request_.Header("access-control-request-method") != nullptr;
    }
  }
  dispatched_ = Dispatched{};
  route_match_ = nullptr;
}

std::optional<api::Response> Session::AnswerBeforeBody() {
  const RequestLimits& limits = state_->limits;
  const auto target = parser_->get().target();
  // A head that breaks the framing or the request line: what follows it cannot be trusted to be
  // a body, so it is never read, and the connection closes after the answer.
  if (Status head = CheckHead(request_, version_, target.size(), limits.max_target_bytes); !head) {
    linger_after_write_ = true;
    unrouted_path_.assign(PathOf(target));
    return RenderError(head.error());
  }
  route_match_ = ResolveRoute(state_->router, request_, target, dispatched_);
  if (dispatched_.route == "-") {
    unrouted_path_.assign(PathOf(target));
  } else {
    unrouted_path_.clear();
  }
  if (route_match_ != nullptr && route_match_->large_answers &&
      state_->answer_bytes.capacity() - state_->answer_bytes.used() < limits.large_answer_bytes) {
    route_match_ = nullptr;
    dispatched_.response = RenderRetryLater(LargeAnswersBusy());
  }
  // A target the router cannot read (a form we do not serve, a bad escape) is as untrustworthy
  // as bad framing.
  if (route_match_ == nullptr && dispatched_.response.status == 400) linger_after_write_ = true;
  const bool streamed = route_match_ != nullptr && route_match_->open_body;
  if (!streamed) {
    const auto declared = parser_->content_length();
    if (declared && *declared > limits.max_body_bytes) {
      return RenderError(
          TooLargeBody(limits.max_body_bytes));  // AnswerEarly lingers: the body is not read
    }
    parser_->body_limit(limits.max_body_bytes);  // a chunked body: counted as it comes
  }
  if (route_match_ != nullptr && TakesBody(request_.method)) {
    const std::string* type = request_.Header("content-type");
    if (type != nullptr && IsJsonPatch(*type)) {
      route_match_ = nullptr;
      dispatched_.response = RenderError(Error::UnsupportedMediaType(
          "A JSON Patch (RFC 6902) is not accepted: send a JSON merge patch (RFC 7396)"));
      dispatched_.response.headers.emplace_back("Accept-Patch", std::string(kAcceptPatch));
    }
  }
  if (parser_->is_done()) return std::nullopt;  // no body: HandleRequest answers
  const auto length = parser_->content_length();
  const bool body_here = length && buffer_.size() >= *length;
  // Answered without a handler (404, 405, 415, OPTIONS): read a body that is already here and
  // keep the connection; do not wait for one that is not.
  if (route_match_ == nullptr) {
    if (body_here) return std::nullopt;
    return std::move(dispatched_.response);
  }
  if (body_here) return std::nullopt;  // nothing left to hold the server to
  // The body is still to come: nothing is held for a client before it has shown credentials,
  // and no more than the budget for all clients together.
  if (route_match_->check_head) {
    Status admitted = route_match_->check_head(request_);
    if (!admitted) {
      CallRender([&admitted]() -> Result<api::Response> { return admitted.error(); }, request_,
                 dispatched_);
      return std::move(dispatched_.response);
    }
  }
  const std::size_t held = streamed ? limits.piece_bytes
                           : length ? static_cast<std::size_t>(*length)
                                    : limits.max_body_bytes;
  if (!body_lease_.Take(state_->body_bytes, held)) {
    return RenderRetryLater(Error::Unavailable(
        "request body budget exhausted", "The server holds too many request bodies; retry later"));
  }
  return std::nullopt;
}

void Session::AnswerEarly(api::Response answer) {
  phase_ = Phase::kHandling;
  // The bytes of a body not read are still on the way: they are read and dropped, never parsed
  // as the next request, and the connection closes.
  if (!parser_->is_done()) linger_after_write_ = true;
  for (auto& header : request_.answer_headers) answer.headers.push_back(std::move(header));
  method_ = std::move(request_.method);
  route_ = dispatched_.route;
  org_ = std::move(request_.log_org);
  request_id_ = std::move(request_.request_id);
  first_message_ = false;
  const bool keep_alive =
      wants_keep_alive_ && !linger_after_write_ && !stopping_ && !state_->stopping();
  Send(std::move(answer), version_, keep_alive);
}

void Session::Decorate(api::Response& answer) {
  // An answer too large for what is left of the budget would sit in memory for as long as a
  // slow reader likes: a short 503 takes its place.
  if (method_ != "HEAD" && answer.body.size() > state_->limits.large_answer_bytes &&
      !answer_lease_.Take(state_->answer_bytes, answer.body.size())) {
    answer = RenderRetryLater(LargeAnswersBusy());
  }
  if (answer.status == 401) {
    answer.headers.emplace_back(
        "WWW-Authenticate", had_credentials_ ? state_->challenge_invalid_token : state_->challenge);
  }
  if (origin_.empty()) return;
  if (preflight_ && answer.status == 204) {
    auto allow = std::find_if(answer.headers.begin(), answer.headers.end(),
                              [](const api::NameValue& h) { return h.first == "Allow"; });
    if (allow != answer.headers.end()) {
      CorsPolicy::AddPreflightHeaders(answer, origin_, std::string(allow->second));
      return;
    }
  }
  CorsPolicy::AddResponseHeaders(answer, origin_);
}

}  // namespace contactsd::http
