// Authenticator: an Authorization header → the Principal it speaks for, or a 401.
// Every failure (missing, malformed, unknown, revoked) is the same error, so a caller learns
// nothing about which it was. Thread-safe.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

#include <string>

namespace contactsd::auth {

class Authenticator {
 public:
  explicit Authenticator(store::Store& store) : store_(store) {}

  // `authorization` is the header's value, or nullptr when the request had none.
  Result<Principal> Authenticate(const std::string* authorization) const;

 private:
  store::Store& store_;
};

}  // namespace contactsd::auth
