// ApiKeyCache: the principals of recently seen API keys, by the key's SHA-256 (the secret itself
// is never kept), so that a request with a known key costs no database query. Each entry holds
// the store's credentials version it was read at; a different current version (some key was
// revoked, by any process) empties the whole cache, since revocations are rare and a revoked
// key must fail at once.
//
// It also remembers when each key was last used, for Store::TouchApiKeys: a hit stores the time
// in its entry (an atomic, under the shared lock), and TakeUses collects what changed since the
// last call, so that `last_used_at` costs a write per flush, not one per request.
//
// Thread-safe. Bounded: when full, it is emptied rather than tracking recency, which keeps the
// hit path to one shared lock and one hash lookup.
#pragma once

#include "common/principal.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace contactsd::auth {

class ApiKeyCache {
 public:
  explicit ApiKeyCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // The principal cached for `key_hash` at `version`, if any; `used_at_ms` > 0 records a use
  // of its key then.
  std::optional<Principal> Find(std::string_view key_hash, std::uint64_t version,
                                std::int64_t used_at_ms = 0) const;
  // Remembers a principal the store returned for `key_hash`, having read `version` BEFORE the
  // lookup (a revoke in between then invalidates the entry at the next call); `used_at_ms` > 0
  // records a use of its key (principal.subject) then.
  void Insert(std::string key_hash, Principal principal, std::uint64_t version,
              std::int64_t used_at_ms = 0);
  // The keys used since the last call (key id, latest use in Unix ms), entries dropped since
  // included.
  std::vector<std::pair<std::string, std::int64_t>> TakeUses();

  std::size_t size() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  struct Entry {
    Principal principal;
    mutable std::atomic<std::int64_t> used_at_ms{0};  // written under the shared lock
    std::int64_t taken_ms = 0;                        // what TakeUses last saw; mu_
  };
  // Moves the entries' untaken uses to dropped_uses_, before the entries go. REQUIRES: mu_ held
  // exclusively.
  void KeepUses();

  const std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::uint64_t version_ = 0;  // guarded by mu_: the version every entry was read at
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;  // mu_
  std::vector<std::pair<std::string, std::int64_t>> dropped_uses_;               // mu_
};

}  // namespace contactsd::auth
