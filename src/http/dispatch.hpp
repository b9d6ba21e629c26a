// The application side of one exchange, with no Beast: parse the target, route, call the
// handler, and turn every failure (an Error, a bad target, no route, an exception) into a JSON
// answer. The session moves bytes; this decides what they say.
#pragma once

#include "api/request.hpp"
#include "http/router.hpp"

#include <string_view>

namespace contactsd::http {

struct Dispatched {
  api::Response response;
  std::string_view route = "-";  // the matched pattern (owned by the Router), or "-"
};

// `request` arrives with method, headers, body and request_id set; Dispatch fills path, query
// and path_params from `target`. Never throws for anything a handler does: an exception is
// logged with the request id and answered 500. Errors' internal text is logged, never sent.
Dispatched Dispatch(const Router& router, api::Request& request, std::string_view target);

}  // namespace contactsd::http
