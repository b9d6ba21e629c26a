// The Date header's value (RFC 9110 §5.6.7 IMF-fixdate, "Fri, 04 Dec 2026 20:22:58 GMT"),
// formatted at most once a second per thread: every answer carries it, and a format per answer
// would cost as much as the rest of a /healthz.
#pragma once

#include <cstdint>
#include <string_view>

namespace contactsd::http {

// The current time's Date value. Valid until this thread's next call.
std::string_view HttpDateNow();

// `unix_seconds` as an IMF-fixdate (29 characters) written to `out`, which must hold 29.
void FormatHttpDate(std::int64_t unix_seconds, char* out);

}  // namespace contactsd::http
