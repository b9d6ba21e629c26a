#include "http/response_head.hpp"

#include "common/log.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <charconv>

namespace contactsd::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// A handler's extra header must not break the framing or inject another header.
bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  }
  if (value.find_first_of("\r\n", 0) != std::string_view::npos) return false;
  if (value.find('\0') != std::string_view::npos) return false;
  return !beast::iequals(name, "content-length") && !beast::iequals(name, "transfer-encoding") &&
         !beast::iequals(name, "connection") && !beast::iequals(name, "x-request-id");
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void AppendNumber(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

bool IsBodiless(int status) { return status == 204 || status == 304; }

void AppendResponseHead(std::string& out, const api::Response& answer, unsigned version,
                        bool keep_alive, std::string_view request_id, std::size_t body_size,
                        std::string_view date) {
  const bool http10 = version == 10;
  out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  AppendNumber(out, static_cast<std::size_t>(answer.status));
  out += ' ';
  out += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(answer.status)));
  out += "\r\n";
  // The defaults below give way only to a handler's header that is actually sent.
  bool has_type = false;
  bool has_server = false;
  bool has_cache_control = false;
  for (const auto& [name, value] : answer.headers) {
    if (!IsSafeHeader(name, value)) {
      log::Warn("unsafe_header_dropped", "a handler's response header was not sent",
                {{"rid", request_id}, {"header", name}});
      continue;
    }
    AppendHeader(out, name, value);
    has_type = has_type || beast::iequals(name, "content-type");
    has_server = has_server || beast::iequals(name, "server");
    has_cache_control = has_cache_control || beast::iequals(name, "cache-control");
  }
  const bool bodiless = IsBodiless(answer.status);
  if (!bodiless && !has_type) AppendHeader(out, "Content-Type", "application/json");
  if (!has_server) AppendHeader(out, "Server", "contactsd");
  // Contacts are personal data: no cache on the way may keep an answer.
  if (!has_cache_control) AppendHeader(out, "Cache-Control", "no-store");
  AppendHeader(out, "Date", date);
  AppendHeader(out, "X-Request-Id", request_id);
  // HTTP/1.1 keeps a connection open unless told; HTTP/1.0 closes it unless told.
  if (!http10 && !keep_alive) AppendHeader(out, "Connection", "close");
  if (http10 && keep_alive) AppendHeader(out, "Connection", "keep-alive");
  if (!bodiless && body_size == kStreamedBody) {
    if (!http10) AppendHeader(out, "Transfer-Encoding", "chunked");
  } else if (!bodiless) {
    out += "Content-Length: ";
    AppendNumber(out, body_size);
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace contactsd::http
