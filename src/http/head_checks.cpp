#include "http/head_checks.hpp"

#include <boost/url/grammar/ci_string.hpp>
#include <boost/url/parse.hpp>

#include <cctype>
#include <string>
#include <vector>

namespace contactsd::http {
namespace {

// The codings of every Transfer-Encoding line, in order (RFC 9110 §5.3: repeated lines are one
// comma-separated list), each without its parameters. An empty element counts as a coding of
// its own, so that "chunked," is not read as ending in chunked.
std::vector<std::string_view> TransferCodings(const api::Request& head) {
  std::vector<std::string_view> codings;
  for (const auto& [name, value] : head.headers) {
    if (name != "transfer-encoding") continue;
    std::string_view rest = value;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::string_view coding = rest.substr(0, comma);
      coding = api::TrimOws(coding.substr(0, coding.find(';')));
      codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return codings;
}

bool IsChunked(std::string_view coding) {
  return boost::urls::grammar::ci_is_equal(coding, "chunked");
}

Status CheckFraming(const api::Request& head, unsigned version) {
  const std::vector<std::string_view> codings = TransferCodings(head);
  if (codings.empty()) return {};
  if (version < 11) {
    return Error::BadRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (head.Header("content-length") != nullptr) {
    return Error::BadRequest("A request may not have both Transfer-Encoding and Content-Length");
  }
  if (!IsChunked(codings.back())) {
    return Error::BadRequest("The last Transfer-Encoding must be chunked");
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (IsChunked(codings[i])) return Error::BadRequest("Transfer-Encoding chunked applied twice");
  }
  if (codings.size() > 1) {
    return Error::NotImplemented("Transfer-Encoding " + std::string(codings.front()) +
                                 " is not implemented; send the body with chunked alone");
  }
  return {};
}

Status CheckHost(const api::Request& head, unsigned version) {
  if (version < 11) return {};  // HTTP/1.0 predates Host
  const std::string* host = nullptr;
  for (const auto& [name, value] : head.headers) {
    if (name != "host") continue;
    if (host != nullptr) return Error::BadRequest("The request has more than one Host header");
    host = &value;
  }
  if (host == nullptr) return Error::BadRequest("An HTTP/1.1 request must have a Host header");
  if (!IsValidHost(*host)) return Error::BadRequest("The Host header is not host[:port]");
  return {};
}

}  // namespace

namespace {

// RFC 3986 reg-name characters (an IPv4 address is one too): unreserved, sub-delims, '%'.
bool IsRegNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=%").find(c) != std::string_view::npos;
}

// RFC 3986's port is *DIGIT: it may be empty ("host:"), and here must fit in 16 bits.
bool IsValidPort(std::string_view port) {
  if (port.size() > 5) return false;
  unsigned number = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + static_cast<unsigned>(c - '0');
  }
  return number <= 65535;
}

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

bool IsValidHost(std::string_view value) {
  if (value.empty()) return true;  // RFC 9110 §7.2: an empty Host for a target without authority
  // Every request has a Host, almost always a name or an IPv4 address: checked by hand, with
  // Boost.URL's parser only for an IP literal ("[::1]:80").
  if (value.front() != '[') {
    const std::size_t colon = value.find(':');
    const std::string_view host = value.substr(0, colon);
    if (host.empty()) return false;
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (!IsRegNameChar(host[i])) return false;
      if (host[i] == '%' &&
          (i + 2 >= host.size() || !IsHexDigit(host[i + 1]) || !IsHexDigit(host[i + 2]))) {
        return false;
      }
    }
    return colon == std::string_view::npos || IsValidPort(value.substr(colon + 1));
  }
  auto authority = boost::urls::parse_authority(value);
  if (!authority || authority->has_userinfo()) return false;
  if (authority->encoded_host().empty()) return false;  // ":80"
  return !authority->has_port() || IsValidPort(authority->port());
}

bool IsJsonPatch(std::string_view content_type) {
  return boost::urls::grammar::ci_is_equal(
      api::TrimOws(content_type.substr(0, content_type.find(';'))), "application/json-patch+json");
}

Status CheckHead(const api::Request& head, unsigned version, std::size_t target_size,
                 std::size_t max_target_bytes) {
  if (target_size > max_target_bytes) {
    return Error::UriTooLong("The request target exceeds " + std::to_string(max_target_bytes) +
                             " bytes");
  }
  if (auto framing = CheckFraming(head, version); !framing) return framing;
  return CheckHost(head, version);
}

}  // namespace contactsd::http
