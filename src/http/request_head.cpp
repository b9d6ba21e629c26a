#include "http/request_head.hpp"

#include "http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>

namespace contactsd::http {
namespace {

std::string LowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

void LimitParser(RequestParser& parser, const RequestLimits& limits) {
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
}

api::Request RequestOfHead(const RequestParser::value_type& message) {
  api::Request request;
  request.method = std::string(message.method_string());
  request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(LowerCase(field.name_string()), std::string(field.value()));
  }
  request.request_id = RequestIdFor(request.Header("x-request-id"));
  return request;
}

}  // namespace contactsd::http
