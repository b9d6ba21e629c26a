// The principal a request speaks for (401 otherwise); records its tenant for the access log.
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
  } else if (who.error().code == ErrorCode::kUnauthenticated) {
    return Error::Unauthenticated(ctx.model.unauthorized_message());  // the model's wording
  }
  return who;
}

}  // namespace contactsd::api
