// The principal a request speaks for (401 otherwise), when its credential's scope covers the
// route's (403 insufficient_scope otherwise); records its tenant for the access log. Every
// handler of a resource asks it first, so it is the one place where scopes are enforced.
#pragma once

#include "api/request.hpp"
#include "api/routes.hpp"
#include "common/principal.hpp"

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
  } else if (who.error().code == ErrorCode::kUnauthenticated) {
    return Error::Unauthenticated(ctx.model.unauthorized_message());  // the model's wording
  }
  return who;
}

}  // namespace contactsd::api
