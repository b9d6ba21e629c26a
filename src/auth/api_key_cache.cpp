#include "auth/api_key_cache.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

namespace contactsd::auth {
namespace {

void RecordUse(std::atomic<std::int64_t>& used_at, std::int64_t at_ms) {
  if (at_ms <= 0) return;
  // Most hits find the same millisecond or a later one already stored: read before writing,
  // so that a busy key's entry is not written by every thread at once.
  std::int64_t seen = used_at.load(std::memory_order_relaxed);
  while (seen < at_ms && !used_at.compare_exchange_weak(seen, at_ms, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::optional<Principal> ApiKeyCache::Find(std::string_view key_hash, std::uint64_t version,
                                           std::int64_t used_at_ms) const {
  std::shared_lock lock(mu_);
  if (version != version_) return std::nullopt;
  auto found = entries_.find(key_hash);
  if (found == entries_.end()) return std::nullopt;
  RecordUse(found->second.used_at_ms, used_at_ms);
  return found->second.principal;
}

void ApiKeyCache::Insert(std::string key_hash, Principal principal, std::uint64_t version,
                         std::int64_t used_at_ms) {
  std::unique_lock lock(mu_);
  if (version != version_) {
    // Entries read at another version may name revoked keys; one read at an older version
    // than the cache's must not come back in.
    if (version < version_) return;
    KeepUses();
    entries_.clear();
    version_ = version;
  }
  if (entries_.size() >= capacity_) {
    KeepUses();
    entries_.clear();
  }
  auto [it, inserted] = entries_.try_emplace(std::move(key_hash));
  it->second.principal = std::move(principal);
  RecordUse(it->second.used_at_ms, used_at_ms);
}

void ApiKeyCache::KeepUses() {
  for (auto& [hash, entry] : entries_) {
    const std::int64_t used = entry.used_at_ms.load(std::memory_order_relaxed);
    if (used > entry.taken_ms) dropped_uses_.emplace_back(entry.principal.subject, used);
  }
}

std::vector<std::pair<std::string, std::int64_t>> ApiKeyCache::TakeUses() {
  std::unique_lock lock(mu_);
  // One row per key, its latest use (a key dropped and cached again may be in both lists).
  std::unordered_map<std::string, std::int64_t> latest;
  auto add = [&latest](const std::string& key_id, std::int64_t used) {
    auto& at = latest[key_id];
    at = std::max(at, used);
  };
  for (const auto& [key_id, used] : dropped_uses_) add(key_id, used);
  dropped_uses_.clear();
  for (auto& [hash, entry] : entries_) {
    const std::int64_t used = entry.used_at_ms.load(std::memory_order_relaxed);
    if (used > entry.taken_ms) {
      add(entry.principal.subject, used);
      entry.taken_ms = used;
    }
  }
  return {latest.begin(), latest.end()};
}

std::size_t ApiKeyCache::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

}  // namespace contactsd::auth
