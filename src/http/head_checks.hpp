// The checks a request's head must pass before anything of its body is read (RFC 9112 §3, §6;
// RFC 9110 §7.2): framing that a proxy in front of us could read differently (request
// smuggling), the Host header, the target's length, and a body labelled as a format we do not
// take. Pure: no Beast, no I/O; every case is in head_checks_test.cpp and, byte for byte, in
// tests/api/test_http_conformance.py.
#pragma once

#include "api/request.hpp"
#include "common/result.hpp"

#include <cstddef>
#include <string_view>

namespace contactsd::http {

// `head`: the request without its body (method and lower-cased headers set); `version` in
// Beast's numbering (10, 11); `target_size` the request target's length. Errors, each to be
// answered with the connection closed after it: 400 for a Transfer-Encoding whose final coding
// is not chunked, chunked twice, Transfer-Encoding beside Content-Length or in HTTP/1.0, and
// for a missing, repeated or malformed Host on HTTP/1.1; 501 for a coding before chunked
// (we decode none); 414 for a target over `max_target_bytes`.
Status CheckHead(const api::Request& head, unsigned version, std::size_t target_size,
                 std::size_t max_target_bytes);

// True when `content_type` is RFC 6902's application/json-patch+json (parameters, case and
// spaces aside): a list of operations, not the merge patch or object every write takes.
bool IsJsonPatch(std::string_view content_type);

// True when `value` is a valid Host header value: empty, or host[:port] with host a reg-name,
// an IPv4 address or a bracketed IP literal, and port a decimal number up to 65535.
bool IsValidHost(std::string_view value);

}  // namespace contactsd::http
