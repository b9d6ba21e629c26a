// The request parser as a session sets it up, and the head it has read as the api::Request the
// rest of the server sees. Pure (no socket, no session): the session reads through these, and
// so does the fuzz target that parses bytes exactly as a session does
// (tests/fuzz/http_head_fuzzer.cpp). Beast stays inside src/http.
#pragma once

#include "api/request.hpp"
#include "http/limits.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace contactsd::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets a fresh parser's body and header limits to `limits`' (max_body_bytes, max_header_bytes).
void LimitParser(RequestParser& parser, const RequestLimits& limits);

// The head `message` holds as a Request with no body: the method, every header with its name
// lower-cased (in order, repeats kept) and the request id (the client's X-Request-Id when it is
// sane, else a new one). Path, query and path parameters are left to the router.
api::Request RequestOfHead(const RequestParser::value_type& message);

}  // namespace contactsd::http
