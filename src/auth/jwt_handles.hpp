#pragma once
// Owners of what libjwt hands out: a token being built or read (jwt_free) and the strings it
// allocates with malloc (jwt_encode_str, jwt_get_grants_json). Shared by the signer and the
// verifier; only their .cpp files include it, so <jwt.h> stays out of every other unit.

#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace contactsd::auth {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
struct CharFree {
  void operator()(char* p) const { std::free(p); }
};

using JwtHandle = std::unique_ptr<jwt_t, JwtFree>;
using JwtString = std::unique_ptr<char, CharFree>;

}  // namespace contactsd::auth
