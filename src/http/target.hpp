// The request target parsed with Boost.URL into the decoded path, its decoded segments for the
// router, and the decoded query. RFC 9112 §3.2: origin-form ("/path?query"), absolute-form
// ("http://host/path?query", what a client talking to a proxy sends; its authority is not
// used) and asterisk-form ("*", for OPTIONS). Pure: no Beast, no I/O.
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
  bool asterisk = false;              // "*": the server as a whole (path and segments empty)
};

// Errors: BadRequest when Boost.URL rejects the target (another form, a scheme other than http
// or https, a bad %-escape, ...).
Result<Target> ParseTarget(std::string_view target);

// The target as sent up to its query ('?') or fragment ('#'), not decoded and not checked: what
// the access log shows of a request no route took. A query may carry personal data (an email
// to look up), so it never goes further than this.
std::string_view PathOf(std::string_view target);

}  // namespace contactsd::http
