// RFC 9110 §13: If-Match and If-None-Match headers → a contacts::VersionCondition. A contact's
// entity tag is "<version>" (strong), so a tag names a version when its opaque part is the
// version's canonical decimal text: "04" and "x" name none. Pure.
#pragma once

#include "api/request.hpp"
#include "contacts/version_condition.hpp"

#include <cstdint>
#include <string>

namespace contactsd::api {

// Every If-Match and If-None-Match line of `request` (repeated lines are one list). If-Match
// compares strongly: a weak tag (W/"4") never matches; a malformed list matches nothing (the
// write is then a 412). If-None-Match compares weakly; a malformed part of it names nothing.
contacts::VersionCondition ConditionsOf(const Request& request);

// The ETag of a contact at `version`: "\"7\"".
std::string ETagOf(std::int64_t version);

}  // namespace contactsd::api
