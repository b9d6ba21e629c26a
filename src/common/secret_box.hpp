// Secrets at rest: a webhook's signing secret must be stored as itself (HMAC needs the key, so
// it cannot be hashed as API keys are), but a dump of the database alone should not give it
// away. SecretBox seals such values with AES-256-GCM under a key kept outside the database (a
// file: --secrets-key-file), and opens them again. Thread-safe (const after construction).
#pragma once

#include "common/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace contactsd {

class SecretBox {
 public:
  // The key in `path`: the base64url of 32 bytes on one line. With `create`, a missing file is
  // made with a new random key, readable by its owner only. Errors: Unavailable (cannot read or
  // create it), BadRequest (not such a key).
  static Result<SecretBox> FromKeyFile(const std::string& path, bool create);
  // REQUIRES: 32 bytes.
  explicit SecretBox(std::string key);

  // "sealed1:" + base64url(nonce, ciphertext, tag): a new random nonce on every call.
  std::string Seal(std::string_view plaintext) const;
  // The plaintext of a value Seal made with this key; nullopt for one made with another key,
  // or altered.
  std::optional<std::string> Open(std::string_view sealed) const;
  static bool IsSealed(std::string_view value);

 private:
  std::string key_;
};

}  // namespace contactsd
