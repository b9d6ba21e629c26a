// SignHs256: a JWT signed with a shared secret, for `contactsd token` (a first run, scripts,
// tests): what an identity provider would issue to a client of a JWT model such as crm.
#pragma once

#include "common/result.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace contactsd::auth {

// `claims` as the token's payload; header {"alg": "HS256", "typ": "JWT"}.
// Errors: BadRequest for an empty secret; Internal when libjwt fails.
Result<std::string> SignHs256(const std::string& secret, const boost::json::object& claims);

}  // namespace contactsd::auth
