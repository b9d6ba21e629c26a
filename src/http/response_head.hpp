// The status line and headers of an answer, written by hand into one buffer: sent together
// with the body in one gathered write. Beast's serializer walks a chain of buffer views per
// write, which cost more instructions than the rest of a /healthz request (callgrind).
#pragma once

#include "api/request.hpp"

#include <string>
#include <string_view>

namespace contactsd::http {

// Appends to `out` the head of `answer` for an HTTP/1.0 client when `version` is 10, else
// HTTP/1.1 (Beast's numbering: 10, 11): the status line,
// the handler's headers (an unsafe one, that could break the framing or forge one of ours, is
// dropped and logged), Content-Type: application/json, Server: contactsd and Cache-Control:
// no-store unless the handler set them, Date, X-Request-Id, Connection as `keep_alive` needs it for
// that version, and Content-Length (none for 204 and 304, which have no body), then the blank line.
// `body_size` is the size of the body (for a HEAD, the one a GET would get); `date` the Date
// header's value (HttpDateNow()).
// The body_size of an answer whose body is sent as it is made: HTTP/1.1 chunks
// (Transfer-Encoding: chunked), for HTTP/1.0 no length (the connection's end ends it).
inline constexpr std::size_t kStreamedBody = static_cast<std::size_t>(-1);

void AppendResponseHead(std::string& out, const api::Response& answer, unsigned version,
                        bool keep_alive, std::string_view request_id, std::size_t body_size,
                        std::string_view date);

// True for the statuses whose answers carry no body (204, 304).
bool IsBodiless(int status);

}  // namespace contactsd::http
