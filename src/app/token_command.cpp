#include "app/token_command.hpp"

#include "auth/jwt_signer.hpp"
#include "common/time.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace contactsd::app {

int TokenCommand(const TokenRequest& request) {
  auto ttl = ParseDuration(request.expires_in);
  if (!ttl || *ttl <= 0) {
    std::cerr << "contactsd: --expires-in must be a positive duration such as 1h or 30m\n";
    return 1;
  }
  const std::int64_t expires_ms = NowMillis() + *ttl;
  boost::json::object claims{
      {"account_id", request.org_id}, {"sub", request.subject}, {"exp", expires_ms / 1000}};
  if (!request.scope.empty()) claims["scope"] = request.scope;
  auto token = auth::SignHs256(request.secret, claims);
  if (!token.ok()) {
    std::cerr << "contactsd: " << token.error().message << "\n";
    return 1;
  }
  boost::json::object out{{"token", *token}, {"expires_at", FormatTimestamp(expires_ms)}};
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace contactsd::app
