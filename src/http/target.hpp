// The request target (origin-form "/path?query") parsed with Boost.URL into the decoded path, its
// decoded segments for the router, and the decoded query. Pure: no Beast, no I/O.
#pragma once

#include "api/request.hpp"
#include "common/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::http {

struct Target {
  std::string path;                   // percent-decoded, as sent (a trailing slash is kept)
  std::vector<std::string> segments;  // decoded one by one, so "%2F" stays inside its segment;
                                      // a single trailing empty segment ("/a/") is dropped
  std::vector<api::NameValue> query;  // decoded, in order, repeats kept; "+" stays a plus
};

// Errors: BadRequest when Boost.URL rejects the target (not origin-form, a bad %-escape, ...).
Result<Target> ParseTarget(std::string_view target);

}  // namespace contactsd::http
