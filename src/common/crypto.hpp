// The few cryptographic primitives contactsd needs, over OpenSSL: the OS CSPRNG, SHA-256,
// HMAC-SHA-256, base64 and base64url. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace contactsd {

// `n` bytes from the OS CSPRNG. Throws std::runtime_error if the CSPRNG fails (never expected).
std::string RandomBytes(std::size_t n);

// `n` characters drawn uniformly from [0-9A-Za-z] with the CSPRNG (rejection sampling).
std::string RandomAlphanumeric(std::size_t n);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Raw 32-byte HMAC-SHA-256.
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// RFC 4648 base64url without padding. Decode returns false on any character outside the
// alphabet or an impossible length.
std::string Base64UrlEncode(std::string_view data);
bool Base64UrlDecode(std::string_view text, std::string& out);

// RFC 4648 base64 (the standard alphabet) with padding, as webhook secrets and signatures use.
// Decode returns false on anything but a padded encoding.
std::string Base64Encode(std::string_view data);
bool Base64Decode(std::string_view text, std::string& out);

}  // namespace contactsd
