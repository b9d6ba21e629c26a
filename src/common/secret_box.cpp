#include "common/secret_box.hpp"

#include "common/crypto.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace contactsd {
namespace {

constexpr std::string_view kPrefix = "sealed1:";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Writes a new key to `path`, which must not exist: O_EXCL, so two processes starting at once
// cannot each write their own (the loser reads the winner's).
Status CreateKeyFile(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return Error::Unavailable("cannot create the secrets key file " + path + ": " +
                              std::strerror(errno));
  }
  const std::string line = Base64UrlEncode(RandomBytes(kKeyBytes)) + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced) {
    unlink(path.c_str());
    return Error::Unavailable("cannot write the secrets key file " + path);
  }
  return {};
}

}  // namespace

Result<SecretBox> SecretBox::FromKeyFile(const std::string& path, bool create) {
  if (create) {
    if (auto made = CreateKeyFile(path); !made) return std::move(made).error();
  }
  std::ifstream in(path);
  if (!in) return Error::Unavailable("cannot read the secrets key file " + path);
  std::string line;
  std::getline(in, line);
  std::string key;
  if (!Base64UrlDecode(line, key) || key.size() != kKeyBytes) {
    return Error::BadRequest("the secrets key file " + path +
                             " does not hold a key (the base64url of 32 bytes on one line)");
  }
  return SecretBox(std::move(key));
}

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {}

bool SecretBox::IsSealed(std::string_view value) { return value.starts_with(kPrefix); }

std::string SecretBox::Seal(std::string_view plaintext) const {
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  int total = 0;
  // Failures here are OpenSSL running out of memory or broken: nothing a caller can mend.
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonceBytes, &n, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      (total = n, EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonceBytes + total, &n) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          Bytes(out) + kNonceBytes + total + n) != 1) {
    throw std::runtime_error("secret_box: AES-256-GCM sealing failed");
  }
  return std::string(kPrefix) + Base64UrlEncode(out);
}

std::optional<std::string> SecretBox::Open(std::string_view sealed) const {
  if (!IsSealed(sealed)) return std::nullopt;
  std::string raw;
  if (!Base64UrlDecode(sealed.substr(kPrefix.size()), raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return std::nullopt;
  }
  const std::size_t length = raw.size() - kNonceBytes - kTagBytes;
  std::string tag = raw.substr(kNonceBytes + length);
  std::string plaintext(length, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(raw)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), Bytes(plaintext), &n, Bytes(raw) + kNonceBytes,
                        static_cast<int>(length)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, Bytes(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), Bytes(plaintext) + n, &n) != 1) {
    return std::nullopt;  // another key, or altered: the tag does not match
  }
  return plaintext;
}

}  // namespace contactsd
