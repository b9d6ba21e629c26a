// Request ids: the client's X-Request-Id when it is sane, otherwise a fresh random one.
#pragma once

#include <string>
#include <string_view>

namespace contactsd::http {

// True for 1–64 characters of [A-Za-z0-9._:-]: safe to echo in a header and a log line.
bool IsSaneRequestId(std::string_view id);

// 16 lower-case hex characters from a thread-local PRNG. Not a secret; thread-safe.
std::string NewRequestId();

// `client` (the X-Request-Id header, may be null) when sane, otherwise NewRequestId().
std::string RequestIdFor(const std::string* client);

}  // namespace contactsd::http
