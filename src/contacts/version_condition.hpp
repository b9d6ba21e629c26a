// The conditions a client puts on a contact's current version (RFC 9110 §13.1): If-Match and
// If-None-Match, their entity tags already read as versions (a contact's ETag is "<version>").
// Checked inside the write's transaction, against the version it read. Pure.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace contactsd::contacts {

struct VersionCondition {
  // If-Match: absent or "*" (nothing to check: the contact exists, or the write is a 404),
  // else the versions its strong tags name; empty when none does (nothing can match).
  std::optional<std::vector<std::int64_t>> match;
  // If-None-Match: "*", or the versions its tags name (weak comparison).
  bool none_match_any = false;
  std::vector<std::int64_t> none_match;

  // True when If-Match names versions and `version` is not one of them.
  bool MatchFails(std::int64_t version) const {
    return match && std::find(match->begin(), match->end(), version) == match->end();
  }
  // True when If-None-Match is "*" or names `version`: a GET answers 304, a write 412.
  bool NoneMatchFails(std::int64_t version) const {
    return none_match_any ||
           std::find(none_match.begin(), none_match.end(), version) != none_match.end();
  }
};

}  // namespace contactsd::contacts
