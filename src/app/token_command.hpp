// contactsd token: prints a bearer JWT signed with the server's HS256 secret, as an identity
// provider would issue it, for a first run and scripts against a JWT model (crm).
#pragma once

#include <string>

namespace contactsd::app {

struct TokenRequest {
  std::string secret;      // --jwt-secret, as the server has it
  std::string org_id;      // the `account_id` claim
  std::string subject;     // `sub`: who acts
  std::string expires_in;  // a duration (common/time.hpp ParseDuration)
  std::string scope;       // the `scope` claim; empty: none (full rights)
};

// Prints {"token", "expires_at"}; 1 with a message on stderr when a value is bad.
int TokenCommand(const TokenRequest& request);

}  // namespace contactsd::app
