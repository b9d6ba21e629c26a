// ApiKeyCache: the principals of recently seen API keys, by the key's SHA-256 (the secret itself
// is never kept), so that a request with a known key costs no database query. Each entry holds
// the store's credentials version it was read at; a different current version (some key was
// revoked, by any process) empties the whole cache, since revocations are rare and a revoked
// key must fail at once.
//
// Thread-safe. Bounded: when full, it is emptied rather than tracking recency, which keeps the
// hit path to one shared lock and one hash lookup.
#pragma once

#include "common/principal.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace contactsd::auth {

class ApiKeyCache {
 public:
  explicit ApiKeyCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // The principal cached for `key_hash` at `version`, if any.
  std::optional<Principal> Find(std::string_view key_hash, std::uint64_t version) const;
  // Remembers a principal the store returned for `key_hash`, having read `version` BEFORE the
  // lookup (a revoke in between then invalidates the entry at the next call).
  void Insert(std::string key_hash, Principal principal, std::uint64_t version);

  std::size_t size() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::uint64_t version_ = 0;  // guarded by mu_: the version every entry was read at
  std::unordered_map<std::string, Principal, StringHash, std::equal_to<>> entries_;  // mu_
};

}  // namespace contactsd::auth
