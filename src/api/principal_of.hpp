// The principal a request speaks for (401 otherwise), when its credential's scope covers the
// route's (403 insufficient_scope otherwise); records its tenant for the access log. Every
// handler of a resource asks it first, so it is the one place where scopes are enforced, and
// where each request takes its rate-limit tokens (once, though check_head asks too).
#pragma once

#include "api/request.hpp"
#include "api/routes.hpp"
#include "common/principal.hpp"

#include <chrono>

namespace contactsd::api {

inline Result<Principal> PrincipalOf(const ApiContext& ctx, const Request& req) {
  auto who = ctx.authenticator.Authenticate(req.Header("authorization"));
  if (who.ok()) {
    req.log_org = who->org_id;
    who->request_id = req.request_id;
    if (req.scope && who->scope < *req.scope) {
      return Error::Forbidden("This credential's scope (" + std::string(ScopeName(who->scope)) +
                                  ") does not allow this request; it needs " +
                                  std::string(ScopeName(*req.scope)),
                              "insufficient_scope");
    }
    if (ctx.rate_limits != nullptr && ctx.rate_limits->enabled() && !req.rate_counted) {
      req.rate_counted = true;
      auto decision = ctx.rate_limits->Take(*who, std::chrono::steady_clock::now());
      req.answer_headers = std::move(decision.headers);
      if (!decision.allowed) {
        return Error::TooManyRequests(
            "Too many requests: this tenant or credential is over its rate limit; retry after "
            "the Retry-After seconds");
      }
    }
  } else if (who.error().code == ErrorCode::kUnauthenticated) {
    return Error::Unauthenticated(ctx.model.unauthorized_message());  // the model's wording
  }
  return who;
}

}  // namespace contactsd::api
