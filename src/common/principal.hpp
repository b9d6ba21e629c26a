// Who a request acts for: made by src/auth from a credential, read by the service for
// tenancy and policy. A plain value shared by both, so neither depends on the other.
#pragma once

#include <string>

namespace contactsd {

struct Principal {
  std::string org_id;   // the tenant; every query is scoped by it
  std::string plan;     // the org's plan ("free", "internal", ...), for model policies
  std::string subject;  // who acted: the API key's id (or a JWT's sub)
  std::string credential = "api_key";  // what `subject` names: "api_key" or "jwt"
  // The request it acts in (X-Request-Id), recorded with every change it makes.
  std::string request_id = {};
};

}  // namespace contactsd
