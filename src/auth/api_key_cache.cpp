#include "auth/api_key_cache.hpp"

#include <mutex>
#include <utility>

namespace contactsd::auth {

std::optional<Principal> ApiKeyCache::Find(std::string_view key_hash, std::uint64_t version) const {
  std::shared_lock lock(mu_);
  if (version != version_) return std::nullopt;
  auto found = entries_.find(key_hash);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

void ApiKeyCache::Insert(std::string key_hash, Principal principal, std::uint64_t version) {
  std::unique_lock lock(mu_);
  if (version != version_) {
    // Entries read at another version may name revoked keys; one read at an older version
    // than the cache's must not come back in.
    if (version < version_) return;
    entries_.clear();
    version_ = version;
  }
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::move(key_hash), std::move(principal));
}

std::size_t ApiKeyCache::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

}  // namespace contactsd::auth
