// Who a request acts for: made by src/auth from a credential, read by the service for
// tenancy and policy. A plain value shared by both, so neither depends on the other.
#pragma once

#include <string>

namespace contactsd {

struct Principal {
  std::string org_id;   // the tenant; every query is scoped by it
  std::string plan;     // the org's plan ("free", "internal", ...), for model policies
  std::string subject;  // who acted: the API key's id (or a JWT's sub)
};

}  // namespace contactsd
