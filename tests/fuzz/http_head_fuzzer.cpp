// The HTTP request head, as a session reads it (session.cpp, session_head.cpp): the input is
// the bytes a client sends. They go through Boost.Beast's request parser with the server's
// limits (LimitParser: 16 KiB of header, 1 MiB of body), as http::async_read_header feeds it;
// then, for a complete head, what the session decides before it reads any body: RequestOfHead,
// CheckHead (framing, Host, target length), for every built-in model's API the target and the
// route (ResolveRoute, which parses the target with ParseTarget), the JSON Patch check and the
// route's check_head (the credentials, over a store that holds nothing); then the rest of the
// input as the body, as http::async_read reads it (beast_read.hpp). What must hold: every
// answer given without a handler (400, 404, 405, 501, OPTIONS) is a JSON object (an error
// quotes the path: it must still be UTF-8), and a body read is within the limit.
#include "beast_read.hpp"
#include "fuzz_support.hpp"

#include "http/dispatch.hpp"
#include "http/head_checks.hpp"
#include "http/request_head.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace contactsd;

bool TakesBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& apis = fuzz::BuiltinApis();
  static const http::RequestLimits limits;  // the server's defaults
  // All of it at once (how bytes may arrive cut is http_chunked_body_fuzzer's concern).
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::Arrivals in(input, input.size(), input.size());
  http::RequestParser parser;
  http::LimitParser(parser, limits);
  boost::beast::error_code ec;
  if (!fuzz::ReadMessage(parser, in, false, ec)) {
    // Session::HandleReadError reads what there is of the head for its answer.
    const auto& partial = parser.get();
    (void)partial.target().size();
    (void)partial.find("x-request-id");
    (void)partial.method_string();
    return 0;
  }
  const auto& message = parser.get();
  const api::Request head = http::RequestOfHead(message);
  const std::string_view target = message.target();
  fuzz::Require(!head.request_id.empty(), "a head without a request id");
  if (Status checked =
          http::CheckHead(head, message.version(), target.size(), limits.max_target_bytes);
      !checked) {
    return 0;  // answered, the connection closed: the body is never parsed
  }
  for (const auto& api : apis) {
    api::Request request = head;
    http::Dispatched dispatched;
    const api::Route* route = http::ResolveRoute(api->router, request, target, dispatched);
    if (route == nullptr) {
      const int status = dispatched.response.status;
      fuzz::Require(status == 204 || (status >= 400 && status <= 501), "a routeless answer");
      if (status != 204) {
        boost::system::error_code ec;  // Boost.JSON checks UTF-8 too
        const boost::json::value body = boost::json::parse(dispatched.response.body, ec);
        fuzz::Require(!ec && body.is_object(), "an error answer is not a JSON object");
      }
      continue;
    }
    fuzz::Require(request.path.starts_with('/'), "a routed path without its leading slash");
    const std::string* type = request.Header("content-type");
    if (TakesBody(request.method) && type != nullptr && http::IsJsonPatch(*type)) continue;
    if (route->check_head) (void)route->check_head(request);
  }
  if (fuzz::ReadMessage(parser, in, true, ec)) {
    fuzz::Require(parser.get().body().size() <= limits.max_body_bytes, "a body over the limit");
  }
  return 0;
}
