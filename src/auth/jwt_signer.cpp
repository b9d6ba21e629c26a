#include "auth/jwt_signer.hpp"

#include "auth/jwt_handles.hpp"

#include <boost/json/serialize.hpp>

namespace contactsd::auth {

Result<std::string> SignHs256(const std::string& secret, const boost::json::object& claims) {
  if (secret.empty()) return Error::BadRequest("the JWT secret must not be empty");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Error::Internal("jwt_new failed");
  JwtHandle jwt(raw);
  const std::string payload = boost::json::serialize(claims);
  if (jwt_add_grants_json(jwt.get(), payload.c_str()) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    return Error::Internal("cannot make the JWT");
  }
  JwtString token(jwt_encode_str(jwt.get()));
  if (!token) return Error::Internal("cannot sign the JWT");
  return std::string(token.get());
}

}  // namespace contactsd::auth
